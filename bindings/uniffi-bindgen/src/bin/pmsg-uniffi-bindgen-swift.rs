//! `pmsg-uniffi-bindgen-swift` (uniffi-bindgen-swift): generates pmsg's Swift sources, the C header of
//! the FFI module and an XCFramework-ready module map from the built
//! library. Run by `bindings/generate.sh`; see bindings/README.md.

fn main() {
    uniffi::uniffi_bindgen_swift()
}
