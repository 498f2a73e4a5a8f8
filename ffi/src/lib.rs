//! # libpmsg: the C ABI of pmsg
//!
//! C and C++ hosts (EMR clients) link `libpmsg` and include `pmsg.h`,
//! which cbindgen generates from this crate (`ffi/gen-header.sh`;
//! `ffi/check-header.sh` fails when the committed header is stale).
//!
//! Every function has one shape (STYLE.md): the `boundary` guard (a panic
//! becomes `PMSG_INTERNAL`), argument checks whose errors name the
//! argument, one call into `pmsg_core::Store`, results through
//! out-pointers. Nothing here decides a rule: requests are read by
//! `pmsg_core::request`, records are written with their `Serialize`
//! derives, and every error is a `pmsg_core::Error` whose section 13 code is the
//! C status.

// Declared in the order the header lists them (cbindgen follows the
// module order; blank lines keep rustfmt from sorting them).
mod boundary;

mod status;

mod store;

mod outcome;

mod request;

mod group_send;

mod group;

mod events;

mod view;

mod lists;

mod lend;

mod memory;

#[cfg(feature = "test-panic")]
mod testing;

pub use events::*;
pub use group::*;
pub use group_send::*;
pub use lists::*;
pub use memory::{pmsg_bytes_free, pmsg_string_free};
pub use outcome::*;
pub use request::*;
pub use status::{pmsg_status_name, PmsgStatus};
pub use store::*;
pub use view::*;

use std::ffi::{c_char, CStr};

/// This library's version, NUL-terminated (the crate version).
const VERSION: &CStr =
    match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
        Ok(v) => v,
        Err(_) => panic!("the crate version holds a NUL"),
    };

/// The version of the linked library, `"MAJOR.MINOR.PATCH"`. Compare it
/// with `PMSG_VERSION_STRING`, the version of the header compiled against.
///
/// The string is static; never free it. Thread-safe. Never fails and never
/// changes `pmsg_last_error_message()`.
#[no_mangle]
pub extern "C" fn pmsg_version() -> *const c_char {
    VERSION.as_ptr()
}

/// Whether this libpmsg encrypts at rest: 1 when it was built with the
/// cargo feature `encryption` (SQLCipher), so `pmsg_open_encrypted` works;
/// 0 when it was not (that call then fails with `PMSG_STORAGE`).
///
/// Thread-safe. Never fails and never changes `pmsg_last_error_message()`.
#[no_mangle]
pub extern "C" fn pmsg_has_encryption() -> i32 {
    i32::from(pmsg_core::ENCRYPTION)
}

/// The message of the last pmsg call on this thread that failed, naming
/// the offending argument or value and the SPEC rule; `""` when the last
/// call succeeded. Never NULL.
///
/// The string is owned by pmsg: valid until the next pmsg call on this
/// thread (copy it to keep it); never free it. Thread-safe: each thread has
/// its own message. Never fails. The `_free` functions, `pmsg_close`,
/// `pmsg_status_name`, `pmsg_version` and this function leave the message
/// as it was.
#[no_mangle]
pub extern "C" fn pmsg_last_error_message() -> *const c_char {
    boundary::last_error_ptr()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_version_macros_match_the_crate_version() {
        let toml = include_str!("../cbindgen.toml");
        for (name, value) in [
            ("MAJOR", env!("CARGO_PKG_VERSION_MAJOR")),
            ("MINOR", env!("CARGO_PKG_VERSION_MINOR")),
            ("PATCH", env!("CARGO_PKG_VERSION_PATCH")),
        ] {
            let line = format!("#define PMSG_VERSION_{name} {value}\n");
            assert!(
                toml.contains(&line),
                "cbindgen.toml lacks {line:?}: update its after_includes"
            );
        }
        let string = format!(
            "#define PMSG_VERSION_STRING \"{}\"\n",
            env!("CARGO_PKG_VERSION")
        );
        assert!(toml.contains(&string), "cbindgen.toml lacks {string:?}");
        // SAFETY: static NUL-terminated string.
        let v = unsafe { CStr::from_ptr(pmsg_version()) };
        assert_eq!(v.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
    }
}
