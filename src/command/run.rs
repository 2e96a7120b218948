//! `jobrun run NAME`: run one job now (`--scheduled`: for a scheduler, and
//! recorded so), or, with `--due`, each of its fire times due now (from a
//! crontab line), each for its own scheduled instant.

use crate::command::Invocation;
use crate::error::{Error, Exit};
use crate::export::kubernetes;
use crate::run::log::Verbosity;
use crate::run::{self, Start, due_runs, signal};
use crate::schedule::due;
use crate::state::record::Trigger;

/// What `run` was asked.
pub(crate) struct Options<'a> {
    pub(crate) name: &'a str,
    /// Run only the fire times due now (`--due`).
    pub(crate) due: bool,
    /// Started by a scheduler that does not say for which instant
    /// (`--scheduled`).
    pub(crate) scheduled: bool,
    pub(crate) run: run::Options<'a>,
}

pub(crate) fn execute(inv: &mut Invocation, options: &Options) -> Result<Exit, Error> {
    let file = inv.load_for_run(options.name)?;
    let job = file.job(options.name)?;
    let state = inv.state(file)?;
    let setup = inv.setup(file, &state);
    if !options.due {
        // In a pod of a CronJob that `jobrun kubernetes` wrote with a
        // state URL, the Job's name says which instant this run is for;
        // a start by another scheduler stands for its latest fire time.
        let scheduled = (inv.ctx.env)(kubernetes::JOB_NAME_VAR)
            .and_then(|name| kubernetes::scheduled_instant(&name, &job.name))
            .or_else(|| {
                options
                    .scheduled
                    .then(|| due::stands_for(&job.timing(), inv.ctx.now))
                    .flatten()
            });
        let start = Start {
            trigger: if scheduled.is_some() || options.scheduled {
                Trigger::Scheduled
            } else {
                Trigger::Manual
            },
            scheduled,
        };
        return run::run(inv.ctx, &setup, job, start, &options.run);
    }
    // Nothing at all when no fire time is due; `-v` says so.
    let fires = due::fire_times(&job.timing(), inv.ctx.now);
    if fires.is_empty() && options.run.verbosity >= Verbosity::Attempts {
        let next = job
            .timing()
            .next_after(inv.ctx.now)
            .map_or_else(|| "none".to_string(), |at| at.to_string());
        let _ = writeln!(
            inv.ctx.stderr,
            "jobrun: job `{}`: not due now (its next run is at {next})",
            job.name
        );
    }
    let clock = inv.ctx.clock.clone();
    due_runs::in_turn(&fires, &*clock, |fire, waited| {
        if waited {
            inv.ctx.now = clock.wall();
        }
        let start = Start {
            trigger: Trigger::Scheduled,
            scheduled: Some(fire),
        };
        let exit = run::run(inv.ctx, &setup, job, start, &options.run);
        // A signal between two runs ends the process, as by default.
        signal::release();
        exit
    })
}
