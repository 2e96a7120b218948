//! `jobrun completions SHELL` and `jobrun man`: generated from the same
//! definitions as `--help`, so they never drift from it.

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

pub(crate) fn man(inv: &mut Invocation) -> Result<Exit, Error> {
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut out)
        .map_err(Error::Output)?;
    inv.ctx.stdout.write_all(&out).map_err(Error::Output)?;
    Ok(Exit::Success)
}
