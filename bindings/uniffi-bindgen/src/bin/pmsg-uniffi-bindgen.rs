//! `pmsg-uniffi-bindgen` (uniffi-bindgen): generates pmsg's Kotlin and Python bindings from the
//! built library (library mode). Run by `bindings/generate.sh` and by
//! maturin (`bindings/python`); see bindings/README.md.

fn main() {
    uniffi::uniffi_bindgen_main()
}
