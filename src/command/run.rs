//! `jobrun run NAME`: run one job.
//!
//! This version finds the job and checks that its variables resolve; sending
//! the request is not built yet, and the command says so rather than
//! pretending to succeed.

use crate::command::Invocation;
use crate::diagnostic::Diagnostic;
use crate::error::{Error, Exit};

pub fn execute(inv: &mut Invocation, name: &str) -> Result<Exit, Error> {
    let file = inv.load()?;
    let job = file.job(name)?;
    let variables = inv.variables(&file.path)?;
    let unset: Vec<Diagnostic> = job
        .required_variables()
        .into_iter()
        .filter(|v| variables.get(v).is_none())
        .map(|v| {
            Diagnostic::error(
                format!("variable `{v}` is not set (job `{name}`)"),
                job.use_of(v),
            )
            .with_help(format!(
                "set it in the environment or in `{}`",
                variables.env_file.display()
            ))
        })
        .collect();
    if !unset.is_empty() {
        return Err(file.error(unset));
    }
    Err(Error::RunUnavailable {
        job: job.name.clone(),
    })
}
