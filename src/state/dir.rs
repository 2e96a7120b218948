//! The state directory: where the run history and the per-job locks live.
//!
//! Chosen in this order: `--state-dir`, `$JOBRUN_STATE_DIR`,
//! `global.stateDir`, `$XDG_STATE_HOME/jobrun`, `~/.local/state/jobrun`
//! (the XDG Base Directory Specification's place for state that survives
//! restarts but is not worth backing up).

use std::os::unix::fs::DirBuilderExt as _;
use std::path::{Path, PathBuf};

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
    /// XDG specification asks; an existing directory is left as it is.
    pub(crate) fn create(&self) -> std::io::Result<()> {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&self.path)
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
