//! `jobrun next NAME`: the job's coming run times, in its zone (splay
//! included), with a note on stderr for each clock change among them; or,
//! with `--dst`, the next 12 months' run times a clock change skips or runs
//! once.

use jiff::{SignedDuration, Timestamp};

use crate::command::{Invocation, rfc3339};
use crate::error::{Error, Exit};
use crate::job::Job;
use crate::jobfile::validate::Purpose;
use crate::schedule::dst::{self, Change, Kind};

/// How far `--dst` looks ahead.
const DST_AHEAD: SignedDuration = SignedDuration::from_hours(24 * 366);

pub(crate) fn execute(
    inv: &mut Invocation,
    name: &str,
    count: u32,
    after: Option<Timestamp>,
    dst: bool,
) -> Result<Exit, Error> {
    let file = inv.load(Purpose::Use)?;
    let job = file.job(name)?;
    if !job.enabled && !inv.global.quiet {
        let _ = writeln!(
            inv.ctx.stderr,
            "note: job `{name}` is disabled: these are the times it would run"
        );
    }
    let after = after.unwrap_or(inv.ctx.now);
    if dst {
        return clock_changes(inv, job, after);
    }
    let mut out = String::new();
    let mut fires = Vec::new();
    for fire in job.timing().upcoming(after).take(count as usize) {
        out.push_str(&rfc3339(&fire));
        out.push('\n');
        fires.push(fire.timestamp());
    }
    inv.ctx
        .stdout
        .write_all(out.as_bytes())
        .map_err(Error::Output)?;
    let found = fires.len() as u32;
    if let Some(last) = fires.last()
        && !inv.global.quiet
    {
        // The changes between the times listed, of the written times.
        let offset = job.timing().offset;
        let (from, to) = (
            after.checked_sub(offset).unwrap_or(after),
            last.checked_sub(offset).unwrap_or(*last),
        );
        for change in dst::changes(&job.schedule, &job.zone.tz, from, to) {
            let _ = writeln!(
                inv.ctx.stderr,
                "jobrun: note: {} in {}: {} ({})",
                change.date,
                job.zone.label(),
                change.what(),
                change.clocks_text()
            );
        }
    }
    // Every schedule `validate` lets through fires, so fewer times than
    // asked for means the end of the calendar jobrun reckons with
    // (`schedule::fire_times`).
    if found < count && !inv.global.quiet {
        let after = rfc3339(&after.to_zoned_datetime(job.zone.tz.clone()));
        let what = match found {
            0 => "no run".to_string(),
            n => format!("only {}", crate::wording::plural(n as usize, "run")),
        };
        let _ = writeln!(
            inv.ctx.stderr,
            "jobrun: job `{name}` has {what} after {after}: run times are reckoned up to the end of the year {}",
            crate::schedule::LAST_YEAR
        );
    }
    // A script asking for the next run gets none: that is not a success.
    Ok(if found == 0 {
        Exit::Failed
    } else {
        Exit::Success
    })
}

/// `next --dst`: one line per clock change of the next 12 months that
/// meets the job's times: the date, what becomes of the runs, and for a
/// time that happens twice, the instant it runs at.
fn clock_changes(inv: &mut Invocation, job: &Job, after: Timestamp) -> Result<Exit, Error> {
    let end = after.checked_add(DST_AHEAD).unwrap_or(Timestamp::MAX);
    let offset = job.timing().offset;
    let changes = dst::changes(&job.schedule, &job.zone.tz, after, end);
    let out: String = changes.iter().map(|c| line(job, c, offset)).collect();
    inv.ctx
        .stdout
        .write_all(out.as_bytes())
        .map_err(Error::Output)?;
    if changes.is_empty() && !inv.global.quiet {
        let _ = writeln!(
            inv.ctx.stderr,
            "jobrun: job `{}` meets no clock change of {} in the 12 months after {}",
            job.name,
            job.zone.label(),
            rfc3339(&after.to_zoned_datetime(job.zone.tz.clone()))
        );
    }
    Ok(Exit::Success)
}

fn line(job: &Job, change: &Change, offset: SignedDuration) -> String {
    let when = match change.kind {
        Kind::Skipped => String::new(),
        Kind::Once => change
            .first
            .checked_add(offset)
            .map(|t| {
                format!(
                    ", at {}",
                    rfc3339(&t.to_zoned_datetime(job.zone.tz.clone()))
                )
            })
            .unwrap_or_default(),
    };
    format!(
        "{}  {}{when} ({})\n",
        change.date,
        change.what(),
        change.clocks_text()
    )
}
