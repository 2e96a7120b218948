//! `jobrun encrypt NAME`: seal a secret read from standard input with
//! `JWT_ENCRYPTION_KEY`, and print `ENCRYPTED_NAME=...` for the `.env`
//! file. The plain value is never printed, and there is no way back but
//! the key: no decrypt command.

use std::io::IsTerminal as _;

use crate::command::Invocation;
use crate::error::{Error, Exit};
use crate::job::template::is_name;
use crate::vars::prompt;
use crate::vars::sealed;
use crate::vars::variables::{ENCRYPTED_PREFIX, ENCRYPTION_KEY, VariableError};

pub(crate) fn execute(inv: &mut Invocation, name: &str) -> Result<Exit, Error> {
    check_name(name)?;
    // The key as `run` will find it: the environment, then the `.env`
    // beside the job file (or `--env-file`), or a file named by
    // `JWT_ENCRYPTION_KEY_FILE`. The job file itself need not exist.
    let variables = inv.variables(&inv.config_path())?;
    let key = variables
        .resolve(ENCRYPTION_KEY)?
        .filter(|k| !k.is_empty())
        .ok_or(VariableError::KeyUnset)?;

    let stdin = std::io::stdin();
    let secret = if stdin.is_terminal() {
        let _ = write!(
            inv.ctx.stderr,
            "value of `{name}` (typing is not shown; end with Enter): "
        );
        let _ = inv.ctx.stderr.flush();
        prompt::read_hidden(&mut stdin.lock(), inv.ctx.stderr)
    } else {
        prompt::read_all(&mut stdin.lock())
    }?;

    let mut iv = [0u8; sealed::IV_LEN];
    (inv.ctx.random)(&mut iv);
    let value = sealed::seal(&key, secret.as_bytes(), iv);
    writeln!(inv.ctx.stdout, "{ENCRYPTED_PREFIX}{name}={value}").map_err(Error::Output)?;
    Ok(Exit::Success)
}

/// `NAME` must be what a placeholder can name, and not already sealed.
fn check_name(name: &str) -> Result<(), Error> {
    let message = if !is_name(name) {
        format!("`{name}` is not a variable name")
    } else if name.starts_with(ENCRYPTED_PREFIX) {
        format!("`{name}` already starts with `{ENCRYPTED_PREFIX}`")
    } else if name == ENCRYPTION_KEY {
        format!("`{ENCRYPTION_KEY}` cannot be encrypted with itself")
    } else {
        return Ok(());
    };
    Err(Error::Argument {
        message,
        help: "give the name the job file uses, such as `jobrun encrypt JWT_TOKEN`: the output is `ENCRYPTED_JWT_TOKEN=...`".into(),
    })
}
