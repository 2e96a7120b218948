//! One file per subcommand. Each takes the invocation and returns the exit
//! code, or an error that `lib::run` renders.

pub mod catch_up;
pub mod docs;
pub mod history;
pub mod list;
pub mod next;
pub mod run;
pub mod status;
pub mod validate;

use std::path::PathBuf;

use crate::cli::{ColorChoice, GlobalArgs};
use crate::context::Context;
use crate::diagnostic::Palette;
use crate::error::Error;
use crate::jobfile::{self, JobFile};
use crate::validate::Purpose;
use crate::variables::{self, Variables};

/// A command's view of the invocation: the global flags and the world.
pub struct Invocation<'a, 'b> {
    pub ctx: &'a mut Context<'b>,
    pub global: &'a GlobalArgs,
}

impl<'b> Invocation<'_, 'b> {
    pub fn config_path(&self) -> PathBuf {
        jobfile::locate(self.global.config.as_deref(), self.ctx.env)
    }

    /// The job file, checked. It lives until the process ends: one short
    /// process has no use for freeing it piece by piece first.
    pub fn load(&self, purpose: Purpose) -> Result<&'static JobFile, Error> {
        jobfile::load(&self.config_path(), &self.ctx.host_zone, purpose)
            .map(|file| &*Box::leak(Box::new(file)))
    }

    /// The state directory: `--state-dir`, `$JOBRUN_STATE_DIR`,
    /// `global.stateDir`, `$XDG_STATE_HOME/jobrun`, `~/.local/state/jobrun`.
    pub fn state_dir(&self, file: &JobFile) -> Option<crate::statedir::StateDir> {
        crate::statedir::resolve(
            self.global.state_dir.as_deref(),
            self.ctx.env,
            file.checked.state_dir.as_deref(),
        )
    }

    pub fn variables(&self, config: &std::path::Path) -> Result<Variables<'b>, Error> {
        let explicit = self.global.env_file.is_some();
        let path = variables::env_file_path(self.global.env_file.as_deref(), config);
        Variables::load(self.ctx.env, path, explicit)
    }

    /// Colors for stderr: `--color`, else a terminal without `NO_COLOR`.
    pub fn palette(&self) -> Palette {
        let enabled = match self.global.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                self.ctx.stderr_is_terminal
                    && (self.ctx.env)("NO_COLOR").is_none_or(|v| v.is_empty())
                    && (self.ctx.env)("TERM").as_deref() != Some("dumb")
            }
        };
        Palette { enabled }
    }
}

/// RFC 3339 with the zone's offset, as `list` and `next` print instants.
pub fn rfc3339(zoned: &jiff::ZonedDateTime) -> String {
    zoned
        .timestamp()
        .display_with_offset(zoned.offset())
        .to_string()
}

/// Rows under a header, each column as wide as its widest cell, two spaces
/// apart; the last column is not padded.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let header: Vec<String> = header.iter().map(|h| h.to_string()).collect();
    let mut out = String::new();
    for row in std::iter::once(&header).chain(rows) {
        let mut line = String::new();
        for (i, (cell, width)) in row.iter().zip(&widths).enumerate() {
            if i + 1 == row.len() {
                line.push_str(cell);
            } else {
                line.push_str(&format!("{cell:<width$}  "));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// An instant in a zone, as `list` and `next` print them.
pub fn in_zone(t: jiff::Timestamp, tz: &jiff::tz::TimeZone) -> String {
    rfc3339(&t.to_zoned_datetime(tz.clone()))
}
