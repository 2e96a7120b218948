//! `jobrun catch-up`: run each enabled job with `catchUp` whose latest
//! scheduled instant within that window has no run recorded, as that
//! instant's run (trigger `catch-up`). Meant for boot: the machine was
//! down at 18:30, and the report still goes out when it is back.
//!
//! The jobs run one after another, in file order, each exactly as `run`
//! runs it (lock, `dependsOn`, history). A signal stops the whole command.

use crate::command::{Invocation, rfc3339};
use crate::error::{Error, Exit};
use crate::jobfile::validate::Purpose;
use crate::run::log::LogFormat;
use crate::run::{self, Start, signal};
use crate::schedule::catch_up;
use crate::state;
use crate::state::record::Trigger;

pub(crate) fn execute(inv: &mut Invocation) -> Result<Exit, Error> {
    let file = inv.load(Purpose::Use)?;
    let jobs = file.jobs()?;
    let now = inv.ctx.now;
    let candidates: Vec<_> = jobs
        .iter()
        .filter_map(|job| Some((job, job.catch_up?)))
        .filter(|(job, _)| job.enabled)
        .collect();
    if candidates.is_empty() {
        return Ok(Exit::Success);
    }
    // Deciding needs the history: without it, every job would look missed.
    let location = inv.state(file)?;
    let mut missed = Vec::new();
    {
        let store = state::open(&location, inv.ctx.env)
            .history
            .map_err(Error::History)?;
        for (job, window) in candidates {
            let since = now
                .checked_sub(
                    jiff::SignedDuration::try_from(window).unwrap_or(jiff::SignedDuration::MAX),
                )
                .unwrap_or(jiff::Timestamp::MIN);
            let runs = store.since(&job.name, since).map_err(Error::History)?;
            // The latest instant a run started at or was scheduled for.
            let last_run = runs
                .iter()
                .flat_map(|r| std::iter::once(r.started).chain(r.scheduled))
                .max();
            if let Some(instant) = catch_up::missed(&job.timing(), window, now, last_run) {
                missed.push((job, instant));
            }
        }
    }

    let setup = inv.setup(file, &location);
    let options = run::Options {
        force: false,
        preview: None,
        print_body: false,
        output: None,
        log_file: None,
        log_format: LogFormat::Text,
        verbosity: inv.verbosity(),
    };
    let mut worst = Exit::Success;
    for (job, instant) in missed {
        if let Some(signal) = signal::received() {
            return Ok(signal.exit());
        }
        if inv.global.verbose > 0 {
            let _ = writeln!(
                inv.ctx.stderr,
                "jobrun: catching up job `{}`: its run at {} was missed",
                job.name,
                rfc3339(&instant.to_zoned_datetime(job.zone.tz.clone()))
            );
        }
        let start = Start {
            trigger: Trigger::CatchUp,
            scheduled: Some(instant),
        };
        let exit = match run::run(inv.ctx, &setup, job, start, &options) {
            Ok(exit) => exit,
            Err(error) => {
                inv.report(&error);
                error.exit()
            }
        };
        if matches!(exit, Exit::HungUp | Exit::Interrupted | Exit::Terminated) {
            return Ok(exit);
        }
        worst = worse(worst, exit);
    }
    Ok(worst)
}

/// The exit that says more: a failed job, then an error that kept one from
/// running, then a job that was busy.
fn worse(a: Exit, b: Exit) -> Exit {
    let rank = |e: Exit| match e {
        Exit::Failed => 3,
        Exit::Config | Exit::Usage => 2,
        Exit::Busy | Exit::LogLost => 1,
        _ => 0,
    };
    if rank(b) > rank(a) { b } else { a }
}
