//! The boundary every C entry point goes through: panics caught, the
//! thread's last error message kept, and the C arguments checked and read
//! (NULL, UTF-8, ranges), each failure naming the argument.
//!
//! The helpers here take raw pointers from C. Their contract is the
//! header's: a pointer argument is either NULL (refused, or "absent" where
//! the header says so) or valid for what the header says it points to.

use crate::status::{status_of, PmsgStatus};
use chrono::{DateTime, TimeZone, Utc};
use pmsg_core::Error;
use std::cell::RefCell;
use std::ffi::{c_char, CStr, CString};
use std::panic::{self, AssertUnwindSafe};

/// What a checked body returns: `Ok(())` once its results are written
/// through the out-pointers, or the error to report.
pub(crate) type FfiResult = Result<(), Error>;

thread_local! {
    /// The message of the last failed pmsg call on this thread; `None`
    /// (read as `""`) after a success, so a success allocates nothing.
    /// `pmsg_last_error_message()` lends out its buffer.
    static LAST_ERROR: RefCell<Option<CString>> = const { RefCell::new(None) };
}

/// Runs one C entry point's body: the thread's last error is cleared, a
/// panic becomes `PMSG_INTERNAL`, and an error becomes its status with its
/// message kept for `pmsg_last_error_message()`.
///
/// `AssertUnwindSafe` is sound here: a body's only shared state is the
/// store, whose every operation is one SQLite transaction (rolled back when
/// a panic drops it) behind a mutex that recovers from poisoning; an
/// outcome or buffer being built is dropped with the panic, and out-pointers
/// are written only after everything that can fail.
pub(crate) fn boundary(body: impl FnOnce() -> FfiResult) -> PmsgStatus {
    clear_last_error();
    let result = match panic::catch_unwind(AssertUnwindSafe(body)) {
        Ok(result) => result,
        Err(payload) => Err(Error::Internal(format!(
            "pmsg panicked: {} (please report this bug)",
            panic_message(payload.as_ref())
        ))),
    };
    match result {
        Ok(()) => PmsgStatus::PMSG_OK,
        Err(e) => {
            set_last_error(&e.to_string());
            status_of(&e)
        }
    }
}

/// Runs a body that cannot report (the `_free` functions, `pmsg_close`): a
/// panic is swallowed rather than unwound into C, and the thread's last
/// error is left as it was.
pub(crate) fn boundary_void(body: impl FnOnce()) {
    let _ = panic::catch_unwind(AssertUnwindSafe(body));
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> &str {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s
    } else {
        "a panic without a message"
    }
}

fn set_last_error(message: &str) {
    // A message cannot carry NUL into C; show it escaped instead.
    let c = CString::new(message.replace('\0', "\\0")).unwrap_or_default();
    // `try_with`: during thread teardown the slot may be gone; then there is
    // nobody left to read the message.
    let _ = LAST_ERROR.try_with(|slot| *slot.borrow_mut() = Some(c));
}

fn clear_last_error() {
    let _ = LAST_ERROR.try_with(|slot| slot.borrow_mut().take());
}

/// The thread's last error message (see `pmsg_last_error_message`).
pub(crate) fn last_error_ptr() -> *const c_char {
    LAST_ERROR
        .try_with(|slot| slot.borrow().as_ref().map(|m| m.as_ptr()))
        .ok()
        .flatten()
        .unwrap_or(c"".as_ptr())
}

/// An `invalid_argument` error about the C argument `name`.
pub(crate) fn invalid(name: &str, problem: impl std::fmt::Display) -> Error {
    Error::InvalidArgument(format!("argument `{name}` {problem}"))
}

/// A required pointer argument, as a reference.
pub(crate) fn arg_ref<'a, T>(ptr: *const T, name: &str) -> Result<&'a T, Error> {
    // SAFETY: the C contract: a non-NULL pointer argument points to a live T.
    unsafe { ptr.as_ref() }.ok_or_else(|| invalid(name, "is NULL"))
}

/// A required pointer argument to something pmsg changes, as a reference.
pub(crate) fn arg_mut<'a, T>(ptr: *mut T, name: &str) -> Result<&'a mut T, Error> {
    // SAFETY: the C contract: a non-NULL handle argument points to a live T
    // that no other thread uses during the call.
    unsafe { ptr.as_mut() }.ok_or_else(|| invalid(name, "is NULL"))
}

/// A required NUL-terminated UTF-8 string argument.
pub(crate) fn arg_str<'a>(ptr: *const c_char, name: &str) -> Result<&'a str, Error> {
    if ptr.is_null() {
        return Err(invalid(name, "is NULL"));
    }
    // SAFETY: the C contract: a non-NULL string argument is NUL-terminated
    // and stays alive and unchanged for the call.
    let bytes = unsafe { CStr::from_ptr(ptr) };
    bytes.to_str().map_err(|e| {
        invalid(
            name,
            format_args!(
                "is not valid UTF-8 (invalid byte at offset {})",
                e.valid_up_to()
            ),
        )
    })
}

/// A byte buffer argument of `len` bytes; NULL only when `len` is 0.
pub(crate) fn arg_bytes<'a>(ptr: *const u8, len: usize, name: &str) -> Result<&'a [u8], Error> {
    if len == 0 {
        Ok(&[])
    } else if ptr.is_null() {
        Err(invalid(name, format_args!("is NULL with len = {len}")))
    } else {
        // SAFETY: the C contract: a non-NULL buffer argument points to
        // `len` readable bytes that stay unchanged for the call.
        Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
    }
}

/// An optional string argument: NULL means absent.
pub(crate) fn arg_opt_str<'a>(ptr: *const c_char, name: &str) -> Result<Option<&'a str>, Error> {
    if ptr.is_null() {
        Ok(None)
    } else {
        arg_str(ptr, name).map(Some)
    }
}

/// A required JSON text argument, parsed strictly: malformed JSON and a
/// key given twice in one object are `invalid_argument` naming the argument.
pub(crate) fn arg_json(ptr: *const c_char, name: &str) -> Result<serde_json::Value, Error> {
    let text = arg_str(ptr, name)?;
    pmsg_core::strict_json::parse(text, &format!("argument `{name}`"))
}

/// A required JSON object argument (a request or a directory update).
pub(crate) fn arg_json_object(ptr: *const c_char, name: &str) -> Result<serde_json::Value, Error> {
    let value = arg_json(ptr, name)?;
    if value.is_object() {
        Ok(value)
    } else {
        Err(invalid(name, "is not a JSON object"))
    }
}

/// An instant argument: milliseconds since the Unix epoch, UTC.
pub(crate) fn arg_instant(ms: i64, name: &str) -> Result<DateTime<Utc>, Error> {
    Utc.timestamp_millis_opt(ms).single().ok_or_else(|| {
        invalid(
            name,
            format_args!("= {ms} is outside the range of instants pmsg can represent"),
        )
    })
}

/// A required out-pointer, set to its "no result" value (NULL, 0) at once,
/// so that a failed call always leaves it cleared.
pub(crate) fn arg_out<'a, T>(ptr: *mut T, name: &str, cleared: T) -> Result<&'a mut T, Error> {
    // SAFETY: the C contract: a non-NULL out-pointer is valid for writes.
    let out = unsafe { ptr.as_mut() }.ok_or_else(|| invalid(name, "is NULL"))?;
    *out = cleared;
    Ok(out)
}

/// A Rust string as a newly allocated C string. U+0000 cannot be carried
/// by a C string: such a value is refused rather than cut short.
pub(crate) fn c_string(value: String, what: &str) -> Result<CString, Error> {
    CString::new(value).map_err(|e| {
        Error::Internal(format!(
            "{what} contains a NUL character (U+0000) at byte {}, which a C string cannot carry",
            e.nul_position()
        ))
    })
}

/// Hands a string to C: the caller frees it with `pmsg_string_free`.
pub(crate) fn give_string(value: String, what: &str) -> Result<*mut c_char, Error> {
    Ok(c_string(value, what)?.into_raw())
}

/// A record written as JSON text (`serde_json::to_string(&record)`), handed
/// to C. serde_json escapes U+0000, so JSON never meets the NUL problem.
pub(crate) fn give_json(
    text: serde_json::Result<String>,
    what: &str,
) -> Result<*mut c_char, Error> {
    let text =
        text.map_err(|e| Error::Internal(format!("{what} could not be written as JSON: {e}")))?;
    give_string(text, what)
}
