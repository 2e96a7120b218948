//! What a command receives from the outside world. Only `lib::run` reads the
//! real environment, clock and terminal; everything below takes them from
//! here, so every path can be tested without touching the process's own.

use std::io::Write;

use jiff::Timestamp;
use jiff::tz::TimeZone;

pub struct Context<'a> {
    /// Looks a variable up in the process environment.
    pub env: &'a dyn Fn(&str) -> Option<String>,
    pub now: Timestamp,
    /// The zone of jobs that name none, as cron uses the host's.
    pub host_zone: TimeZone,
    pub stdout: &'a mut dyn Write,
    pub stderr: &'a mut dyn Write,
    pub stderr_is_terminal: bool,
}
