//! Reading the job file's bytes: a size limit, and UTF-8 text, checked
//! before anything is parsed.

use std::path::Path;

use crate::diagnostic::{Diagnostic, Span};
use crate::files::{self, Pipes, ReadError};

/// Job files larger than this are refused before they are parsed: a
/// 10,000-job file is about 4 MiB.
const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Read the job file's bytes, refusing what is not a job file before
/// parsing it: too large, not UTF-8. Returns the text without a BOM.
pub(super) fn read(path: &Path) -> Result<String, Diagnostic> {
    // A pipe is read (`-c <(...)`), a device never.
    let bytes = match files::read(path, MAX_FILE_BYTES, Pipes::Read) {
        Ok(bytes) => bytes,
        Err(ReadError::TooLarge { .. }) => {
            return Err(Diagnostic::file_error(format!(
                "the file is larger than {} MiB",
                MAX_FILE_BYTES / 1024 / 1024
            ))
            .with_help(
                "is this the right file? a job file with 10,000 jobs is about 4 MiB; split larger ones",
            ));
        }
        Err(error) => return Err(io_error(path, &error)),
    };
    match String::from_utf8(bytes) {
        Ok(mut text) => {
            if text.starts_with('\u{feff}') {
                text.drain(..3);
            }
            Ok(text)
        }
        Err(error) => {
            let bytes = error.as_bytes();
            let at = error.utf8_error().valid_up_to();
            let before = String::from_utf8_lossy(&bytes[..at]);
            let lines = crate::diagnostic::lines(&before);
            let line = lines.len();
            let col = lines.last().map_or(0, |l| l.chars().count()) + 1;
            Err(Diagnostic::error(
                format!("the file is not UTF-8 text (byte 0x{:02x})", bytes[at]),
                Span::new(line as u32, col as u32, 1),
            )
            .with_help("save the file as UTF-8"))
        }
    }
}

fn io_error(path: &Path, error: &ReadError) -> Diagnostic {
    let help = match error {
        ReadError::Io {
            kind: std::io::ErrorKind::NotFound,
            ..
        } => format!(
            "give the job file with `--config PATH` or `JOBRUN_CONFIG`; `{}` does not exist",
            path.display()
        ),
        ReadError::Io {
            kind: std::io::ErrorKind::PermissionDenied,
            ..
        } => "check the file's permissions for this user".into(),
        ReadError::NotAFile(_) => {
            "give the path of a job file (or a pipe: `--config <(...)` works)".into()
        }
        _ => "check that the path names a readable file".into(),
    };
    Diagnostic::file_error(format!("cannot read the job file: {error}")).with_help(help)
}
