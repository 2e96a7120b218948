//! `jobrun run NAME`: run one job.
//!
//! This version finds the job and checks that its variables resolve; sending
//! the request is not built yet, and the command says so rather than
//! pretending to succeed.

use crate::command::Invocation;
use crate::error::{Error, Exit};
use crate::validate::Purpose;

pub fn execute(inv: &mut Invocation, name: &str) -> Result<Exit, Error> {
    let file = inv.load(Purpose::Use)?;
    let job = file.job(name)?;
    let variables = inv.variables(&file.path)?;
    let unset = variables.missing(job);
    if !unset.is_empty() {
        return Err(file.error(unset));
    }
    Err(Error::RunUnavailable {
        job: job.name.clone(),
    })
}
