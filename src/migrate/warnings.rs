//! What `validate` says about a file written for the Node scheduler: one
//! warning per difference, at its place, with what to write to keep the
//! old behaviour, and one remark pointing at `jobrun migrate`.

use std::path::Path;

use crate::diagnostic::Diagnostic;
use crate::migrate::changes::{Change, Kind};
use crate::migrate::reading::{INJECTED_AUTHORIZATION, NodeAuthorization, NodeFile, attempts};

/// Where docs/migrating.md explains `retries`.
const RETRIES_DOCS: &str = "docs/migrating.md#retries-timeouts-redirects";
/// Where it walks through `jobrun migrate`.
const MIGRATE_DOCS: &str = "docs/migrating.md#a-migration-step-by-step";

/// The warnings for `changes`, found in the file at `path`; `host_zone`
/// names the zone jobrun reads schedules in on this host.
pub(crate) fn warnings(
    path: &Path,
    file: &NodeFile,
    changes: &[Change],
    host_zone: &str,
) -> Vec<Diagnostic> {
    let shown = path.display();
    let mut out = vec![
        Diagnostic::file_warning(format!(
            "`{shown}` looks like a Node scheduler file (only its keys, and its `global:` section): the warnings below are what jobrun does differently with it"
        ))
        .with_help(format!(
            "`jobrun migrate {shown}` prints the file rewritten to keep what the Node scheduler did; see {MIGRATE_DOCS}"
        )),
    ];
    out.extend(
        changes
            .iter()
            .filter_map(|change| warning(file, change, host_zone)),
    );
    out
}

fn warning(file: &NodeFile, change: &Change, host_zone: &str) -> Option<Diagnostic> {
    let job = change.job.map(|i| file.jobs[i].label());
    let job = job.as_deref().unwrap_or("the file");
    let (message, help) = match &change.kind {
        Kind::WeekRange { .. } | Kind::Schedule { .. } => return None,
        Kind::Zone => (
            format!(
                "the file names no `timezone`: jobrun reads its schedules in the zone of the host it runs on ({host_zone} here); the Node scheduler read them in `TZ`, and in America/Chicago when `TZ` was not set"
            ),
            "add `timezone: America/Chicago` under `global:` (or the zone the Node scheduler's `TZ` named) to keep the wall-clock times the jobs were written for".to_string(),
        ),
        Kind::RetriesCount { written } => {
            let message = match written {
                Some((key, n)) if *n > 0 => format!(
                    "`retries` counts retries after the first attempt: `{key}: {n}` now makes {} attempts, where the Node scheduler made {n}",
                    n + 1
                ),
                _ => "`retries` counts retries after the first attempt: jobrun's default of 3 makes 4 attempts, where the Node scheduler's default made 3".to_string(),
            };
            (
                message,
                format!(
                    "lower each `retries` and `defaultRetries` by one to keep the number of attempts (jobrun retries only failures that can succeed later, and waits between attempts); see {RETRIES_DOCS}"
                ),
            )
        }
        Kind::RetriesUnset { key, attempts: n } => (
            format!(
                "the Node scheduler read `{key}: 0` as not set and made {}; jobrun makes 1",
                attempts(*n)
            ),
            format!(
                "write `{key}: {}` to keep {}, or keep 0 for a single one",
                n - 1,
                attempts(*n)
            ),
        ),
        Kind::ImplicitAuthorization => (
            format!(
                "{job} sends no `Authorization` header; the Node scheduler sent `Authorization: {INJECTED_AUTHORIZATION}` with every request"
            ),
            format!(
                "if its server needs the token, add `Authorization: \"{INJECTED_AUTHORIZATION}\"` under `global.defaultHeaders` (or the job's `headers`)"
            ),
        ),
        Kind::ReplacedAuthorization { sent, default, .. } => {
            let whose = if *default {
                "every job without an `Authorization` of its own".to_string()
            } else {
                job.to_string()
            };
            let instead = match sent {
                NodeAuthorization::Injected => {
                    format!("write `Authorization: \"{INJECTED_AUTHORIZATION}\"` to send what it sent")
                }
                NodeAuthorization::Header(_) => format!("remove it to send {}", sent.describe()),
            };
            (
                format!(
                    "jobrun sends this header; the Node scheduler sent {} instead, for {whose}",
                    sent.describe()
                ),
                format!(
                    "keep it if this is the token the server expects (the Node scheduler sent it the wrong one); {instead}"
                ),
            )
        }
        Kind::WeekWord { value, placeholder } => {
            let word = value.as_str().unwrap_or_default();
            let day = if word.ends_with("start") { "Monday" } else { "Friday" };
            (
                format!(
                    "jobrun sends `{word}` as written; the Node scheduler replaced it with this week's {day} (YYYY-MM-DD)"
                ),
                format!("write `\"{placeholder}\"` to send the date"),
            )
        }
        Kind::EmptyBodyContentType { method } => (
            format!(
                "{job} sends its {method} without a body or a `Content-Type`; the Node scheduler sent `Content-Type: application/json` with an empty body"
            ),
            "add `Content-Type: application/json` to the job's `headers` if the server reads it".to_string(),
        ),
        Kind::BodylessContentType { method } => (
            format!(
                "the Node scheduler sent `Content-Type: application/json` with {job}'s {method}; jobrun sends a `Content-Type` only with a body"
            ),
            "nothing to do unless the server requires it without a body; then add `Content-Type: application/json` to the job's `headers`".to_string(),
        ),
        Kind::DataNotSent { method, .. } => (
            format!("jobrun sends this `data` with {method}; the Node scheduler sent it only with POST, PUT and PATCH"),
            "remove `data` to send the request as the Node scheduler did".to_string(),
        ),
        Kind::BuiltIn { name } => (
            format!(
                "jobrun fills in `${{{name}}}` itself; the Node scheduler sent the variable `{name}` from its environment, or `${{{name}}}` as written"
            ),
            format!(
                "nothing to do if the server wants jobrun's value (see docs/job-file.md#placeholders); write `$${{{name}}}` to send the text `${{{name}}}`"
            ),
        ),
        Kind::Dollars { .. } => (
            "jobrun reads `$$` as one `$`; the Node scheduler sent `$$` as written".to_string(),
            "write each `$$` as `$$$$` to send `$$`".to_string(),
        ),
    };
    Some(Diagnostic::warning(message, change.span).with_help(help))
}
