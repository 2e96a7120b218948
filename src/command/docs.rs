//! `jobrun completions SHELL`: generated from the same definitions as
//! `--help`, so it never drifts from it. The manual pages are `man.rs`.

use clap::CommandFactory;

use crate::cli::Cli;
use crate::command::Invocation;
use crate::error::{Error, Exit};

pub(crate) fn completions(
    inv: &mut Invocation,
    shell: clap_complete::Shell,
) -> Result<Exit, Error> {
    let mut command = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut command, "jobrun", &mut out);
    inv.ctx.stdout.write_all(&out).map_err(Error::Output)?;
    Ok(Exit::Success)
}
