//! `jobrun list`: every job, its schedule, zone and next run. URLs are shown
//! as written, placeholders unresolved, so no secret can appear.

use serde::Serialize;

use crate::command::{Invocation, rfc3339};
use crate::error::{Error, Exit};
use crate::job::Job;
use crate::jobfile::validate::Purpose;

#[derive(Serialize)]
struct Listing<'a> {
    jobs: Vec<Entry<'a>>,
}

#[derive(Serialize)]
struct Entry<'a> {
    name: &'a str,
    enabled: bool,
    schedule: &'a str,
    timezone: String,
    next: Option<String>,
    method: &'a str,
    url: String,
    description: Option<&'a str>,
    timeout_ms: u128,
    retries: u32,
    /// `splay`, and the offset each run is delayed by (`next` includes it).
    splay_ms: Option<u128>,
    splay_offset_ms: Option<u128>,
    variables: Vec<&'a str>,
}

pub(crate) fn execute(inv: &mut Invocation, json: bool) -> Result<Exit, Error> {
    let file = inv.load(Purpose::Use)?;
    let jobs = file.jobs()?;
    let now = inv.ctx.now;
    let entries: Vec<Entry> = jobs
        .iter()
        .map(|job: &Job| Entry {
            name: &job.name,
            enabled: job.enabled,
            schedule: job.schedule.text().trim(),
            timezone: job.zone.label(),
            // A disabled job does not run from its schedule: no next
            // run, as `status` says too (`next NAME` still shows the times).
            next: job
                .enabled
                .then(|| job.timing().next_after(now))
                .flatten()
                .as_ref()
                .map(rfc3339),
            method: job.request.method.as_str(),
            url: job.request.url.to_string(),
            description: job.description.as_deref(),
            timeout_ms: job.timeout.as_millis(),
            retries: job.retries,
            splay_ms: job.splay.map(|s| s.length.as_millis()),
            splay_offset_ms: job.splay.map(|s| s.offset.as_millis()),
            variables: job.needed_variables().into_iter().collect(),
        })
        .collect();
    let text = if json {
        let mut text = serde_json::to_string_pretty(&Listing { jobs: entries }).unwrap_or_default();
        text.push('\n');
        text
    } else {
        table(&entries)
    };
    inv.ctx
        .stdout
        .write_all(text.as_bytes())
        .map_err(Error::Output)?;
    Ok(Exit::Success)
}

fn table(entries: &[Entry]) -> String {
    let header = [
        "NAME",
        "ENABLED",
        "SCHEDULE",
        "ZONE",
        "NEXT",
        "METHOD",
        "URL",
        "DESCRIPTION",
    ];
    let rows: Vec<[String; 8]> = entries
        .iter()
        .map(|e| {
            [
                e.name.to_string(),
                if e.enabled { "yes" } else { "no" }.to_string(),
                e.schedule.to_string(),
                e.timezone.clone(),
                match (&e.next, e.enabled) {
                    (Some(next), _) => next.clone(),
                    (None, false) => "disabled".into(),
                    (None, true) => "never".into(),
                },
                e.method.to_string(),
                e.url.clone(),
                e.description.unwrap_or("").to_string(),
            ]
        })
        .collect();
    let rows: Vec<Vec<String>> = rows.into_iter().map(Vec::from).collect();
    super::table(&header, &rows)
}
