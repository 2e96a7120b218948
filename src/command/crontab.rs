//! `jobrun crontab`: print the cron.d file, or compare an installed one.

use std::path::{Path, PathBuf};

use crate::command::Invocation;
use crate::error::{Error, Exit};
use crate::export::crontab::{self, Options};
use crate::export::drift;
use crate::export::{Launch, sh_quote};
use crate::files::{self, Pipes};
use crate::jobfile::validate::Purpose;

/// The largest installed file `--check` reads: as large as a job file may
/// be, and a cron.d file is smaller than the job file it comes from.
const MAX_INSTALLED_BYTES: u64 = 16 * 1024 * 1024;

/// What `crontab` was asked.
#[derive(Debug, Clone, Default)]
pub(crate) struct Request {
    /// The user field of each line (`--user`).
    pub(crate) user: Option<String>,
    /// A user crontab, without the user field (`--user-crontab`).
    pub(crate) user_crontab: bool,
    pub(crate) mailto: Option<String>,
    /// The jobrun binary the lines run (`--bin`).
    pub(crate) bin: Option<PathBuf>,
    /// `CRON_TZ=` lines (`--cron-tz`).
    pub(crate) cron_tz: bool,
    /// The installed file to compare with (`--check`).
    pub(crate) check: Option<PathBuf>,
}

pub(crate) fn execute(inv: &mut Invocation, args: &Request) -> Result<Exit, Error> {
    let user = match (&args.user, args.user_crontab) {
        (_, true) => None,
        (Some(user), false) => Some(account(user, "--user")?),
        (None, false) => Some("root"),
    };
    if let Some(mailto) = &args.mailto
        && mailto.chars().any(char::is_control)
    {
        return Err(Error::Flag {
            flag: "--mailto",
            message: "the `--mailto` address cannot hold a line break or control character".into(),
        });
    }
    let launch = inv.launch(args.bin.as_deref())?;
    let file = inv.load(Purpose::Use)?;
    let jobs = file.jobs()?;
    let text = crontab::render(
        jobs,
        &launch,
        &inv.ctx.host_zone,
        inv.ctx.now,
        &Options {
            user,
            mailto: args.mailto.as_deref(),
            cron_tz: args.cron_tz,
        },
    );
    let Some(path) = &args.check else {
        inv.ctx
            .stdout
            .write_all(text.as_bytes())
            .map_err(Error::Output)?;
        return Ok(Exit::Success);
    };
    // Read as the job file is: a pipe too (`--check <(crontab -l)`), a
    // device never, up to the job file's size.
    let installed =
        files::read(path, MAX_INSTALLED_BYTES, Pipes::Read).map_err(|e| Error::Flag {
            flag: "--check",
            message: format!("cannot read `{}`: {e}", path.display()),
        })?;
    let installed = String::from_utf8_lossy(&installed);
    match drift::diff(&installed, &text, &path.display().to_string()) {
        None => Ok(Exit::Success),
        Some(diff) => {
            inv.ctx
                .stdout
                .write_all(diff.as_bytes())
                .map_err(Error::Output)?;
            if !inv.global.quiet {
                let _ = writeln!(
                    inv.ctx.stderr,
                    "jobrun: {} differs from what `jobrun crontab` writes now with these flags; to install the new file, run:\n  {}",
                    crate::wording::code(&path.display().to_string()),
                    fix(&launch, args, path)
                );
            }
            Ok(Exit::Failed)
        }
    }
}

/// The command that writes what `--check` compared with into `installed`:
/// this executable, with the job file and every flag that shapes the file
/// as they were given (paths absolute, as the file holds them), so that
/// following it literally, from any directory, makes the check pass.
fn fix(launch: &Launch, args: &Request, installed: &Path) -> String {
    let exe = std::env::current_exe()
        .ok()
        .filter(|p| p.to_str().is_some_and(|t| !t.chars().any(char::is_control)));
    let runner = Launch {
        bin: exe.unwrap_or_else(|| PathBuf::from("jobrun")),
        ..launch.clone()
    };
    let mut tail = vec!["crontab".to_string()];
    match (&args.user, args.user_crontab) {
        (_, true) => tail.push("--user-crontab".into()),
        (Some(user), false) => tail.extend(["--user".into(), user.clone()]),
        (None, false) => {}
    }
    if let Some(mailto) = &args.mailto {
        tail.extend(["--mailto".into(), mailto.clone()]);
    }
    if args.bin.is_some() {
        tail.extend(["--bin".into(), launch.bin.to_string_lossy().into_owned()]);
    }
    if args.cron_tz {
        tail.push("--cron-tz".into());
    }
    let tail: Vec<&str> = tail.iter().map(String::as_str).collect();
    let words: Vec<String> = runner.words(&tail).iter().map(|w| sh_quote(w)).collect();
    let target = std::path::absolute(installed).unwrap_or_else(|_| installed.to_path_buf());
    format!(
        "{} > {}",
        words.join(" "),
        sh_quote(&target.to_string_lossy())
    )
}

/// A user name as cron and systemd take it: letters, digits, `.`, `_`
/// and `-`, not starting with `-`.
pub(crate) fn account<'a>(name: &'a str, flag: &'static str) -> Result<&'a str, Error> {
    let valid = !name.is_empty()
        && !name.starts_with('-')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
    if valid {
        Ok(name)
    } else {
        Err(Error::Flag {
            flag,
            message: format!("`{name}` is not a user name: use letters, digits, `.`, `_` and `-`"),
        })
    }
}
