//! `jobrun kubernetes --image IMAGE`: print the manifests.

use crate::command::Invocation;
use crate::diagnostic::{Report, render_plain};
use crate::error::{Error, Exit};
use crate::export::kubernetes::{self, Options, StateUrl};
use crate::export::pod_limits::{self, Given};
use crate::jobfile::validate::Purpose;

/// What `kubernetes` was asked.
#[derive(Debug, Clone, Default)]
pub(crate) struct Request {
    /// The container image (`--image`).
    pub(crate) image: String,
    pub(crate) namespace: Option<String>,
    /// The Secret with the jobs' variables (`--secret`).
    pub(crate) secret: Option<String>,
    /// The claim holding the history (`--state-claim`).
    pub(crate) state_claim: Option<String>,
}

pub(crate) fn execute(inv: &mut Invocation, args: &Request) -> Result<Exit, Error> {
    if args.image.trim().is_empty() || args.image.chars().any(|c| c.is_whitespace()) {
        return Err(Error::Flag {
            flag: "--image",
            message: format!("`{}` is not a container image reference", args.image),
        });
    }
    if let Some(namespace) = &args.namespace {
        dns_name(namespace, "--namespace", 63, false)?;
    }
    if let Some(secret) = &args.secret {
        dns_name(secret, "--secret", 253, true)?;
    }
    if let Some(claim) = &args.state_claim {
        dns_name(claim, "--state-claim", 253, true)?;
    }
    let file = inv.load(Purpose::Use)?;
    let jobs = file.jobs()?;
    let url_given = inv
        .global
        .state_url
        .clone()
        .or_else(|| (inv.ctx.env)("JOBRUN_STATE_URL"))
        .filter(|u| !u.is_empty());
    let from_file = file.checked.state_url.as_ref().map(ToString::to_string);
    let state_url = match (&url_given, &from_file) {
        (Some(url), _) => Some(StateUrl::Given(url)),
        (None, Some(_)) => Some(StateUrl::InFile),
        (None, None) => None,
    };
    if let Some(url) = url_given.as_deref().or(from_file.as_deref())
        && crate::state::postgres::target::literal_password(url)
    {
        return Err(Error::Argument {
            message: "the state URL holds a password, which the manifests would show to anyone who may read them".into(),
            help: "write the URL without it, and put `PGPASSWORD` in the Secret named with `--secret` (or write `${PGPASSWORD}` in its place)".into(),
        });
    }
    if state_url.is_some() && args.state_claim.is_some() {
        return Err(Error::Flag {
            flag: "--state-claim",
            message: "`--state-claim` keeps the history in a volume, and the state URL keeps it in the database".into(),
        });
    }
    let job_file = kubernetes::job_file_label(&file.path);
    let given = Given {
        base_dir: file.path.parent().unwrap_or(std::path::Path::new("")),
        metrics_file: file.checked.metrics_file.as_deref(),
        image: &args.image,
        flags: [
            ("--env-file", inv.global.env_file.is_some()),
            ("--state-dir", inv.global.state_dir.is_some()),
            ("--metrics-file", inv.global.metrics_file.is_some()),
        ]
        .into_iter()
        .filter_map(|(flag, given)| given.then_some(flag))
        .collect(),
        state_volume: state_url.is_none(),
    };
    let (errors, mut in_the_file): (Vec<_>, Vec<_>) = pod_limits::in_the_file(jobs, &given)
        .into_iter()
        .partition(|d| d.is_error());
    let rendered = kubernetes::render(
        jobs,
        &file.text,
        &Options {
            image: &args.image,
            namespace: args.namespace.as_deref(),
            secret: args.secret.as_deref(),
            state_claim: args.state_claim.as_deref(),
            job_file: &job_file,
            state_url,
        },
        inv.ctx.now,
    );
    // Every problem at once: the schedules' and the pods'.
    let text = match rendered {
        Ok(text) if errors.is_empty() => text,
        Ok(_) => return Err(file.error(errors)),
        Err(mut problems) => {
            problems.extend(errors);
            problems.sort_by_key(|d| d.span.map(|s| (s.line, s.col)));
            return Err(file.error(problems));
        }
    };
    if !inv.global.quiet {
        let palette = inv.palette();
        let shown = file.shown(&mut in_the_file);
        let mut text = Report {
            path: &file.path,
            source: Some(&shown),
            diagnostics: &in_the_file,
        }
        .render(palette);
        for problem in pod_limits::elsewhere(&given) {
            text.push_str(&render_plain(&problem, palette));
        }
        let _ = inv.ctx.stderr.write_all(text.as_bytes());
    }
    if args.secret.is_none() && state_url.is_some() && !inv.global.quiet {
        let _ = writeln!(
            inv.ctx.stderr,
            "jobrun: note: the pods log in to the state database: put `PGPASSWORD` (or the variables the state URL uses) in a Secret and give its name with `--secret`"
        );
    }
    if args.secret.is_none() && !inv.global.quiet {
        let needed: std::collections::BTreeSet<&str> = jobs
            .iter()
            .filter(|j| j.enabled)
            .flat_map(|j| j.needed_variables())
            .collect();
        if !needed.is_empty() {
            let names: Vec<String> = needed.iter().map(|n| format!("`{n}`")).collect();
            let _ = writeln!(
                inv.ctx.stderr,
                "jobrun: warning: the jobs use {}, which nothing here sets: put them in a Secret and give its name with `--secret`",
                names.join(", ")
            );
        }
    }
    inv.ctx
        .stdout
        .write_all(text.as_bytes())
        .map_err(Error::Output)?;
    Ok(Exit::Success)
}

/// An object name: lowercase letters, digits and `-` (and `.` in a DNS
/// subdomain), starting and ending with a letter or digit.
fn dns_name(name: &str, flag: &'static str, max: usize, dots: bool) -> Result<(), Error> {
    let edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    let valid = name.len() <= max
        && edge(name.chars().next())
        && edge(name.chars().last())
        && name.chars().all(|c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || (dots && c == '.')
        });
    if valid {
        Ok(())
    } else {
        Err(Error::Flag {
            flag,
            message: format!(
                "`{name}` is not a Kubernetes name: use lowercase letters, digits and `-`, starting and ending with a letter or digit, at most {max} characters"
            ),
        })
    }
}
