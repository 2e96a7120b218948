//! `jobrun copy-history`: the SQLite history of the state directory
//! copied into the state database, for moving from one host to many.
//!
//! Named for what it does, with both ends the ones every command already
//! finds: the state directory (`--state-dir`, `JOBRUN_STATE_DIR`,
//! `global.stateDir`, XDG, `HOME`) and the state URL (`--state-url`,
//! `JOBRUN_STATE_URL`, `global.stateUrl`). So the usual move is: add
//! `stateUrl` to the job file, run `jobrun copy-history` once on the old
//! host, and install the crontab on the others. Idempotent: rows are
//! matched by run id.

use crate::command::Invocation;
use crate::error::{Error, Exit};
use crate::jobfile::validate::Purpose;
use crate::run::identity;
use crate::state::location::Location;
use crate::state::{copy, postgres, sqlite};

pub(crate) fn execute(inv: &mut Invocation) -> Result<Exit, Error> {
    let file = inv.load(Purpose::Use)?;
    let Location::Database(database) = inv.state(file)? else {
        return Err(Error::Argument {
            message: "`copy-history` copies into a state database, and none is named".into(),
            help: "name the PostgreSQL database with `--state-url URL`, `JOBRUN_STATE_URL` or `global.stateUrl` in the job file".into(),
        });
    };
    let Some(dir) = inv.state_dir(file) else {
        return Err(Error::History(crate::state::error::StoreError::NoDirectory));
    };
    let Some(store) = sqlite::Store::open_existing(&dir).map_err(Error::History)? else {
        if !inv.global.quiet {
            let _ = writeln!(
                inv.ctx.stderr,
                "jobrun: no history in `{}`: nothing to copy",
                dir.path.display()
            );
        }
        return Ok(Exit::Success);
    };
    let contents = store.contents().map_err(Error::History)?;
    let mut connection =
        postgres::Connection::open(&database, inv.ctx.env).map_err(Error::History)?;
    // The file's counts of pruned runs are kept under its host and path:
    // copied again, they replace what the first copy counted.
    let file_path = std::fs::canonicalize(store.path()).unwrap_or_else(|_| store.path().into());
    let source = format!("{}:{}", identity::host(inv.ctx.env), file_path.display());
    let copied = copy::into_database(contents, &source, &mut connection).map_err(Error::History)?;
    if !inv.global.quiet {
        let _ = writeln!(
            inv.ctx.stderr,
            "jobrun: copied {} runs ({} already there), the notification state of {} jobs, {} claimed instants and the count of {} pruned runs from `{}` into `{}`",
            copied.runs,
            copied.runs_there,
            copied.alerts,
            copied.claims,
            copied.pruned,
            store.path().display(),
            database.target.display()
        );
    }
    Ok(Exit::Success)
}
