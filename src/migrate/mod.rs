//! Coming from the Node scheduler: what it did with a job file that jobrun
//! does differently, said by `validate` and undone by `migrate`.
//!
//! This room owns the Node scheduler's reading of a job file
//! (`reading.rs`: which `Authorization` and `Content-Type` it sent, how
//! many attempts it made), the list of differences found in a file
//! (`changes.rs`), the warnings `validate` shows for them (`warnings.rs`),
//! and the rewrite `migrate` prints (`rewrite.rs`, with node-cron's
//! schedules in `schedule.rs` and the text edits in `source.rs`).
//!
//! It reads the YAML tree `jobfile` kept (whether a file was written for
//! the Node scheduler is `jobfile::origin`'s to say) and never the
//! environment: the zone the Node scheduler used is passed in. It changes
//! the file's text only at the places the tree recorded, so every comment
//! and key order it does not touch is kept.

mod changes;
#[cfg(test)]
mod fire_times_tests;
mod reading;
mod rewrite;
mod schedule;
mod source;
mod warnings;

use std::path::Path;

use crate::diagnostic::Diagnostic;
use crate::jobfile::yaml::Node;

pub(crate) use rewrite::{DEFAULT_ZONE, NodeZone, ZoneSource, migrate};

/// `validate`'s warnings for a file written for the Node scheduler, whose
/// YAML tree is `root`; `host_zone` names the zone jobrun reads schedules
/// in here.
pub(crate) fn warnings(path: &Path, root: &Node, host_zone: &str) -> Vec<Diagnostic> {
    let file = reading::NodeFile::read(root);
    let changes = changes::find(&file);
    warnings::warnings(path, &file, &changes, host_zone)
}

/// Check that a rewritten file loads as jobrun's own, without errors,
/// before it is printed: a defect here must never hand a broken file on.
pub(crate) fn verify(text: &str) -> Result<(), Vec<Diagnostic>> {
    use crate::jobfile::{decode, validate};
    let (config, mut problems) = decode::decode(text);
    let checked = validate::check(
        &config,
        &jiff::tz::TimeZone::UTC,
        Path::new(""),
        validate::Purpose::Use,
    );
    problems.extend(checked.diagnostics);
    problems.retain(Diagnostic::is_error);
    if !checked.origin.is_jobrun() {
        problems.push(Diagnostic::file_error(
            "the rewritten file does not read as a jobrun file",
        ));
    }
    if problems.is_empty() {
        return Ok(());
    }
    problems.insert(
        0,
        Diagnostic::file_error("`migrate` made a file jobrun cannot load, and did not print it")
            .with_help("this is a defect in jobrun: please report it with the file; meanwhile follow `jobrun validate`'s warnings by hand"),
    );
    Err(problems)
}
