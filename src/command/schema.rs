//! `jobrun schema`: the job file's JSON Schema on stdout, for editors.

use crate::command::Invocation;
use crate::error::{Error, Exit};
use crate::jobfile::json_schema;

pub(crate) fn execute(inv: &mut Invocation) -> Result<Exit, Error> {
    inv.ctx
        .stdout
        .write_all(json_schema::render().as_bytes())
        .map_err(Error::Output)?;
    Ok(Exit::Success)
}
