//! A notification's request for a finished run: its placeholders filled in
//! from the run's facts (`OUTCOME`, `ERROR`, `STATUS`, ...), then from the
//! built-ins and the variables.

use crate::http::request::Prepared;
use crate::job::Notice;
use crate::job::template::Unresolved;
use crate::state::record::{self, Record};
use crate::vars::mask::Secrets;

/// The value of notification placeholder `name` for the finished `run`,
/// or `None` when `name` is not one. Values a run does not have (the
/// error of a success, the status of a run that got no response, the
/// scheduled instant of a run by hand) are empty.
pub(crate) fn value(name: &str, run: &Record) -> Option<String> {
    Some(match name {
        "OUTCOME" => run.outcome.as_str().to_string(),
        "ERROR" => run.error.clone().unwrap_or_default(),
        "STATUS" => run.status.map(|s| s.to_string()).unwrap_or_default(),
        "ATTEMPTS" => run.attempts.to_string(),
        "DURATION_MS" => run.duration_ms.unwrap_or(0).to_string(),
        "SCHEDULED_AT" => run.scheduled.map(record::instant).unwrap_or_default(),
        "RUN_ID" => run.run_id.clone(),
        _ => return None,
    })
}

/// The notification `notice` for the finished `run`, filled in from the
/// run's facts first, then `lookup` (the built-ins and the variables).
/// Its secrets are its own templates' and the job's (`secrets`); its URL,
/// a secret too, is added where it is sent, so that it can be shown by its
/// origin, masked by these.
pub(crate) fn request(
    notice: &Notice,
    run: &Record,
    lookup: &dyn Fn(&str) -> Option<String>,
    secrets: &Secrets,
) -> Result<Prepared, Unresolved> {
    let all = |name: &str| value(name, run).or_else(|| lookup(name));
    let mut prepared = Prepared::of(&notice.request, None, &all, None)?;
    prepared.secrets.extend(secrets);
    prepared.secrets.add_url_pieces(&prepared.filled_url);
    Ok(prepared)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::record::Outcome;
    use jiff::Timestamp;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    const NOW: &str = "2025-03-07T18:30:00Z";

    #[test]
    fn placeholders_take_the_runs_facts_and_are_empty_when_it_has_none() {
        let mut run = Record::start(
            "0f0e-id".into(),
            "kpi",
            record::Trigger::Manual,
            None,
            at(NOW),
        );
        run.outcome = Outcome::Failed;
        run.attempts = 4;
        run.duration_ms = Some(1250);
        run.error = Some("GET http://x/: timed out after 10s".into());
        let v = |name| value(name, &run).unwrap();
        assert_eq!(v("OUTCOME"), "failed");
        assert_eq!(v("ERROR"), "GET http://x/: timed out after 10s");
        assert_eq!(v("STATUS"), "");
        assert_eq!(v("ATTEMPTS"), "4");
        assert_eq!(v("DURATION_MS"), "1250");
        assert_eq!(v("SCHEDULED_AT"), "");
        assert_eq!(v("RUN_ID"), "0f0e-id");
        run.scheduled = Some(at(NOW));
        run.status = Some(503);
        assert_eq!(
            value("SCHEDULED_AT", &run).unwrap(),
            "2025-03-07T18:30:00.000Z"
        );
        assert_eq!(value("STATUS", &run).unwrap(), "503");
        for name in crate::job::notice::PLACEHOLDERS {
            assert!(value(name, &run).is_some(), "{name}");
        }
        assert_eq!(value("JOB_NAME", &run), None);
    }
}
