//! Files jobrun is given to read or write, and what it says when it cannot
//! use one.
//!
//! Every file read goes through [`read`], with its own limit: the bytes
//! read stop one past it, so a device or a huge file named by mistake
//! costs nothing, and only a regular file is read (or a pipe, where
//! reading one is the point: `-c <(...)`). Files written (`--output`,
//! `--log-file`) are opened with [`open_for_writing`], which never waits
//! on a fifo with no one at the other end.

use std::fs::File;
use std::io::Read as _;
use std::os::unix::fs::{FileTypeExt as _, OpenOptionsExt as _};
use std::os::unix::io::AsRawFd as _;
use std::path::Path;

/// The OS's reason without Rust's "(os error N)" suffix.
pub(crate) fn io_reason(error: &std::io::Error) -> String {
    let text = error.to_string();
    match text.find(" (os error") {
        Some(i) => text[..i].to_lowercase(),
        None => text.to_lowercase(),
    }
}

/// Whether a pipe (a fifo, `/dev/stdin`, the shell's `<(...)`) is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pipes {
    /// Reading a pipe is the point: the job file, `crontab --check`, an
    /// `--env-file` named on the command line.
    Read,
    /// A regular file only.
    Refused,
}

/// Why a file was not read. Holds no part of the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ReadError {
    #[error("{reason}")]
    Io {
        kind: std::io::ErrorKind,
        reason: String,
    },
    #[error("it is larger than {}", limit_text(*.limit))]
    TooLarge { limit: u64 },
    #[error("it is not a regular file but {0}")]
    NotAFile(&'static str),
}

impl ReadError {
    fn io(error: &std::io::Error) -> ReadError {
        ReadError::Io {
            kind: error.kind(),
            reason: io_reason(error),
        }
    }
}

/// `1 MiB`, `512 KiB`: the limits are whole units.
fn limit_text(bytes: u64) -> String {
    if bytes >= 1024 * 1024 && bytes.is_multiple_of(1024 * 1024) {
        format!("{} MiB", bytes / 1024 / 1024)
    } else if bytes >= 1024 && bytes.is_multiple_of(1024) {
        format!("{} KiB", bytes / 1024)
    } else {
        format!("{bytes} bytes")
    }
}

/// The bytes of the file at `path`, at most `limit` of them.
pub(crate) fn read(path: &Path, limit: u64, pipes: Pipes) -> Result<Vec<u8>, ReadError> {
    // Opened without waiting: opening a fifo for reading would otherwise
    // wait for a writer, for ever if there is none.
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| ReadError::io(&e))?;
    let meta = file.metadata().map_err(|e| ReadError::io(&e))?;
    let kind = meta.file_type();
    if kind.is_fifo() && pipes == Pipes::Read {
        // Now wait for the writer's data, as a pipe is read. With no
        // writer at all, the read ends at once, empty.
        blocking(&file).map_err(|e| ReadError::io(&e))?;
    } else if !kind.is_file() {
        return Err(ReadError::NotAFile(kind_name(kind)));
    }
    // Room for the whole of a regular file, and one byte to see its end:
    // read in one go, not in reads that start at 32 bytes and double (a
    // `Take` hides the file's size from `read_to_end`). A file that grew
    // meanwhile still reads whole, up to the limit.
    let expected = if kind.is_file() {
        meta.len().min(limit)
    } else {
        0
    };
    let mut bytes = Vec::with_capacity(usize::try_from(expected).unwrap_or(0).saturating_add(1));
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| ReadError::io(&e))?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge { limit });
    }
    Ok(bytes)
}

/// Why a file to write could not be opened.
#[derive(Debug, thiserror::Error)]
pub(crate) enum WriteError {
    #[error("{}", io_reason(.0))]
    Io(std::io::Error),
    #[error("it is a fifo that no one reads")]
    NoReader,
    #[error("it is not a file but {0}")]
    NotAFile(&'static str),
}

/// What [`open_for_writing`] opened.
#[derive(Debug)]
pub(crate) struct Opened {
    pub(crate) file: File,
    /// A regular file (which may be truncated and removed), as opposed to
    /// a pipe or a device such as `/dev/null`.
    pub(crate) regular: bool,
}

/// Open `path` to write (appending, or from the start), creating it with
/// `mode`: a regular file, a pipe that someone reads (the shell's
/// `>(...)`), or a character device (`/dev/null`); never a directory, a
/// socket or a disk, and never waiting on a fifo no one reads.
pub(crate) fn open_for_writing(path: &Path, append: bool, mode: u32) -> Result<Opened, WriteError> {
    let file = std::fs::OpenOptions::new()
        .write(true)
        .append(append)
        .create(true)
        .truncate(false)
        .mode(mode)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| match e.raw_os_error() {
            // A fifo with no reader (open(2)).
            Some(libc::ENXIO) => WriteError::NoReader,
            Some(libc::EISDIR) => WriteError::NotAFile("a directory"),
            _ => WriteError::Io(e),
        })?;
    let kind = file.metadata().map_err(WriteError::Io)?.file_type();
    if kind.is_block_device() || kind.is_socket() || kind.is_dir() {
        return Err(WriteError::NotAFile(kind_name(kind)));
    }
    // Writes wait for a slow reader, as writes to a pipe do.
    blocking(&file).map_err(WriteError::Io)?;
    Ok(Opened {
        file,
        regular: kind.is_file(),
    })
}

/// Clear `O_NONBLOCK`, set only to open without waiting.
fn blocking(file: &File) -> std::io::Result<()> {
    let fd = file.as_raw_fd();
    // SAFETY: fcntl on a descriptor this function's caller owns, with
    // flags read from it just before.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    if flags < 0 || unsafe { libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK) } < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// What a file that is not a regular one is, in words.
pub(crate) fn kind_name(kind: std::fs::FileType) -> &'static str {
    if kind.is_dir() {
        "a directory"
    } else if kind.is_fifo() {
        "a fifo"
    } else if kind.is_socket() {
        "a socket"
    } else if kind.is_symlink() {
        "a symbolic link"
    } else {
        "a device"
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Make a fifo at `path`, for tests of what is not a regular file.
    pub(crate) fn mkfifo(path: &Path) {
        let name = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o600) }, 0);
    }

    #[test]
    fn a_file_is_read_up_to_its_limit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, "12345").unwrap();
        assert_eq!(read(&path, 5, Pipes::Refused).unwrap(), b"12345");
        assert_eq!(
            read(&path, 4, Pipes::Refused),
            Err(ReadError::TooLarge { limit: 4 })
        );
        assert_eq!(
            ReadError::TooLarge { limit: 1024 * 1024 }.to_string(),
            "it is larger than 1 MiB"
        );
        assert!(matches!(
            read(&dir.path().join("none"), 5, Pipes::Read),
            Err(ReadError::Io {
                kind: std::io::ErrorKind::NotFound,
                ..
            })
        ));
    }

    #[test]
    fn devices_and_directories_are_never_read_and_fifos_only_when_asked() {
        let dir = tempfile::tempdir().unwrap();
        for pipes in [Pipes::Read, Pipes::Refused] {
            assert_eq!(
                read(Path::new("/dev/zero"), 10, pipes),
                Err(ReadError::NotAFile("a device"))
            );
            assert_eq!(
                read(dir.path(), 10, pipes),
                Err(ReadError::NotAFile("a directory"))
            );
        }
        let fifo = dir.path().join("fifo");
        mkfifo(&fifo);
        assert_eq!(
            read(&fifo, 10, Pipes::Refused),
            Err(ReadError::NotAFile("a fifo"))
        );
        // No writer: read at once, empty, rather than waited on.
        assert_eq!(read(&fifo, 10, Pipes::Read).unwrap(), b"");
    }

    #[test]
    fn a_fifo_no_one_reads_is_refused_for_writing_and_dev_null_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        mkfifo(&fifo);
        assert!(matches!(
            open_for_writing(&fifo, true, 0o600),
            Err(WriteError::NoReader)
        ));
        assert!(matches!(
            open_for_writing(dir.path(), true, 0o600),
            Err(WriteError::NotAFile("a directory"))
        ));
        let null = open_for_writing(Path::new("/dev/null"), false, 0o600).unwrap();
        assert!(!null.regular);
        let file = open_for_writing(&dir.path().join("new"), true, 0o600).unwrap();
        assert!(file.regular);
    }
}
