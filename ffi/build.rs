//! Gives libpmsg.so its ELF SONAME, so that a host records which ABI it
//! was linked against: `libpmsg.so.0.MINOR` before 1.0 (a minor version
//! may break the ABI then), `libpmsg.so.MAJOR` from 1.0 on. packaging/
//! installs the matching `libpmsg.so.X.Y.Z` file and its two links.
fn main() {
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let elf = !matches!(os.as_str(), "macos" | "ios" | "windows");
    if elf {
        let major = env!("CARGO_PKG_VERSION_MAJOR");
        let soversion = if major == "0" {
            format!("0.{}", env!("CARGO_PKG_VERSION_MINOR"))
        } else {
            major.to_string()
        };
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libpmsg.so.{soversion}");
    }
}
