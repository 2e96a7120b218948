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
    let state_dir = inv.state_dir(file);
    let store = inv.read_history(state_dir.as_ref())?;
    let dir = state_dir.as_ref().map(|d| d.path.as_path());
    let text = metrics::text(jobs, store.as_deref(), dir, inv.ctx.now).map_err(Error::History)?;
    inv.ctx
        .stdout
        .write_all(text.as_bytes())
        .map_err(Error::Output)?;
    Ok(Exit::Success)
}
