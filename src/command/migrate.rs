//! `jobrun migrate [FILE]`: prints the Node scheduler's job file rewritten
//! so that jobrun does what the Node scheduler did; `--check` says whether
//! a file still needs it, for CI.

use std::path::PathBuf;

use crate::command::Invocation;
use crate::error::{Error, Exit};
use crate::jobfile;
use crate::jobfile::origin::Origin;
use crate::jobfile::validate::Purpose;
use crate::migrate::{self, DEFAULT_ZONE, NodeZone, ZoneSource};

pub(crate) struct Options {
    /// The file; the job file (`--config`...) when not given.
    pub(crate) file: Option<PathBuf>,
    /// `--tz`: the zone the Node scheduler read schedules in.
    pub(crate) tz: Option<String>,
    pub(crate) check: bool,
}

pub(crate) fn execute(inv: &mut Invocation, options: &Options) -> Result<Exit, Error> {
    let path = options.file.clone().unwrap_or_else(|| inv.config_path());
    // A wrong `--tz` is refused whatever the file; `TZ` is read only when
    // a file is migrated.
    if options.tz.is_some() {
        node_zone(options.tz.as_deref(), inv.ctx.env)?;
    }
    let file = jobfile::load_keeping_tree(&path, &inv.ctx.host_zone, Purpose::Validate)?;
    // A file with errors is not rewritten: its errors are shown.
    file.jobs()?;
    let shown = path.display().to_string();
    if let Origin::Jobrun { key, span } = &file.checked.origin {
        if !inv.global.quiet {
            write_err(
                inv,
                &format!(
                    "{shown}: already a jobrun file (`{key}` at line {}, a key the Node scheduler did not know): nothing to migrate\n",
                    span.line
                ),
            );
        }
        if !options.check {
            inv.ctx
                .stdout
                .write_all(file.text.as_bytes())
                .map_err(Error::Output)?;
        }
        return Ok(Exit::Success);
    }
    let Some(tree) = &file.tree else {
        return Ok(Exit::Success);
    };
    let zone = node_zone(options.tz.as_deref(), inv.ctx.env)?;
    let migrated = migrate::migrate(&file.text, tree, &zone).map_err(|d| file.error(d))?;
    if let Err(problems) = migrate::verify(&migrated.text) {
        return Err(Error::File {
            path: PathBuf::from(format!("{shown} (migrated)")),
            source_text: Some(migrated.text),
            diagnostics: problems,
        });
    }
    if options.check {
        write_err(
            inv,
            &format!(
                "{shown} still needs migrating: `jobrun migrate` would make {} changes:\n{}run `jobrun migrate {shown}` and keep its output (see docs/migrating.md)\n",
                migrated.changed.len(),
                list(&migrated.changed)
            ),
        );
        return Ok(Exit::Failed);
    }
    inv.ctx
        .stdout
        .write_all(migrated.text.as_bytes())
        .map_err(Error::Output)?;
    if !inv.global.quiet {
        let mut summary = format!(
            "{shown}: rewritten for jobrun ({} changes, each with a comment in the file):\n{}",
            migrated.changed.len(),
            list(&migrated.changed)
        );
        if !migrated.kept.is_empty() {
            summary.push_str(&format!(
                "jobrun still differs here on purpose (see docs/migrating.md):\n{}",
                list(&migrated.kept)
            ));
        }
        write_err(inv, &summary);
    }
    Ok(Exit::Success)
}

/// The zone the Node scheduler read schedules in: `--tz`, else `TZ`, else
/// its default.
fn node_zone(flag: Option<&str>, env: &dyn Fn(&str) -> Option<String>) -> Result<NodeZone, Error> {
    let known = |name: &str| crate::schedule::zone::get(name).is_some();
    if let Some(name) = flag {
        if !known(name) {
            return Err(Error::Flag {
                flag: "--tz",
                message: format!(
                    "`{}` is not a time zone name jobrun knows",
                    name.escape_debug()
                ),
            });
        }
        return Ok(NodeZone {
            name: name.to_string(),
            from: ZoneSource::Flag,
        });
    }
    // The Node scheduler took `process.env.TZ || 'America/Chicago'`.
    match env("TZ").filter(|tz| !tz.is_empty()) {
        Some(tz) => {
            let name = tz.strip_prefix(':').unwrap_or(&tz);
            if !known(name) {
                return Err(Error::Flag {
                    flag: "--tz",
                    message: format!(
                        "`TZ` is `{}`, which is not a time zone name jobrun can write into the file; give the zone the Node scheduler read its schedules in with `--tz`",
                        tz.escape_debug()
                    ),
                });
            }
            Ok(NodeZone {
                name: name.to_string(),
                from: ZoneSource::Tz,
            })
        }
        None => Ok(NodeZone {
            name: DEFAULT_ZONE.to_string(),
            from: ZoneSource::Default,
        }),
    }
}

fn list(lines: &[String]) -> String {
    lines.iter().map(|l| format!("  {l}\n")).collect()
}

fn write_err(inv: &mut Invocation, text: &str) {
    // Nothing sensible is left to do when stderr itself is gone.
    let _ = inv.ctx.stderr.write_all(text.as_bytes());
}
