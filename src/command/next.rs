//! `jobrun next NAME`: the job's coming run times, in its zone.

use crate::command::{Invocation, rfc3339};
use crate::error::{Error, Exit};
use crate::jobfile::validate::Purpose;

pub(crate) fn execute(
    inv: &mut Invocation,
    name: &str,
    count: u32,
    after: Option<jiff::Timestamp>,
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
    let mut out = String::new();
    let mut found = 0;
    for fire in job
        .schedule
        .upcoming(after, &job.zone.tz)
        .take(count as usize)
    {
        out.push_str(&rfc3339(&fire));
        out.push('\n');
        found += 1;
    }
    inv.ctx
        .stdout
        .write_all(out.as_bytes())
        .map_err(Error::Output)?;
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
