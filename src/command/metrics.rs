//! `jobrun metrics`: every job's metrics in Prometheus's text format on
//! stdout, the same text `--metrics-file` writes after each run: for a
//! Pushgateway, or a sidecar that serves it.

use crate::command::Invocation;
use crate::error::{Error, Exit};
use crate::jobfile::validate::Purpose;
use crate::report::metrics;

pub(crate) fn execute(inv: &mut Invocation) -> Result<Exit, Error> {
    let file = inv.load(Purpose::Use)?;
    let jobs = file.jobs()?;
    let state = inv.read_state(file)?;
    let text = metrics::text(jobs, state.as_ref(), inv.ctx.now).map_err(Error::History)?;
    inv.ctx
        .stdout
        .write_all(text.as_bytes())
        .map_err(Error::Output)?;
    Ok(Exit::Success)
}
