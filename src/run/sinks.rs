//! Where a run writes besides stderr: the `--log-file`, and the response
//! body's `--output` file. Both are opened before the request is sent, so
//! a path that cannot be written stops the run before it starts, not after
//! the server has acted on the request.

use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::files::io_reason;

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
    created: bool,
}

impl Output {
    fn open(path: &Path) -> Result<Output, Error> {
        let created = !path.exists();
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(|e| Output::error(path, &e))?;
        Ok(Output {
            file,
            path: path.to_path_buf(),
            created,
        })
    }

    pub(crate) fn write(mut self, body: &[u8]) -> Result<(), Error> {
        use std::io::Write as _;
        self.file
            .set_len(0)
            .and_then(|()| self.file.write_all(body))
            .map_err(|e| Output::error(&self.path, &e))
    }

    /// No response came: remove the file if this run created it.
    pub(crate) fn discard(self) {
        if self.created {
            let _ = std::fs::remove_file(&self.path);
        }
    }

    fn error(path: &Path, error: &std::io::Error) -> Error {
        Error::Flag {
            flag: "--output",
            message: format!(
                "cannot write the response body to `{}`: {}",
                path.display(),
                io_reason(error)
            ),
        }
    }
}

fn open_log(path: &Path) -> Result<std::fs::File, Error> {
    use std::os::unix::fs::OpenOptionsExt as _;
    std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| Error::Flag {
            flag: "--log-file",
            message: format!(
                "cannot open the log file `{}`: {}",
                path.display(),
                io_reason(&e)
            ),
        })
}
