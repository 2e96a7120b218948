//! What a command receives from the outside world. Only `lib::run` reads the
//! real environment, clock and terminal; everything below takes them from
//! here, so every path can be tested without touching the process's own.

use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

use jiff::Timestamp;
use jiff::tz::TimeZone;

pub(crate) struct Context<'a> {
    /// Looks a variable up in the process environment.
    pub(crate) env: &'a dyn Fn(&str) -> Option<String>,
    /// Whether the process environment sets a variable to bytes that are
    /// not UTF-8 text, which `env` does not give.
    pub(crate) env_not_text: &'a dyn Fn(&str) -> bool,
    pub(crate) now: Timestamp,
    /// The zone of jobs that name none, as cron uses the host's.
    pub(crate) host_zone: TimeZone,
    pub(crate) stdout: &'a mut dyn Write,
    pub(crate) stderr: &'a mut dyn Write,
    pub(crate) stderr_is_terminal: bool,
    pub(crate) stdout_is_terminal: bool,
    /// The width of the terminal stdout is, when it is one and says.
    pub(crate) stdout_columns: Option<u16>,
    /// Time as a run measures and waits it.
    pub(crate) clock: Arc<dyn Clock>,
    /// Fills a buffer with random bytes (backoff jitter, idempotency keys).
    pub(crate) random: fn(&mut [u8]),
    /// Whether `run` may take SIGINT and SIGTERM over: true for the real
    /// process, false where the caller owns the process's signals.
    pub(crate) handle_signals: bool,
}

/// The clock a run reads and sleeps on.
pub(crate) trait Clock: Send + Sync {
    /// For measuring: monotonic.
    fn now(&self) -> Instant;
    /// For reading dates such as `Retry-After`.
    fn wall(&self) -> Timestamp;
    fn sleep(&self, duration: Duration);
}

/// The width in columns of the terminal `stream` is (TIOCGWINSZ, tty_ioctl(4)),
/// when it is a terminal that knows its size.
pub(crate) fn terminal_columns(stream: &impl std::os::fd::AsRawFd) -> Option<u16> {
    // SAFETY: an all-zero winsize is a valid value of the plain C struct.
    let mut size: libc::winsize = unsafe { std::mem::zeroed() };
    // SAFETY: TIOCGWINSZ writes one winsize into the struct it is given,
    // which lives for the call; a descriptor that is not a terminal only
    // makes it fail.
    let done = unsafe { libc::ioctl(stream.as_raw_fd(), libc::TIOCGWINSZ, &mut size) };
    (done == 0 && size.ws_col > 0).then_some(size.ws_col)
}

/// An environment holding only `pairs`, for tests.
#[cfg(test)]
pub(crate) fn env_of(
    pairs: &'static [(&'static str, &'static str)],
) -> impl Fn(&str) -> Option<String> {
    move |name| {
        pairs
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.to_string())
    }
}

/// Random bytes from the operating system.
pub(crate) fn system_random(buffer: &mut [u8]) {
    use ring::rand::SecureRandom as _;
    // The OS's generator does not fail on Linux once booted; if it ever
    // did, zeros only make the jitter and a manual run's key less random.
    let _ = ring::rand::SystemRandom::new().fill(buffer);
}

/// Real time, for the real process.
pub(crate) struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }

    fn wall(&self) -> Timestamp {
        Timestamp::now()
    }

    fn sleep(&self, duration: Duration) {
        std::thread::sleep(duration);
    }
}
