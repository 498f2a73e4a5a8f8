//! What the typed result handles share: their strings, kept NUL-terminated
//! in one buffer per handle and lent out as `const char *`, and the shape
//! of every accessor (out-pointer cleared, handle checked, index checked,
//! each failure naming the argument).
//!
//! A handle is built whole from the core's records, then never changes, so
//! the pointers it lends stay valid until its `_free`: the accessors do no
//! allocation and no copy, which keeps reading a result field by field
//! cheap (`ffi_overhead_ns`, BENCHMARKS.md).

use crate::boundary::{arg_out, arg_ref, boundary, invalid};
use crate::status::PmsgStatus;
use pmsg_core::Error;
use std::ffi::{c_char, CStr};
use std::ptr;

/// A string of a handle: absent (lent as NULL), in the handle's buffer,
/// static, or one that cannot be a C string (it holds U+0000), whose
/// accessor reports that instead. Building the handle must not fail for
/// it: the operation that produced the record has happened.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Text {
    Null,
    At(usize),
    Static(&'static CStr),
    Bad(usize),
}

/// The strings of one handle, each followed by its NUL.
#[derive(Debug, Default)]
pub(crate) struct Texts {
    buf: Vec<u8>,
    bad: Vec<Error>,
}

impl Texts {
    /// Room for `bytes` bytes of text in `strings` strings.
    pub(crate) fn with_capacity(bytes: usize, strings: usize) -> Texts {
        Texts {
            buf: Vec::with_capacity(bytes + strings),
            bad: Vec::new(),
        }
    }

    /// Keeps `s`; `what` names it in the error of a string holding U+0000.
    pub(crate) fn put(&mut self, s: &str, what: &'static str) -> Text {
        match s.bytes().position(|b| b == 0) {
            None => {
                let at = self.buf.len();
                self.buf.extend_from_slice(s.as_bytes());
                self.buf.push(0);
                Text::At(at)
            }
            Some(i) => {
                self.bad.push(Error::Internal(format!(
                    "the {what} contains a NUL character (U+0000) at byte {i}, which a C \
                     string cannot carry (read it from the JSON function instead)"
                )));
                Text::Bad(self.bad.len() - 1)
            }
        }
    }

    /// Keeps `s` when there is one; `Text::Null` otherwise.
    pub(crate) fn opt(&mut self, s: Option<&str>, what: &'static str) -> Text {
        s.map_or(Text::Null, |s| self.put(s, what))
    }

    /// Keeps each of `list`.
    pub(crate) fn all<S: AsRef<str>>(&mut self, list: &[S], what: &'static str) -> Vec<Text> {
        list.iter().map(|s| self.put(s.as_ref(), what)).collect()
    }

    /// The pointer to lend for `t`.
    pub(crate) fn ptr(&self, t: Text) -> Result<*const c_char, Error> {
        match t {
            Text::Null => Ok(ptr::null()),
            // SAFETY: `at` is the start of a string pushed by `put`, inside `buf`.
            Text::At(at) => Ok(unsafe { self.buf.as_ptr().add(at) }.cast()),
            Text::Static(s) => Ok(s.as_ptr()),
            Text::Bad(i) => Err(self.bad[i].clone()),
        }
    }
}

/// A result handle: it lends its strings.
pub(crate) trait Lends {
    /// The handle's name, as its accessors' first argument is called.
    const ARG: &'static str;
    fn texts(&self) -> &Texts;
}

/// The accessor of a string: clears `*out`, checks the handle, then lends
/// what `pick` chooses (NULL for an absent value).
pub(crate) fn text<H: Lends>(
    handle: *const H,
    out: *mut *const c_char,
    pick: impl FnOnce(&H) -> Result<Text, Error>,
) -> PmsgStatus {
    boundary(|| {
        let out = arg_out(out, "out", ptr::null())?;
        let handle = arg_ref(handle, H::ARG)?;
        *out = handle.texts().ptr(pick(handle)?)?;
        Ok(())
    })
}

/// The accessor of a number, a count or a flag: clears `*out` to 0,
/// checks the handle, then writes what `pick` gives.
pub(crate) fn value<H: Lends, T: Copy + Default>(
    handle: *const H,
    out: *mut T,
    pick: impl FnOnce(&H) -> Result<T, Error>,
) -> PmsgStatus {
    boundary(|| {
        let out = arg_out(out, "out", T::default())?;
        let handle = arg_ref(handle, H::ARG)?;
        *out = pick(handle)?;
        Ok(())
    })
}

/// The `index`-th of `list`, or `invalid_argument` naming the argument
/// `arg` and saying how many `what` there are.
pub(crate) fn nth<'a, T>(
    list: &'a [T],
    index: usize,
    arg: &str,
    what: &str,
) -> Result<&'a T, Error> {
    list.get(index).ok_or_else(|| {
        invalid(
            arg,
            format_args!("= {index} is out of range ({} {what})", list.len()),
        )
    })
}

/// A flag as C reads it: 1 or 0.
pub(crate) fn flag(b: bool) -> i32 {
    i32::from(b)
}

#[cfg(test)]
pub(crate) mod testing {
    //! Reading handles in the unit tests of the modules that build them.
    use super::*;

    /// The string an accessor lends (`None` for NULL); it must succeed.
    pub(crate) fn read(call: impl FnOnce(*mut *const c_char) -> PmsgStatus) -> Option<String> {
        let mut out: *const c_char = c"sentinel".as_ptr();
        let status = call(&mut out);
        assert_eq!(status, PmsgStatus::PMSG_OK, "{}", last_error());
        // SAFETY: a successful accessor lends NULL or a NUL-terminated string.
        (!out.is_null()).then(|| unsafe { CStr::from_ptr(out) }.to_str().unwrap().to_string())
    }

    /// The number an accessor writes; it must succeed.
    pub(crate) fn number<T: Copy + Default + std::fmt::Debug>(
        call: impl FnOnce(*mut T) -> PmsgStatus,
    ) -> T {
        let mut out = T::default();
        let status = call(&mut out);
        assert_eq!(status, PmsgStatus::PMSG_OK, "{}", last_error());
        out
    }

    /// The status and message of an accessor that must fail, and that it
    /// cleared `*out`.
    pub(crate) fn refused(
        call: impl FnOnce(*mut *const c_char) -> PmsgStatus,
    ) -> (PmsgStatus, String) {
        let mut out: *const c_char = c"sentinel".as_ptr();
        let status = call(&mut out);
        assert!(out.is_null(), "a failed accessor leaves *out NULL");
        (status, last_error())
    }

    pub(crate) fn last_error() -> String {
        // SAFETY: pmsg_last_error_message never returns NULL.
        unsafe { CStr::from_ptr(crate::pmsg_last_error_message()) }
            .to_string_lossy()
            .into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_lend_each_string_nul_terminated_and_report_one_holding_nul() {
        let mut t = Texts::with_capacity(8, 2);
        let a = t.put("abc", "first");
        let none = t.opt(None, "absent");
        let bad = t.put("x\0y", "event notice");
        let b = t.put("", "empty");
        let s = Text::Static(c"open");
        let read = |t: &Texts, x| {
            let p = t.ptr(x).unwrap();
            // SAFETY: `ptr` lends NUL-terminated strings of `t`.
            (!p.is_null()).then(|| unsafe { CStr::from_ptr(p) }.to_str().unwrap().to_string())
        };
        assert_eq!(read(&t, a).as_deref(), Some("abc"));
        assert_eq!(read(&t, b).as_deref(), Some(""));
        assert_eq!(read(&t, s).as_deref(), Some("open"));
        assert_eq!(read(&t, none), None);
        let e = t.ptr(bad).unwrap_err();
        assert_eq!(e.code(), "internal");
        assert!(e.to_string().contains("event notice"), "{e}");
        assert!(e.to_string().contains("(U+0000) at byte 1"), "{e}");
    }

    #[test]
    fn an_index_out_of_range_names_the_argument_and_the_count() {
        let e = nth(&[1, 2, 3], 3, "index", "events").unwrap_err();
        assert_eq!(e.code(), "invalid_argument");
        assert!(
            e.to_string()
                .contains("argument `index` = 3 is out of range (3 events)"),
            "{e}"
        );
        assert_eq!(nth(&[1, 2, 3], 2, "index", "events").unwrap(), &3);
    }
}
