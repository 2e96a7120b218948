//! Healthcheck pings, as healthchecks.io and compatible services take
//! them: `URL/start` when a run begins, `URL` when it succeeds, `URL/fail`
//! when it fails, each with the run's id as `rid`, so the service can pair
//! a start with its end and time the run. A run that never pings at all
//! (cron stopped, the host down, the job removed) is what the service
//! notices by itself.

use crate::http::request::{Header, Prepared, USER_AGENT};
use crate::job::Method;
use crate::vars::mask::Secrets;

/// Which ping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ping {
    Start,
    Success,
    Fail,
}

impl Ping {
    /// How reports name it.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Ping::Start => "start",
            Ping::Success => "success",
            Ping::Fail => "fail",
        }
    }
}

/// The URL of `ping` for the run `rid`, from the job's healthcheck URL:
/// the suffix goes on the path, before any query, and `rid` joins the
/// query. A fragment is never sent.
pub(crate) fn url(base: &str, ping: Ping, rid: &str) -> String {
    let base = base.split_once('#').map_or(base, |(before, _)| before);
    let (path, query) = match base.split_once('?') {
        Some((path, query)) => (path, Some(query).filter(|q| !q.is_empty())),
        None => (base, None),
    };
    let suffix = match ping {
        Ping::Start => "/start",
        Ping::Success => "",
        Ping::Fail => "/fail",
    };
    let path = if suffix.is_empty() {
        path
    } else {
        path.trim_end_matches('/')
    };
    match query {
        Some(query) => format!("{path}{suffix}?{query}&rid={rid}"),
        None => format!("{path}{suffix}?rid={rid}"),
    }
}

/// The request for `ping` of run `rid` to the job's healthcheck URL
/// `base` (filled in). A failure ping carries `failure`, the run's masked
/// failure line, as its body. The URL is a secret like the job's.
pub(crate) fn request(
    base: &str,
    ping: Ping,
    rid: &str,
    failure: Option<&str>,
    secrets: &Secrets,
) -> Prepared {
    let mut headers = vec![header("User-Agent", USER_AGENT)];
    let body = match ping {
        Ping::Fail => {
            headers.push(header("Content-Type", "text/plain; charset=utf-8"));
            Some(failure.unwrap_or_default().to_string())
        }
        Ping::Start | Ping::Success => None,
    };
    let mut secrets = secrets.clone();
    secrets.add(base);
    let url = url(base, ping, rid);
    Prepared {
        method: if body.is_some() {
            Method::Post
        } else {
            Method::Get
        },
        filled_url: url.clone(),
        url,
        headers,
        body,
        expect_body: None,
        secrets,
        credentials: Vec::new(),
    }
}

fn header(name: &str, value: &str) -> Header {
    Header {
        name: name.into(),
        value: value.into(),
        configured: false,
        from_userinfo: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RID: &str = "2f1c7a52-8a3e-4b8e-9a43-1d2c3b4a5f60";

    #[test]
    fn suffixes_go_on_the_path_and_the_run_id_in_the_query() {
        let base = "https://hc-ping.com/0b9c3c24-aa1e-4f0a-9f1f-6e1b5f1c2d3e";
        assert_eq!(
            url(base, Ping::Start, RID),
            format!("{base}/start?rid={RID}")
        );
        assert_eq!(url(base, Ping::Success, RID), format!("{base}?rid={RID}"));
        assert_eq!(url(base, Ping::Fail, RID), format!("{base}/fail?rid={RID}"));
    }

    #[test]
    fn a_query_of_its_own_is_kept_after_the_suffix() {
        assert_eq!(
            url(
                "https://hc-ping.com/key/kpi-report?create=1",
                Ping::Fail,
                RID
            ),
            format!("https://hc-ping.com/key/kpi-report/fail?create=1&rid={RID}")
        );
    }

    #[test]
    fn a_trailing_slash_and_a_fragment_do_not_break_the_path() {
        assert_eq!(
            url("http://127.0.0.1:8000/ping/abc/#x", Ping::Start, RID),
            format!("http://127.0.0.1:8000/ping/abc/start?rid={RID}")
        );
        assert_eq!(
            url("http://127.0.0.1:8000/ping/abc/?", Ping::Success, RID),
            format!("http://127.0.0.1:8000/ping/abc/?rid={RID}")
        );
    }
}
