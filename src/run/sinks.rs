//! Where a run writes besides stderr: the `--log-file`, and the response
//! body's `--output` file. Both are opened before the request is sent, so
//! a path that cannot be written stops the run before it starts, not after
//! the server has acted on the request.

use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::files;

/// The run's log file and output file, opened.
pub(crate) struct Sinks {
    /// The `--log-file`, opened for appending.
    pub(crate) log: Option<std::fs::File>,
    /// The `--output` file, written once a response arrives.
    pub(crate) output: Option<Output>,
}

impl Sinks {
    pub(crate) fn open(log_file: Option<&Path>, output: Option<&Path>) -> Result<Sinks, Error> {
        Ok(Sinks {
            log: log_file.map(open_log).transpose()?,
            output: output.map(Output::open).transpose()?,
        })
    }
}

/// The `--output` file, opened before the request is sent and written only
/// when a response arrives; left as it was when none does.
pub(crate) struct Output {
    file: std::fs::File,
    path: PathBuf,
    /// A regular file, truncated before it is written; else a pipe or a
    /// device such as `/dev/null`, only written to.
    regular: bool,
    created: bool,
}

impl Output {
    fn open(path: &Path) -> Result<Output, Error> {
        let created = std::fs::symlink_metadata(path).is_err();
        let opened =
            files::open_for_writing(path, false, 0o666).map_err(|e| Output::error(path, &e))?;
        Ok(Output {
            file: opened.file,
            path: path.to_path_buf(),
            regular: opened.regular,
            created,
        })
    }

    pub(crate) fn write(mut self, body: &[u8]) -> Result<(), Error> {
        use std::io::Write as _;
        let truncated = if self.regular {
            self.file.set_len(0)
        } else {
            Ok(())
        };
        truncated
            .and_then(|()| self.file.write_all(body))
            .map_err(|e| Output::error(&self.path, &files::io_reason(&e)))
    }

    /// No response came: remove the file if this run created it.
    pub(crate) fn discard(self) {
        if self.created && self.regular {
            let _ = std::fs::remove_file(&self.path);
        }
    }

    fn error(path: &Path, error: &dyn std::fmt::Display) -> Error {
        Error::Flag {
            flag: "the `--output` path",
            message: format!(
                "cannot write the response body to `{}`: {error}",
                path.display(),
            ),
        }
    }
}

fn open_log(path: &Path) -> Result<std::fs::File, Error> {
    files::open_for_writing(path, true, 0o600)
        .map(|opened| opened.file)
        .map_err(|e| Error::Flag {
            flag: "the `--log-file` path",
            message: format!("cannot open the log file `{}`: {e}", path.display()),
        })
}
