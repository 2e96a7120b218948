//! The state directory: where the run history and the per-job locks live.
//!
//! Chosen in this order: `--state-dir`, `$JOBRUN_STATE_DIR`,
//! `global.stateDir`, `$XDG_STATE_HOME/jobrun`, `~/.local/state/jobrun`
//! (the XDG Base Directory Specification's place for state that survives
//! restarts but is not worth backing up).

use std::fs::File;
use std::os::unix::fs::OpenOptionsExt as _;
use std::os::unix::fs::{DirBuilderExt as _, MetadataExt as _};
use std::path::{Path, PathBuf};

use crate::state::error::{Distrust, StoreError};

/// The state directory, and which setting named it (for messages).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateDir {
    pub path: PathBuf,
    pub source: Source,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Flag,
    Env,
    File,
    Xdg,
    Home,
}

impl Source {}

/// Where the state lives, or `None` when nothing names a place (no
/// setting and no `HOME`, as under some minimal service managers).
/// `from_file` is `global.stateDir`, already resolved against the job
/// file's directory. Empty variables count as unset.
pub(crate) fn resolve(
    flag: Option<&Path>,
    env: &dyn Fn(&str) -> Option<String>,
    from_file: Option<&Path>,
) -> Option<StateDir> {
    let var = |name: &str| env(name).filter(|v| !v.is_empty());
    let found = |path: PathBuf, source| Some(StateDir { path, source });
    if let Some(path) = flag {
        return found(path.to_path_buf(), Source::Flag);
    }
    if let Some(path) = var("JOBRUN_STATE_DIR") {
        return found(path.into(), Source::Env);
    }
    if let Some(path) = from_file {
        return found(path.to_path_buf(), Source::File);
    }
    // The specification ignores a relative XDG_STATE_HOME.
    if let Some(base) = var("XDG_STATE_HOME").filter(|v| Path::new(v).is_absolute()) {
        return found(Path::new(&base).join("jobrun"), Source::Xdg);
    }
    var("HOME").and_then(|home| found(Path::new(&home).join(".local/state/jobrun"), Source::Home))
}

impl StateDir {
    /// Create the directory (and missing parents) with mode 0700, as the
    /// XDG specification asks, and check that no one else controls it or
    /// the parents made for it (see [`trusted`]). An existing directory
    /// keeps its mode.
    pub(crate) fn prepare(&self) -> Result<(), StoreError> {
        let made = create(&self.path).map_err(|e| StoreError::Directory {
            path: self.path.clone(),
            reason: self.why_not_created(&e),
        })?;
        made.iter()
            .chain(std::iter::once(&self.path))
            .try_for_each(|dir| trusted(dir))
    }

    /// For commands that only read: whether the directory exists, and if
    /// it does, that no one else controls it.
    pub(crate) fn check_existing(&self) -> Result<bool, StoreError> {
        match std::fs::symlink_metadata(&self.path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            _ => trusted(&self.path).map(|()| true),
        }
    }

    /// Why [`StateDir::create`] failed, in words: "file exists" says
    /// little when what exists is a file, or a link to nowhere.
    pub(crate) fn why_not_created(&self, error: &std::io::Error) -> String {
        if error.kind() == std::io::ErrorKind::AlreadyExists {
            match std::fs::symlink_metadata(&self.path) {
                Ok(m) if m.is_symlink() => {
                    let target = std::fs::read_link(&self.path).unwrap_or_default();
                    return format!(
                        "it is a symbolic link to `{}`, which is not a directory",
                        target.display()
                    );
                }
                Ok(m) if !m.is_dir() => return "a file is in its place".into(),
                _ => {}
            }
        }
        crate::files::io_reason(error)
    }
}

/// Create `dir` and its missing parents, mode 0700; the directories made,
/// outermost first.
fn create(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut missing = Vec::new();
    let mut at = Some(dir);
    while let Some(path) = at {
        if path.as_os_str().is_empty() || std::fs::symlink_metadata(path).is_ok() {
            break;
        }
        missing.push(path.to_path_buf());
        at = path.parent();
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    missing.reverse();
    Ok(missing)
}

/// The user jobrun runs as.
pub(crate) fn user() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// Whether `owner` may own what jobrun keeps for `user`: the user, or
/// root, who can do anything anyway. Root trusts only itself: a
/// directory a user owns is one that user can plant links in for root.
fn owner_trusted(owner: u32, user: u32) -> bool {
    owner == user || (owner == 0 && user != 0)
}

/// What is wrong with a directory of the state with this owner and mode.
pub(crate) fn judge_dir(owner: u32, mode: u32, user: u32) -> Option<Distrust> {
    if !owner_trusted(owner, user) {
        Some(Distrust::Owner { owner, user })
    } else if mode & 0o022 != 0 {
        Some(Distrust::Writable { mode })
    } else {
        None
    }
}

/// `dir`, a directory of the state (a link to one is followed, but only
/// one its user or root made), is not controlled by anyone else.
pub(crate) fn trusted(dir: &Path) -> Result<(), StoreError> {
    let unsafe_dir = |why| StoreError::Unsafe {
        path: dir.to_path_buf(),
        why,
    };
    let unusable = |e: std::io::Error| StoreError::Unusable {
        path: dir.to_path_buf(),
        reason: crate::files::io_reason(&e),
    };
    let user = user();
    let link = std::fs::symlink_metadata(dir).map_err(unusable)?;
    if link.file_type().is_symlink() && !owner_trusted(link.uid(), user) {
        return Err(unsafe_dir(Distrust::Owner {
            owner: link.uid(),
            user,
        }));
    }
    let meta = std::fs::metadata(dir).map_err(unusable)?;
    if !meta.is_dir() {
        return Err(StoreError::Unusable {
            path: dir.to_path_buf(),
            reason: "it is not a directory".into(),
        });
    }
    match judge_dir(meta.uid(), meta.mode(), user) {
        Some(why) => Err(unsafe_dir(why)),
        None => Ok(()),
    }
}

/// Why a file of the state could not be opened.
#[derive(Debug)]
pub(crate) enum OpenError {
    Distrusted(Distrust),
    Io(std::io::Error),
}

/// Open `path`, a file of the state, for writing, creating it (mode 0600)
/// if it is not there: never through a symbolic link (O_NOFOLLOW), never
/// waiting on a fifo (O_NONBLOCK), and only a regular file its user owns.
pub(crate) fn open_file(path: &Path) -> Result<File, OpenError> {
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| match e.raw_os_error() {
            Some(libc::ELOOP) => OpenError::Distrusted(Distrust::Link),
            // A fifo without a reader (ENXIO), a directory (EISDIR): say
            // what is in the way rather than the OS's word for it.
            _ => match std::fs::symlink_metadata(path)
                .ok()
                .and_then(|m| judge_file(&m))
            {
                Some(why @ Distrust::Kind(_)) => OpenError::Distrusted(why),
                _ => OpenError::Io(e),
            },
        })?;
    let meta = file.metadata().map_err(OpenError::Io)?;
    judge_file(&meta).map_or(Ok(file), |why| Err(OpenError::Distrusted(why)))
}

/// `path`, a file of the state SQLite opens by itself (`-wal`, `-shm`),
/// is absent or a regular file its user owns.
pub(crate) fn check_file(path: &Path) -> Result<(), Distrust> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) => judge_file(&meta).map_or(Ok(()), Err),
        Err(_) => Ok(()),
    }
}

fn judge_file(meta: &std::fs::Metadata) -> Option<Distrust> {
    let kind = meta.file_type();
    if kind.is_symlink() {
        return Some(Distrust::Link);
    }
    if !kind.is_file() {
        return Some(Distrust::Kind(crate::files::kind_name(kind)));
    }
    let user = user();
    (!owner_trusted(meta.uid(), user)).then_some(Distrust::Owner {
        owner: meta.uid(),
        user,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::env_of as env;

    fn resolved(
        flag: Option<&str>,
        pairs: &'static [(&'static str, &'static str)],
        file: Option<&str>,
    ) -> Option<(String, Source)> {
        resolve(flag.map(Path::new), &env(pairs), file.map(Path::new))
            .map(|d| (d.path.display().to_string(), d.source))
    }

    const ALL: &[(&str, &str)] = &[
        ("JOBRUN_STATE_DIR", "/env"),
        ("XDG_STATE_HOME", "/xdg"),
        ("HOME", "/home/u"),
    ];

    #[test]
    fn a_directory_is_trusted_only_private_and_its_users_or_roots() {
        assert_eq!(judge_dir(1000, 0o40700, 1000), None);
        assert_eq!(judge_dir(1000, 0o40755, 1000), None);
        assert_eq!(judge_dir(0, 0o40755, 1000), None);
        assert_eq!(judge_dir(0, 0o40700, 0), None);
        assert_eq!(
            judge_dir(1001, 0o40700, 1000),
            Some(Distrust::Owner {
                owner: 1001,
                user: 1000
            })
        );
        // Root never keeps its state where a user could plant links.
        assert_eq!(
            judge_dir(1000, 0o40700, 0),
            Some(Distrust::Owner {
                owner: 1000,
                user: 0
            })
        );
        for mode in [0o40770, 0o40757, 0o41777, 0o40720] {
            assert_eq!(
                judge_dir(1000, mode, 1000),
                Some(Distrust::Writable { mode }),
                "{mode:o}"
            );
        }
        assert_eq!(
            Distrust::Writable { mode: 0o41777 }.to_string(),
            "its group and other users can write it (mode 777)"
        );
    }

    #[test]
    fn a_file_is_opened_only_when_it_is_no_link_and_no_fifo() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("target");
        std::fs::write(&target, "kept").unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert!(matches!(
            open_file(&link),
            Err(OpenError::Distrusted(Distrust::Link))
        ));
        let dangling = dir.path().join("dangling");
        std::os::unix::fs::symlink(dir.path().join("absent"), &dangling).unwrap();
        assert!(matches!(
            open_file(&dangling),
            Err(OpenError::Distrusted(Distrust::Link))
        ));
        assert!(!dir.path().join("absent").exists());
        let fifo = dir.path().join("fifo");
        crate::files::tests::mkfifo(&fifo);
        assert!(matches!(
            open_file(&fifo),
            Err(OpenError::Distrusted(Distrust::Kind("a fifo")))
        ));
        assert_eq!(check_file(&link), Err(Distrust::Link));
        assert_eq!(check_file(&dir.path().join("none")), Ok(()));
        assert!(open_file(&dir.path().join("new")).is_ok());
        assert_eq!(std::fs::read(&target).unwrap(), b"kept");
    }

    #[test]
    fn the_flag_wins_over_everything() {
        assert_eq!(
            resolved(Some("/flag"), ALL, Some("/file")),
            Some(("/flag".into(), Source::Flag))
        );
    }

    #[test]
    fn the_variable_wins_over_the_file() {
        assert_eq!(
            resolved(None, ALL, Some("/file")),
            Some(("/env".into(), Source::Env))
        );
    }

    #[test]
    fn the_file_wins_over_xdg_and_home() {
        const XDG: &[(&str, &str)] = &[("XDG_STATE_HOME", "/xdg"), ("HOME", "/home/u")];
        assert_eq!(
            resolved(None, XDG, Some("/file")),
            Some(("/file".into(), Source::File))
        );
        assert_eq!(
            resolved(None, XDG, None),
            Some(("/xdg/jobrun".into(), Source::Xdg))
        );
    }

    #[test]
    fn home_is_the_last_resort_and_empty_or_relative_values_are_skipped() {
        const SOME: &[(&str, &str)] = &[
            ("JOBRUN_STATE_DIR", ""),
            ("XDG_STATE_HOME", "relative/state"),
            ("HOME", "/home/u"),
        ];
        assert_eq!(
            resolved(None, SOME, None),
            Some(("/home/u/.local/state/jobrun".into(), Source::Home))
        );
        assert_eq!(resolved(None, &[], None), None);
    }
}
