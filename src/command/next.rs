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
    for fire in job
        .schedule
        .upcoming(after, &job.zone.tz)
        .take(count as usize)
    {
        out.push_str(&rfc3339(&fire));
        out.push('\n');
    }
    inv.ctx
        .stdout
        .write_all(out.as_bytes())
        .map_err(Error::Output)?;
    Ok(Exit::Success)
}
