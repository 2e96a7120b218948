//! Secrets mounted as files: `<NAME>_FILE=/path` (Docker and Compose
//! secrets under /run/secrets, Kubernetes Secret volumes, vault-agent
//! templates) and `$CREDENTIALS_DIRECTORY/<NAME>` (systemd's
//! `LoadCredential=`, systemd.exec(5)).
//!
//! A file's contents are the value, less one trailing newline, as the
//! official container images read their `_FILE` variables.

use std::path::{Path, PathBuf};

use crate::files::{self, Pipes};

/// The largest secret file read: a secret is a few kilobytes at most, and
/// a log or an archive named by mistake must not be read whole.
pub(crate) const MAX_BYTES: u64 = 1024 * 1024;

/// Why a secret file gives no value. Holds no part of the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ReadError {
    #[error("it is not an absolute path")]
    Relative,
    #[error("{0}")]
    Io(String),
    #[error("it is larger than 1 MiB")]
    TooLarge,
    #[error("it is not UTF-8 text")]
    NotUtf8,
    #[error("it is not a regular file but {0}")]
    NotAFile(&'static str),
}

/// The value in the file at `path`.
pub(crate) fn read(path: &Path) -> Result<String, ReadError> {
    // Relative to what? cron starts jobrun in $HOME, systemd in /: only an
    // absolute path means one file wherever jobrun is started.
    if !path.is_absolute() {
        return Err(ReadError::Relative);
    }
    // Only a regular file is read, so a mistyped path can neither hang the
    // run on a fifo nor read a device.
    let bytes = files::read(path, MAX_BYTES, Pipes::Refused).map_err(|e| match e {
        files::ReadError::Io { reason, .. } => ReadError::Io(reason),
        files::ReadError::TooLarge { .. } => ReadError::TooLarge,
        files::ReadError::NotAFile(kind) => ReadError::NotAFile(kind),
    })?;
    let mut text = String::from_utf8(bytes).map_err(|_| ReadError::NotUtf8)?;
    if text.ends_with('\n') {
        text.pop();
        if text.ends_with('\r') {
            text.pop();
        }
    }
    Ok(text)
}

/// The credential file for variable `name` in systemd's credentials
/// directory, if there is one: the variable's own name, else its name in
/// lower case (`LoadCredential=jwt_token:...`), the form credential names
/// usually take.
pub(crate) fn credential(directory: &Path, name: &str) -> Option<PathBuf> {
    let lower = name.to_ascii_lowercase();
    [name, lower.as_str()]
        .into_iter()
        .map(|n| directory.join(n))
        .find(|path| path.exists())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_trailing_newline_is_removed() {
        let dir = tempfile::tempdir().unwrap();
        for (written, value) in [
            ("tok\n", "tok"),
            ("tok\r\n", "tok"),
            ("tok\n\n", "tok\n"),
            ("tok", "tok"),
            ("  spaced \n", "  spaced "),
            ("", ""),
        ] {
            let path = dir.path().join("secret");
            std::fs::write(&path, written).unwrap();
            assert_eq!(read(&path).as_deref(), Ok(value), "{written:?}");
        }
    }

    #[test]
    fn missing_relative_large_and_binary_files_say_why() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            read(&dir.path().join("none")),
            Err(ReadError::Io("no such file or directory".into()))
        );
        assert_eq!(read(Path::new("secret.txt")), Err(ReadError::Relative));
        let big = dir.path().join("big");
        std::fs::write(&big, vec![b'a'; MAX_BYTES as usize + 1]).unwrap();
        assert_eq!(read(&big), Err(ReadError::TooLarge));
        let binary = dir.path().join("binary");
        std::fs::write(&binary, [0xff, 0xfe]).unwrap();
        assert_eq!(read(&binary), Err(ReadError::NotUtf8));
        assert_eq!(read(dir.path()), Err(ReadError::NotAFile("a directory")));
        assert_eq!(
            read(Path::new("/dev/zero")),
            Err(ReadError::NotAFile("a device"))
        );
    }

    #[test]
    fn a_credential_is_found_by_its_name_or_in_lower_case() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("jwt_token"), "x").unwrap();
        std::fs::write(dir.path().join("API_KEY"), "y").unwrap();
        assert_eq!(
            credential(dir.path(), "JWT_TOKEN"),
            Some(dir.path().join("jwt_token"))
        );
        assert_eq!(
            credential(dir.path(), "API_KEY"),
            Some(dir.path().join("API_KEY"))
        );
        assert_eq!(credential(dir.path(), "OTHER"), None);
    }
}
