//! `jobrun init`: a starter job file and its `.env`, written where jobrun
//! will look for them, never over a file that is there.

use std::io::Write as _;
use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};

use crate::command::Invocation;
use crate::error::{Error, Exit};
use crate::files::io_reason;
use crate::jobfile::starter;
use crate::vars::variables;

pub(crate) fn execute(inv: &mut Invocation) -> Result<Exit, Error> {
    let config = inv.config_path();
    let env_file = variables::env_file_path(inv.global.env_file.as_deref(), &config);
    let files = [
        Planned {
            path: &config,
            flag: "--config",
            text: starter::job_file(inv.ctx.host_zone.iana_name()),
            mode: 0o644,
        },
        Planned {
            path: &env_file,
            flag: "--env-file",
            text: starter::env_file(),
            mode: 0o600,
        },
    ];
    // Both are checked before either is written, so a refusal leaves
    // nothing behind; `create_new` below still refuses one that appears in
    // between (or a link planted there).
    for file in &files {
        if std::fs::symlink_metadata(file.path).is_ok() {
            return Err(exists(file.path, file.flag));
        }
    }
    let mut written: Vec<&Path> = Vec::new();
    for file in &files {
        if let Err(error) = file.write() {
            for path in written {
                let _ = std::fs::remove_file(path);
            }
            return Err(error);
        }
        written.push(file.path);
    }
    if !inv.global.quiet {
        let message = format!(
            "wrote `{config}` (one job, `{job}`) and `{env}` (mode 600, holding {var})\n\
             next: put your token in `{env}`, then\n  \
             jobrun validate --env          # checks the file and that {var} is set\n  \
             jobrun run {job} --dry-run     # the request it would send, token masked\n  \
             jobrun run {job}               # send it\n",
            config = config.display(),
            env = env_file.display(),
            job = starter::JOB_NAME,
            var = starter::TOKEN_VARIABLE,
        );
        let _ = inv.ctx.stderr.write_all(message.as_bytes());
    }
    Ok(Exit::Success)
}

/// A file `init` writes.
struct Planned<'a> {
    path: &'a PathBuf,
    /// The flag that names another path, for the message when it exists.
    flag: &'static str,
    text: String,
    mode: u32,
}

impl Planned<'_> {
    fn write(&self) -> Result<(), Error> {
        let cannot = |e: std::io::Error| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                return exists(self.path, self.flag);
            }
            Error::Flag {
                flag: self.flag,
                message: format!("cannot write `{}`: {}", self.path.display(), io_reason(&e)),
            }
        };
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(self.mode)
            .open(self.path)
            .map_err(cannot)?;
        // The umask may have taken bits away; a secret's file is 600 exactly.
        file.set_permissions(std::fs::Permissions::from_mode(self.mode))
            .map_err(cannot)?;
        file.write_all(self.text.as_bytes()).map_err(cannot)?;
        file.sync_all().map_err(cannot)
    }
}

fn exists(path: &Path, flag: &'static str) -> Error {
    Error::Exists {
        path: path.to_path_buf(),
        flag,
    }
}
