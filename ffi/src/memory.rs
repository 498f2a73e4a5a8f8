//! Memory handed to C, and the functions that take it back.
//!
//! Strings are `CString`s given away with `into_raw`. Byte buffers carry
//! their true length in a hidden header in front of the bytes, so that
//! `pmsg_bytes_free` frees exactly what was allocated even if the host
//! passes a wrong length.

use crate::boundary::boundary_void;
use pmsg_core::Error;
use std::alloc::{self, Layout};
use std::ffi::{c_char, CString};
use std::mem::{align_of, size_of};

/// Bytes in front of a buffer's data: its length, as a `usize`.
const HEADER: usize = size_of::<usize>();

fn layout(len: usize) -> Option<Layout> {
    Layout::from_size_align(HEADER.checked_add(len)?, align_of::<usize>()).ok()
}

/// Copies `data` into a new buffer for C, freed by `pmsg_bytes_free`. The
/// pointer is never NULL, even for zero bytes.
pub(crate) fn give_bytes(data: &[u8]) -> Result<*mut u8, Error> {
    let layout = layout(data.len())
        .ok_or_else(|| Error::Internal(format!("a buffer of {} bytes is too large", data.len())))?;
    // SAFETY: the layout has a non-zero size (at least HEADER bytes) and
    // usize alignment; the header write is aligned and in bounds, and the
    // data copy fills the `data.len()` bytes after it.
    unsafe {
        let base = alloc::alloc(layout);
        if base.is_null() {
            alloc::handle_alloc_error(layout);
        }
        base.cast::<usize>().write(data.len());
        let bytes = base.add(HEADER);
        std::ptr::copy_nonoverlapping(data.as_ptr(), bytes, data.len());
        Ok(bytes)
    }
}

/// Frees a string that pmsg returned through a `char **` out-pointer
/// (`pmsg_view_json`, `pmsg_export_chart`, ...).
///
/// Ownership: takes back `s`, which must come from pmsg, unmodified, and
/// not be used again. `pmsg_string_free(NULL)` does nothing. Thread-safe
/// (any thread may free a string). Never fails.
#[no_mangle]
pub extern "C" fn pmsg_string_free(s: *mut c_char) {
    boundary_void(|| free_string(s))
}

/// Frees a byte buffer that pmsg returned (`pmsg_download`).
///
/// `len` is the length pmsg wrote with the buffer; pmsg also keeps the
/// buffer's true size itself, so a wrong `len` cannot corrupt the heap.
///
/// Ownership: takes back `bytes`, which must come from pmsg and not be used
/// again. `pmsg_bytes_free(NULL, 0)` does nothing. Thread-safe. Never fails.
#[no_mangle]
pub extern "C" fn pmsg_bytes_free(bytes: *mut u8, len: usize) {
    let _ = len; // the header knows the true length
    boundary_void(|| free_bytes(bytes))
}

/// Takes back a string given by `give_string`/`give_json`; NULL is ignored.
fn free_string(s: *mut c_char) {
    if !s.is_null() {
        // SAFETY: the C contract: `s` came from `CString::into_raw` in this
        // library, unmodified, and is freed once.
        drop(unsafe { CString::from_raw(s) });
    }
}

/// Takes back a buffer given by `give_bytes`; NULL is ignored.
fn free_bytes(bytes: *mut u8) {
    if bytes.is_null() {
        return;
    }
    // SAFETY: the C contract: `bytes` came from `give_bytes`, so the HEADER
    // bytes before it hold its length, allocated with `layout(len)`.
    unsafe {
        let base = bytes.sub(HEADER);
        let true_len = base.cast::<usize>().read();
        if let Some(layout) = layout(true_len) {
            alloc::dealloc(base, layout);
        }
    }
}

/// Takes back a handle given by `Box::into_raw`; NULL is ignored.
pub(crate) fn free_box<T>(ptr: *mut T) {
    if !ptr.is_null() {
        // SAFETY: the C contract: `ptr` came from `Box::into_raw` in this
        // library and is freed once, with no call on it still running.
        drop(unsafe { Box::from_raw(ptr) });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_round_trip_and_free_by_their_true_length() {
        for data in [&b""[..], b"x", &[7u8; 1000][..]] {
            let p = give_bytes(data).unwrap();
            assert!(!p.is_null());
            // SAFETY: p holds data.len() bytes.
            assert_eq!(unsafe { std::slice::from_raw_parts(p, data.len()) }, data);
            pmsg_bytes_free(p, 12345); // a wrong len is harmless
        }
        pmsg_bytes_free(std::ptr::null_mut(), 0);
        pmsg_string_free(std::ptr::null_mut());
    }
}
