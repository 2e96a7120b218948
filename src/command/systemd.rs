//! `jobrun systemd --dir DIR`: write the units, print how to start them.

use std::path::PathBuf;

use crate::command::Invocation;
use crate::command::crontab::account;
use crate::error::{Error, Exit};
use crate::export::systemd::{self, Options};
use crate::files::io_reason;
use crate::jobfile::validate::Purpose;

/// What `systemd` was asked.
#[derive(Debug, Clone, Default)]
pub(crate) struct Request {
    /// Where the units go (`--dir`).
    pub(crate) dir: PathBuf,
    /// Units for the user's manager (`--user-units`).
    pub(crate) user_units: bool,
    /// `User=` (`--run-as`).
    pub(crate) run_as: Option<String>,
    /// The jobrun binary the services run (`--bin`).
    pub(crate) bin: Option<PathBuf>,
}

pub(crate) fn execute(inv: &mut Invocation, args: &Request) -> Result<Exit, Error> {
    let run_as = args
        .run_as
        .as_deref()
        .map(|user| account(user, "--run-as"))
        .transpose()?;
    let launch = inv.launch(args.bin.as_deref())?;
    let file = inv.load(Purpose::Use)?;
    let jobs = file.jobs()?;
    // Read from the job file's directory, which may be given relative to
    // this one; systemd wants absolute paths.
    let absolute = |path: Option<&std::path::Path>| path.and_then(|p| std::path::absolute(p).ok());
    let file_state_dir = absolute(file.checked.state_dir.as_deref());
    let file_metrics_file = absolute(file.checked.metrics_file.as_deref());
    let units = systemd::units(
        jobs,
        &launch,
        &Options {
            user_units: args.user_units,
            run_as,
            file_state_dir: file_state_dir.as_deref(),
            file_metrics_file: file_metrics_file.as_deref(),
        },
        inv.ctx.now,
    )
    .map_err(|problems| file.error(problems))?;
    let cannot = |e: std::io::Error| Error::Flag {
        flag: "--dir",
        message: format!(
            "cannot write the units into `{}`: {}",
            args.dir.display(),
            io_reason(&e)
        ),
    };
    std::fs::create_dir_all(&args.dir).map_err(cannot)?;
    for unit in &units {
        std::fs::write(args.dir.join(&unit.file_name), &unit.text).map_err(cannot)?;
    }
    let commands = systemd::enable_commands(&units, args.user_units, &args.dir);
    inv.ctx
        .stdout
        .write_all(commands.as_bytes())
        .map_err(Error::Output)?;
    Ok(Exit::Success)
}
