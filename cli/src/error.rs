//! The CLI's one failure type: a code and a message, printed as
//! `error: <code>: <message>`. Library errors keep their SPEC §13 code and
//! message; the CLI's own failures use the closest §13 code, and `io` when
//! standard output cannot be written.

use std::fmt::Display;
use std::io;
use std::path::Path;

/// A failure to report on stderr (exit status 1).
#[derive(Debug)]
pub struct CliError {
    /// `unknown_patient`, `invalid_argument`, … or `io`.
    pub code: &'static str,
    /// What went wrong, naming the offending value.
    pub message: String,
}

impl CliError {
    /// `invalid_argument`: a bad command-line value or input file.
    pub fn argument(message: impl Into<String>) -> Self {
        CliError {
            code: "invalid_argument",
            message: message.into(),
        }
    }

    /// `invalid_config`: the `--config` file cannot be used.
    pub fn config(path: &Path, why: impl Display) -> Self {
        CliError {
            code: "invalid_config",
            message: format!("configuration file {}: {why}", path.display()),
        }
    }

    /// `internal`: the demo saw something other than what the SPEC promises.
    pub fn demo(message: impl Into<String>) -> Self {
        CliError {
            code: "internal",
            message: format!("demo: {}", message.into()),
        }
    }
}

impl From<pmsg_core::Error> for CliError {
    fn from(e: pmsg_core::Error) -> Self {
        CliError {
            code: e.code(),
            message: e.to_string(),
        }
    }
}

/// Only writes to standard output go through this conversion; file reads
/// map their errors explicitly, naming the file.
impl From<io::Error> for CliError {
    fn from(e: io::Error) -> Self {
        CliError {
            code: "io",
            message: format!("writing to standard output: {e}"),
        }
    }
}
