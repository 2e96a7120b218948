//! Reading a secret from standard input for `jobrun encrypt`: all of it
//! when it is a pipe or a file, one line typed without echo when it is a
//! terminal.
//!
//! Echo is turned off with termios(3) and turned back on however the read
//! ends: on return, on error, and on SIGINT, SIGTERM, SIGHUP or SIGQUIT,
//! which are taken by a thread that restores the terminal before exiting
//! as the signal would have (128 + its number). On Ctrl-Z (SIGTSTP) that
//! thread restores the terminal, stops the process, and turns echo off
//! again when it is continued.

use std::io::{BufRead, Read};
use std::sync::{Arc, Mutex};

/// The most read from a pipe: a secret is a few kilobytes at most.
pub(crate) const MAX_BYTES: u64 = 1024 * 1024;

/// Why no secret was read. Holds no part of the input.
#[derive(Debug, thiserror::Error)]
pub(crate) enum InputError {
    #[error("standard input is empty: there is nothing to encrypt")]
    Empty,
    #[error("the secret is larger than 1 MiB")]
    TooLarge,
    #[error("the secret is not UTF-8 text")]
    NotUtf8,
    #[error("cannot read standard input: {}", crate::files::io_reason(.0))]
    Io(std::io::Error),
}

/// Everything `input` holds, less one trailing newline (what `echo` and
/// most editors add).
pub(crate) fn read_all(input: &mut dyn Read) -> Result<String, InputError> {
    let mut bytes = Vec::new();
    input
        .take(MAX_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(InputError::Io)?;
    if bytes.len() as u64 > MAX_BYTES {
        return Err(InputError::TooLarge);
    }
    let mut text = String::from_utf8(bytes).map_err(|_| InputError::NotUtf8)?;
    if text.ends_with('\n') {
        text.pop();
        if text.ends_with('\r') {
            text.pop();
        }
    }
    if text.is_empty() {
        return Err(InputError::Empty);
    }
    Ok(text)
}

/// One line typed on the terminal at file descriptor 0, not echoed.
/// `stderr` gets the line break the terminal did not show when the line
/// ended with Ctrl-D rather than Enter.
pub(crate) fn read_hidden(
    input: &mut dyn BufRead,
    stderr: &mut dyn std::io::Write,
) -> Result<String, InputError> {
    let _echo_off = EchoOff::new(libc::STDIN_FILENO).map_err(InputError::Io)?;
    let mut line = String::new();
    input.read_line(&mut line).map_err(InputError::Io)?;
    if !line.ends_with('\n') {
        let _ = writeln!(stderr);
    }
    let line = line.strip_suffix('\n').unwrap_or(&line);
    let line = line.strip_suffix('\r').unwrap_or(line);
    if line.is_empty() {
        return Err(InputError::Empty);
    }
    Ok(line.to_string())
}

/// Echo turned off on a terminal until dropped.
struct EchoOff {
    fd: libc::c_int,
    saved: libc::termios,
    old_mask: libc::sigset_t,
    /// Whether the line is still being read: a job continued after Ctrl-Z
    /// turns echo off again only then.
    reading: Arc<Mutex<bool>>,
}

/// The signals that would end the process with echo still off, and
/// Ctrl-Z's, which would stop it so.
const ENDING: [libc::c_int; 5] = [
    libc::SIGINT,
    libc::SIGTERM,
    libc::SIGHUP,
    libc::SIGQUIT,
    libc::SIGTSTP,
];

impl EchoOff {
    fn new(fd: libc::c_int) -> std::io::Result<EchoOff> {
        // SAFETY: termios and sigset_t are plain data, filled in by
        // tcgetattr and sigemptyset before they are read; the calls only
        // touch the terminal and the threads' signal masks, and stop the
        // process as Ctrl-Z would.
        unsafe {
            let mut saved: libc::termios = std::mem::zeroed();
            if libc::tcgetattr(fd, &mut saved) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            // Blocked here, before the watcher starts, so every thread
            // started from now on has them blocked too and only the
            // watcher's sigwait takes them.
            let mut set: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut set);
            for signal in ENDING {
                libc::sigaddset(&mut set, signal);
            }
            let mut old_mask: libc::sigset_t = std::mem::zeroed();
            libc::pthread_sigmask(libc::SIG_BLOCK, &set, &mut old_mask);
            let restore = saved;
            let mut quiet = saved;
            quiet.c_lflag &= !(libc::ECHO | libc::ECHOE | libc::ECHOK);
            // Enter still shows as a new line.
            quiet.c_lflag |= libc::ECHONL;
            let reading = Arc::new(Mutex::new(true));
            let still_reading = Arc::clone(&reading);
            std::thread::spawn(move || {
                let mut signal: libc::c_int = 0;
                while libc::sigwait(&set, &mut signal) == 0 {
                    if signal == libc::SIGTSTP {
                        // Ctrl-Z: stop with the terminal as it was, and
                        // hide typing again once continued (`fg`), if the
                        // line is still being read.
                        libc::tcsetattr(fd, libc::TCSANOW, &restore);
                        let mut stop: libc::sigset_t = std::mem::zeroed();
                        libc::sigemptyset(&mut stop);
                        libc::sigaddset(&mut stop, libc::SIGTSTP);
                        libc::pthread_sigmask(libc::SIG_UNBLOCK, &stop, std::ptr::null_mut());
                        libc::raise(libc::SIGTSTP);
                        libc::pthread_sigmask(libc::SIG_BLOCK, &stop, std::ptr::null_mut());
                        let reading = still_reading.lock().unwrap_or_else(|e| e.into_inner());
                        if *reading {
                            libc::tcsetattr(fd, libc::TCSAFLUSH, &quiet);
                        }
                        continue;
                    }
                    libc::tcsetattr(fd, libc::TCSANOW, &restore);
                    // The newline the user's Enter would have given.
                    libc::write(libc::STDERR_FILENO, b"\n".as_ptr().cast(), 1);
                    libc::_exit(128 + signal);
                }
            });
            if libc::tcsetattr(fd, libc::TCSAFLUSH, &quiet) != 0 {
                let error = std::io::Error::last_os_error();
                libc::pthread_sigmask(libc::SIG_SETMASK, &old_mask, std::ptr::null_mut());
                return Err(error);
            }
            Ok(EchoOff {
                fd,
                saved,
                old_mask,
                reading,
            })
        }
    }
}

impl Drop for EchoOff {
    fn drop(&mut self) {
        // SAFETY: restores the settings read in `new` on the same
        // descriptor; a signal arriving after this finds them restored.
        // Input not read is discarded, as getpass(3) does: the rest of a
        // pasted multi-line secret would otherwise go to the shell next,
        // to be run and kept in its history.
        let mut reading = self.reading.lock().unwrap_or_else(|e| e.into_inner());
        *reading = false;
        unsafe {
            libc::tcsetattr(self.fd, libc::TCSAFLUSH, &self.saved);
            libc::pthread_sigmask(libc::SIG_SETMASK, &self.old_mask, std::ptr::null_mut());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_piped_secret_loses_one_trailing_newline() {
        for (input, secret) in [
            ("s3cr3t\n", "s3cr3t"),
            ("s3cr3t\r\n", "s3cr3t"),
            ("s3cr3t", "s3cr3t"),
            ("two\nlines\n", "two\nlines"),
            (" spaced \n\n", " spaced \n"),
        ] {
            assert_eq!(
                read_all(&mut input.as_bytes()).unwrap(),
                secret,
                "{input:?}"
            );
        }
    }

    #[test]
    fn empty_large_and_binary_input_is_refused() {
        assert!(matches!(
            read_all(&mut "".as_bytes()),
            Err(InputError::Empty)
        ));
        assert!(matches!(
            read_all(&mut "\n".as_bytes()),
            Err(InputError::Empty)
        ));
        let big = vec![b'a'; MAX_BYTES as usize + 1];
        assert!(matches!(
            read_all(&mut big.as_slice()),
            Err(InputError::TooLarge)
        ));
        assert!(matches!(
            read_all(&mut [0xffu8, 0xfe].as_slice()),
            Err(InputError::NotUtf8)
        ));
    }
}
