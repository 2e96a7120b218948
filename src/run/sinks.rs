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
///
/// A regular file is replaced only by a body read whole: the body is
/// written to a new file beside it, renamed over it once the run has a
/// final response (rename(2) is atomic within a directory), and removed
/// otherwise, so a body over the limit or cut short never destroys the
/// file of the last good run. Where no file can be made beside it (a
/// directory the user cannot write to), the file is written in place.
pub(crate) struct Output {
    /// Where bodies are written: the new file beside the target, or the
    /// target itself.
    file: std::fs::File,
    /// As given, for messages.
    path: PathBuf,
    /// The file replaced: `path`, or where its symbolic link leads.
    target: PathBuf,
    /// A regular file, truncated before it is written; else a pipe or a
    /// device such as `/dev/null`, only written to.
    regular: bool,
    /// The target did not exist before this run, which made it.
    created: bool,
    /// The new file beside the target, until it is renamed over it.
    staged: Option<PathBuf>,
}

impl Output {
    fn open(path: &Path) -> Result<Output, Error> {
        // A link is followed, as writing through it would: the file it
        // leads to is replaced, not the link.
        let target = match std::fs::symlink_metadata(path) {
            Ok(meta) if meta.file_type().is_symlink() => {
                std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
            }
            _ => path.to_path_buf(),
        };
        let created = std::fs::symlink_metadata(&target).is_err();
        let opened =
            files::open_for_writing(&target, false, 0o666).map_err(|e| Output::error(path, &e))?;
        let mut output = Output {
            file: opened.file,
            path: path.to_path_buf(),
            target,
            regular: opened.regular,
            created,
            staged: None,
        };
        if output.regular
            && let Some((file, staged)) = stage(&output.target, &output.file)
        {
            if output.created {
                // Made only to check it could be; the rename makes it.
                let _ = std::fs::remove_file(&output.target);
                output.created = false;
            }
            output.file = file;
            output.staged = Some(staged);
        }
        Ok(output)
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
            // A body cut short leaves the file as it was (dropping the
            // output removes the new file).
            if !body.complete {
                return Ok(());
            }
            let Some(staged) = self.staged.take() else {
                return Ok(());
            };
            return std::fs::rename(&staged, &self.target).map_err(|e| {
                let _ = std::fs::remove_file(&staged);
                Output::error(&self.path, &files::io_reason(&e))
            });
        }
        self.file
            .write_all(&body.kept)
            .and_then(|()| self.file.flush())
            .map_err(|e| Output::error(&self.path, &files::io_reason(&e)))
    }

    /// No response came: remove the file if this run created it (the new
    /// file beside it goes when the output is dropped).
    pub(crate) fn discard(self) {
        if self.created && self.regular {
            let _ = std::fs::remove_file(&self.target);
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

impl Drop for Output {
    /// A run that ends without a final response (a failure, a signal)
    /// leaves the target as it was, and nothing beside it.
    fn drop(&mut self) {
        if let Some(staged) = self.staged.take() {
            let _ = std::fs::remove_file(staged);
        }
    }
}

/// A new file beside `target`, hidden, with `target`'s mode (`current` is
/// `target` opened), to write a body to; `None` if none can be made there.
fn stage(target: &Path, current: &std::fs::File) -> Option<(std::fs::File, PathBuf)> {
    use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
    let name = target.file_name()?.to_string_lossy();
    let dir = target.parent().filter(|d| !d.as_os_str().is_empty());
    let mode = current.metadata().ok()?.permissions().mode() & 0o7777;
    (0..16).find_map(|n| {
        let staged_name = format!(".{name}.jobrun-{}-{n}", std::process::id());
        let staged = dir.map_or_else(|| PathBuf::from(&staged_name), |d| d.join(&staged_name));
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&staged)
            .ok()?;
        // Set after it is made, so that the umask does not narrow it.
        let _ = file.set_permissions(std::fs::Permissions::from_mode(mode));
        Some((file, staged))
    })
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
