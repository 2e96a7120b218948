//! Where a run writes besides stderr: the `--log-file`, and the response
//! body's `--output` file. Both are opened before the request is sent, so
//! a path that cannot be written stops the run before it starts, not after
//! the server has acted on the request.

use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::files;
use crate::http::body::{Body, BodySink};

/// The run's log file and output file, opened.
pub(crate) struct Sinks {
    /// The `--log-file`, opened for appending.
    pub(crate) log: Option<LogFile>,
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

/// The `--output` file, opened before the request is sent and written as
/// a response arrives; left as it was when none does.
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

    /// What the client does with each body for this file (and stdout,
    /// with `print`): a regular file is written as the body arrives, from
    /// its start for each response; a pipe or a device cannot be rewound
    /// for a later attempt's response, so the body is kept whole and
    /// written once the run is over.
    pub(crate) fn sink(&self, print: bool) -> Result<BodySink, Error> {
        if !self.regular {
            return Ok(BodySink {
                keep_whole: true,
                file: None,
            });
        }
        let file = self
            .file
            .try_clone()
            .map_err(|e| Output::error(&self.path, &files::io_reason(&e)))?;
        Ok(BodySink {
            keep_whole: print,
            file: Some(file),
        })
    }

    /// The final response's body: already in a regular file, unless it
    /// could not be written there; written now anywhere else.
    pub(crate) fn finish(mut self, body: &Body) -> Result<(), Error> {
        use std::io::Write as _;
        if let Some(why) = &body.unwritten {
            return Err(Output::error(&self.path, why));
        }
        if self.regular {
            return Ok(());
        }
        self.file
            .write_all(&body.kept)
            .and_then(|()| self.file.flush())
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
            flag: "--output",
            message: format!(
                "cannot write the response body to `{}`: {error}",
                path.display(),
            ),
        }
    }
}

/// The `--log-file`: where every line goes, whatever the verbosity, and
/// whether a line could not be written there.
pub(crate) struct LogFile {
    file: std::fs::File,
    path: PathBuf,
    /// Why a line could not be written, from the first that could not;
    /// no line is tried after it.
    lost: std::cell::RefCell<Option<String>>,
}

impl LogFile {
    /// Write `line` (ending in a newline) in one write, so that lines of
    /// concurrent runs never interleave (O_APPEND). Returns why it could
    /// not be written, the first time only: a full disk is said once,
    /// not once a line.
    pub(crate) fn write_line(&self, line: &str) -> Option<String> {
        use std::io::Write as _;
        if self.lost.borrow().is_some() {
            return None;
        }
        let mut file = &self.file;
        let error = file.write_all(line.as_bytes()).err()?;
        let why = files::io_reason(&error);
        *self.lost.borrow_mut() = Some(why.clone());
        Some(why)
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Whether a line was lost.
    pub(crate) fn lost(&self) -> bool {
        self.lost.borrow().is_some()
    }
}

fn open_log(path: &Path) -> Result<LogFile, Error> {
    files::open_for_writing(path, true, 0o600)
        .map(|opened| LogFile {
            file: opened.file,
            path: path.to_path_buf(),
            lost: std::cell::RefCell::new(None),
        })
        .map_err(|e| Error::Flag {
            flag: "--log-file",
            message: format!("cannot open the log file `{}`: {e}", path.display()),
        })
}
