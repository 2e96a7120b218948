//! The metrics file, for node_exporter's textfile collector: where it is,
//! and writing it so that no reader ever sees half of it and no writer's
//! figures are lost.
//!
//! The text goes to a new file beside it, which is then renamed over it
//! (rename(2) replaces a file at once: a reader has the old file or the
//! new, never a mix). The new file's name starts with a dot and ends in
//! `.tmp`, which the collector skips (it reads `*.prom`), and is made with
//! `O_CREAT | O_EXCL | O_NOFOLLOW`, so a link planted at that name is
//! never followed. Its mode is 0644 less the umask, as a shell's `>`
//! makes it: node_exporter runs as a user of its own and must read it.
//! It is not fsynced: a power cut may cost the last figures, which the
//! next run writes again from the history.
//!
//! Writers take turns on a lock in the state directory (with the state in
//! a database, on one beside the file): each reads the history after the
//! runs before it have recorded theirs, so the last one to rename writes
//! every job's figures, however many end at once.

use std::io::Write as _;
use std::os::unix::fs::{FileTypeExt as _, OpenOptionsExt as _};
use std::path::{Path, PathBuf};
use std::time::Duration;

use jiff::Timestamp;

use crate::files::io_reason;
use crate::job::Job;
use crate::report::metrics;
use crate::state;
use crate::state::error::StoreError;
use crate::state::location::Location;
use crate::state::lock;

/// How long a writer waits for the one before it.
const LOCK_WAIT: Duration = Duration::from_secs(10);

/// Where the metrics file is: `--metrics-file`, `$JOBRUN_METRICS_FILE`,
/// `global.metricsFile` (`from_file`, already read from the job file's
/// directory), or none. An empty variable counts as unset. The flag and
/// the variable are read from the current directory, as every path on the
/// command line is.
pub(crate) fn resolve(
    flag: Option<&Path>,
    env: &dyn Fn(&str) -> Option<String>,
    from_file: Option<&Path>,
) -> Option<PathBuf> {
    flag.map(Path::to_path_buf)
        .or_else(|| {
            env("JOBRUN_METRICS_FILE")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        })
        .or_else(|| from_file.map(Path::to_path_buf))
}

/// Why the metrics file was not written.
#[derive(Debug, thiserror::Error)]
pub(crate) enum MetricsError {
    #[error("there is no run history to build it from: {0}")]
    History(StoreError),
    #[error("another jobrun held its lock `{}` for {} s", path.display(), LOCK_WAIT.as_secs())]
    Busy { path: PathBuf },
    #[error("{reason}")]
    Write { reason: String },
    #[error("it is a symbolic link to `{}`", target.display())]
    Link { target: PathBuf },
    #[error("it is {what}, not a file")]
    NotAFile { what: &'static str },
    #[error("the directory `{}` does not exist", dir.display())]
    NoDirectory { dir: PathBuf },
}

impl MetricsError {
    /// What to do next.
    pub(crate) fn help(&self) -> String {
        match self {
            MetricsError::History(e) => e.help(),
            MetricsError::Busy { .. } => {
                "a stopped jobrun holds it: find it with `fuser` on the lock file and end it".into()
            }
            MetricsError::Write { .. } => {
                "check that this user may write in the file's directory".into()
            }
            MetricsError::Link { .. } => {
                "jobrun replaces the file by renaming a new one over it, which would replace the link: name the file itself".into()
            }
            MetricsError::NotAFile { .. } => {
                "name a file in the textfile collector's directory, such as `/var/lib/prometheus/node-exporter/jobrun.prom`".into()
            }
            MetricsError::NoDirectory { .. } => {
                "create it, or name the directory node_exporter's `--collector.textfile.directory` reads".into()
            }
        }
    }
}

/// Write the metrics of `jobs` to `path`, rebuilt from the history where
/// the state lives; `env` is the process's (for the database's trust
/// store). Writers take turns on a lock in the state directory, or, with
/// the state in a database, beside the file.
pub(crate) fn refresh(
    jobs: &[Job],
    state: &Location,
    env: &dyn Fn(&str) -> Option<String>,
    path: &Path,
    now: Timestamp,
    random: fn(&mut [u8]),
) -> Result<(), MetricsError> {
    let (lock_path, turn) = match state {
        Location::Directory(dir) => (
            dir.path.join(lock::METRICS_FILE_NAME),
            lock::metrics(&dir.path, LOCK_WAIT),
        ),
        Location::Database(_) => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
                && !dir.is_dir()
            {
                return Err(MetricsError::NoDirectory {
                    dir: dir.to_path_buf(),
                });
            }
            (
                lock::metrics_beside_path(path),
                lock::metrics_beside(path, LOCK_WAIT),
            )
        }
        Location::Nowhere => return Err(MetricsError::History(StoreError::NoDirectory)),
    };
    let _turn = match turn {
        Ok(Some(file)) => file,
        Ok(None) => return Err(MetricsError::Busy { path: lock_path }),
        Err(problem) => return Err(MetricsError::History(problem)),
    };
    let store = state::open_existing(state, env).map_err(MetricsError::History)?;
    let text = metrics::text(jobs, store.as_ref(), now).map_err(MetricsError::History)?;
    write(path, &text, random)
}

/// Put `text` at `path` whole: written to a new file beside it, then
/// renamed over it.
pub(crate) fn write(path: &Path, text: &str, random: fn(&mut [u8])) -> Result<(), MetricsError> {
    let Some(name) = path.file_name() else {
        return Err(MetricsError::NotAFile {
            what: "a directory",
        });
    };
    check_target(path)?;
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut bytes = [0u8; 8];
    random(&mut bytes);
    let suffix: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let mut temp_name = std::ffi::OsString::from(".");
    temp_name.push(name);
    temp_name.push(format!(".{suffix}.tmp"));
    let temp = dir.join(temp_name);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o644)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(&temp)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => MetricsError::NoDirectory {
                dir: dir.to_path_buf(),
            },
            _ => MetricsError::Write {
                reason: format!(
                    "cannot create a file in `{}`: {}",
                    dir.display(),
                    io_reason(&e)
                ),
            },
        })?;
    let written = file
        .write_all(text.as_bytes())
        .and_then(|()| file.flush())
        .and_then(|()| std::fs::rename(&temp, path));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temp);
        return Err(MetricsError::Write {
            reason: io_reason(&e),
        });
    }
    Ok(())
}

/// What is at `path` now must be a file, or nothing: the rename would
/// replace a link rather than follow it, and a FIFO or a device is not
/// where metrics go.
fn check_target(path: &Path) -> Result<(), MetricsError> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => {
            return Err(MetricsError::Write {
                reason: io_reason(&e),
            });
        }
    };
    let kind = meta.file_type();
    let what = if kind.is_symlink() {
        return Err(MetricsError::Link {
            target: std::fs::read_link(path).unwrap_or_default(),
        });
    } else if kind.is_file() {
        return Ok(());
    } else if kind.is_dir() {
        "a directory"
    } else if kind.is_fifo() {
        "a FIFO"
    } else if kind.is_socket() {
        "a socket"
    } else {
        "a device"
    };
    Err(MetricsError::NotAFile { what })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::env_of as env;
    use std::os::unix::fs::PermissionsExt as _;

    fn counter(bytes: &mut [u8]) {
        use std::sync::atomic::{AtomicU8, Ordering};
        static NEXT: AtomicU8 = AtomicU8::new(0);
        bytes.fill(NEXT.fetch_add(1, Ordering::Relaxed));
    }

    #[test]
    fn the_flag_wins_over_the_variable_which_wins_over_the_file() {
        const SET: &[(&str, &str)] = &[("JOBRUN_METRICS_FILE", "/env.prom")];
        const EMPTY: &[(&str, &str)] = &[("JOBRUN_METRICS_FILE", "")];
        let file = Some(Path::new("/srv/jobs/file.prom"));
        let flag = Some(Path::new("flag.prom"));
        assert_eq!(resolve(flag, &env(SET), file), Some("flag.prom".into()));
        assert_eq!(resolve(None, &env(SET), file), Some("/env.prom".into()));
        assert_eq!(
            resolve(None, &env(EMPTY), file),
            Some("/srv/jobs/file.prom".into())
        );
        assert_eq!(resolve(None, &env(EMPTY), None), None);
    }

    #[test]
    fn the_file_is_replaced_whole_readable_by_others_and_nothing_is_left_beside_it() {
        let temp = tempfile::tempdir().unwrap();
        let path = temp.path().join("jobrun.prom");
        std::fs::write(&path, "old\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        write(&path, "new\n", counter).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new\n");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        // 0644 less the test process's umask, which takes no read bits.
        assert_eq!(mode & 0o444, 0o444, "{mode:o}");
        let names: Vec<_> = std::fs::read_dir(temp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["jobrun.prom"]);
    }

    #[test]
    fn a_link_a_directory_or_a_fifo_in_its_place_is_refused_and_left_alone() {
        let temp = tempfile::tempdir().unwrap();
        let elsewhere = temp.path().join("elsewhere");
        std::fs::write(&elsewhere, "keep\n").unwrap();
        let link = temp.path().join("link.prom");
        std::os::unix::fs::symlink(&elsewhere, &link).unwrap();
        let error = write(&link, "new\n", counter).unwrap_err();
        assert_eq!(
            error.to_string(),
            format!("it is a symbolic link to `{}`", elsewhere.display())
        );
        assert_eq!(std::fs::read_to_string(&elsewhere).unwrap(), "keep\n");
        assert!(std::fs::symlink_metadata(&link).unwrap().is_symlink());

        let dir = temp.path().join("dir.prom");
        std::fs::create_dir(&dir).unwrap();
        let error = write(&dir, "new\n", counter).unwrap_err();
        assert_eq!(error.to_string(), "it is a directory, not a file");

        let fifo = temp.path().join("fifo.prom");
        let c_path = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: mkfifo(3) with a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o644) }, 0);
        let error = write(&fifo, "new\n", counter).unwrap_err();
        assert_eq!(error.to_string(), "it is a FIFO, not a file");
    }

    #[test]
    fn a_link_planted_at_the_temporary_name_is_not_followed() {
        let temp = tempfile::tempdir().unwrap();
        let path = temp.path().join("jobrun.prom");
        let victim = temp.path().join("victim");
        std::fs::write(&victim, "keep\n").unwrap();
        // The name the write will try, its random part filled as `fixed` fills it.
        fn fixed(bytes: &mut [u8]) {
            bytes.fill(0xab);
        }
        let planted = temp.path().join(".jobrun.prom.abababababababab.tmp");
        std::os::unix::fs::symlink(&victim, &planted).unwrap();
        let error = write(&path, "new\n", fixed).unwrap_err();
        assert!(
            error.to_string().starts_with("cannot create a file in"),
            "{error}"
        );
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep\n");
        assert!(!path.exists());
    }

    #[test]
    fn a_missing_directory_is_named() {
        let temp = tempfile::tempdir().unwrap();
        let path = temp.path().join("absent/jobrun.prom");
        let error = write(&path, "new\n", counter).unwrap_err();
        assert_eq!(
            error.to_string(),
            format!(
                "the directory `{}` does not exist",
                temp.path().join("absent").display()
            )
        );
    }
}
