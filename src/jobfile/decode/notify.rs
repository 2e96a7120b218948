//! Decoding `notify` and `healthcheck`, in `global` and in a job: the
//! notifications as written, and the switch that turns `global`'s off.

use crate::diagnostic::{Diagnostic, Span};
use crate::job::{MAX_NOTICE_TIMEOUT, MAX_WINDOW};
use crate::jobfile::schema::{NOTICE_KEYS, NOTIFY_KEYS, NoticeEntry, NotifyEntry, Switch};
use crate::jobfile::yaml::{Node, Value};

use super::Decoder;

impl Decoder {
    /// A job's `notify` or `healthcheck`: `false` turns off `global`'s,
    /// null is the same as leaving the key out, and `true` means nothing.
    pub(super) fn switch<T>(
        &mut self,
        node: &Node,
        key: &str,
        on: impl FnOnce(&mut Self, &Node) -> Option<T>,
    ) -> Option<Switch<T>> {
        match node.value {
            Value::Null => None,
            Value::Bool(false) => Some(Switch::Off),
            Value::Bool(true) => {
                self.problems.push(
                    Diagnostic::error(format!("`{key}: true` is not a setting"), node.span)
                        .with_help(format!(
                            "a job gets `global.{key}` without it: remove the line, write the job's own {}, or write `{key}: false` for none",
                            switch_value(key)
                        )),
                );
                None
            }
            _ => on(self, node).map(Switch::On),
        }
    }

    /// `global`'s `notify` or `healthcheck`, where there is nothing to turn
    /// off: a boolean is an error.
    pub(super) fn global_switch<T>(
        &mut self,
        node: &Node,
        key: &str,
        on: impl FnOnce(&mut Self, &Node) -> Option<T>,
    ) -> Option<T> {
        match node.value {
            Value::Null => None,
            Value::Bool(b) => {
                let problem = if b {
                    Diagnostic::error(format!("`{key}: true` is not a setting"), node.span)
                        .with_help(format!(
                            "write the {} every job gets, or remove the line",
                            switch_value(key)
                        ))
                } else {
                    Diagnostic::error(
                        format!("`{key}: false` in `global` turns nothing off"),
                        node.span,
                    )
                    .with_help(format!(
                        "remove the line: without it no job {}; `{key}: false` belongs in a job, to turn `global.{key}` off for it",
                        if key == "notify" { "sends notifications" } else { "pings a healthcheck" }
                    ))
                };
                self.problems.push(problem);
                None
            }
            _ => on(self, node),
        }
    }

    pub(super) fn notify(&mut self, node: &Node) -> Option<NotifyEntry> {
        let entries = self.mapping(node, "`notify`")?;
        let mut notify = NotifyEntry {
            span: node.span,
            ..NotifyEntry::default()
        };
        for (key, value) in entries {
            match self.key(key, NOTIFY_KEYS, "in `notify`") {
                Some(name @ "onFailure") => notify.on_failure = self.notice(value, name),
                Some(name @ "onRecovery") => notify.on_recovery = self.notice(value, name),
                Some("cooldown") => notify.cooldown = self.duration(value, "cooldown", MAX_WINDOW),
                _ => {}
            }
        }
        Some(notify)
    }

    /// One notification, `onFailure` or `onRecovery` (`name`); null is the
    /// same as leaving it out.
    fn notice(&mut self, node: &Node, name: &'static str) -> Option<NoticeEntry> {
        if node.value == Value::Null {
            return None;
        }
        let entries = self.mapping(node, &format!("`{name}`"))?;
        let mut notice = NoticeEntry {
            span: node.span,
            key: name,
            ..NoticeEntry::default()
        };
        let mut bodies: Vec<(&str, Span)> = Vec::new();
        for (key, value) in entries {
            let known = self.key(key, NOTICE_KEYS, &format!("in `{name}`"));
            if let Some(body @ ("data" | "body")) = known {
                bodies.push((body, key.span));
            }
            match known {
                Some("url") => notice.url = self.text(value, "url"),
                Some("method") => notice.method = self.text(value, "method"),
                Some("headers") => notice.headers = self.headers(value, "headers"),
                Some("data") => notice.data = Some(value.clone()),
                Some("body") => notice.body = self.text(value, "body"),
                Some("timeout") => {
                    notice.timeout = self.duration(value, "timeout", MAX_NOTICE_TIMEOUT)
                }
                _ => {}
            }
        }
        self.one_body(&bodies, "a notification");
        Some(notice)
    }
}

/// What a `notify` or `healthcheck` key holds, for help texts.
fn switch_value(key: &str) -> &'static str {
    match key {
        "notify" => "notifications (`onFailure`, `onRecovery`)",
        "splay" => "splay (a duration such as `5m`)",
        _ => "healthcheck URL",
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::jobfile::decode::tests::{decode_ok, problems};

    #[test]
    fn notify_and_healthcheck_decode_in_global_and_in_a_job() {
        let config = decode_ok(
            "global:\n  notify:\n    onFailure:\n      url: \"https://hooks.example.com/x\"\n      method: PUT\n      headers: {X-Extra: 1}\n      data: {text: \"${ERROR}\"}\n      timeout: 2s\n    cooldown: 30m\n  healthcheck: \"https://hc-ping.com/k\"\njobs:\n  - name: a\n    notify:\n      onRecovery: {url: \"https://e.com\", body: ok}\n    healthcheck: false\n  - name: b\n    notify: false\n    healthcheck: null\n",
        );
        let notify = config.global.notify.unwrap();
        let failure = notify.on_failure.unwrap();
        assert_eq!(failure.key, "onFailure");
        assert_eq!(failure.span, Span::new(4, 7, 1));
        assert_eq!(failure.method.unwrap().value, "PUT");
        assert_eq!(failure.headers[0].value.value, "1");
        assert_eq!(failure.timeout.unwrap().value, Duration::from_secs(2));
        assert_eq!(notify.cooldown.unwrap().value, Duration::from_secs(1800));
        assert_eq!(
            config.global.healthcheck.unwrap().value,
            "https://hc-ping.com/k"
        );
        let Some(Switch::On(own)) = config.jobs[0].notify.as_deref() else {
            panic!("{:?}", config.jobs[0].notify);
        };
        assert!(own.on_failure.is_none());
        assert_eq!(
            own.on_recovery
                .as_ref()
                .unwrap()
                .body
                .as_ref()
                .unwrap()
                .value,
            "ok"
        );
        assert_eq!(config.jobs[0].healthcheck, Some(Switch::Off));
        assert_eq!(config.jobs[1].notify.as_deref(), Some(&Switch::Off));
        assert_eq!(config.jobs[1].healthcheck, None);
    }

    #[test]
    fn unknown_notify_keys_suggest_the_close_one_where_written() {
        let found = problems(
            "jobs:\n  - name: a\n    notify:\n      on_failure: {url: \"https://e.com\"}\n",
        );
        assert_eq!(found[0].message, "unknown key `on_failure` in `notify`");
        assert_eq!(found[0].help.as_deref(), Some("did you mean `onFailure`?"));
        assert_eq!(found[0].span, Some(Span::new(4, 7, 10)));
        let found = problems(
            "global:\n  notify:\n    onFailure:\n      url: \"https://e.com\"\n      headres: {}\njobs: []\n",
        );
        assert_eq!(found[0].message, "unknown key `headres` in `onFailure`");
        assert_eq!(found[0].help.as_deref(), Some("did you mean `headers`?"));
        assert_eq!(found[0].span, Some(Span::new(5, 7, 7)));
        let found = problems("global:\n  healthCheck: x\njobs: []\n");
        assert_eq!(
            found[0].help.as_deref(),
            Some("did you mean `healthcheck`?")
        );
    }

    #[test]
    fn notification_with_data_and_body_is_refused_like_a_job() {
        let found = problems(
            "jobs:\n  - name: a\n    notify:\n      onFailure:\n        url: \"https://e.com\"\n        data: {k: v}\n        body: x\n",
        );
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(
            found[0].message,
            "a notification cannot have both `data` and `body`"
        );
        assert_eq!(found[0].span, Some(Span::new(7, 9, 4)));
        assert_eq!(
            found[0].related,
            Some((Span::new(6, 9, 4), "`data` given first".to_string()))
        );
        assert_eq!(
            found[0].help.as_deref(),
            Some("keep one: `data` is sent as JSON, `body` as written")
        );
    }

    #[test]
    fn true_is_refused_for_notify_and_healthcheck() {
        let found = problems("jobs:\n  - name: a\n    notify: true\n    healthcheck: true\n");
        assert_eq!(found.len(), 2, "{found:#?}");
        assert_eq!(found[0].message, "`notify: true` is not a setting");
        assert_eq!(found[0].span, Some(Span::new(3, 13, 4)));
        assert_eq!(
            found[0].help.as_deref(),
            Some(
                "a job gets `global.notify` without it: remove the line, write the job's own notifications (`onFailure`, `onRecovery`), or write `notify: false` for none"
            )
        );
        assert_eq!(found[1].message, "`healthcheck: true` is not a setting");
        let found = problems("global:\n  healthcheck: true\njobs: []\n");
        assert_eq!(found[0].message, "`healthcheck: true` is not a setting");
        assert_eq!(
            found[0].help.as_deref(),
            Some("write the healthcheck URL every job gets, or remove the line")
        );
    }

    #[test]
    fn false_in_global_is_refused() {
        let found = problems("global:\n  notify: false\n  healthcheck: false\njobs: []\n");
        assert_eq!(found.len(), 2, "{found:#?}");
        assert_eq!(
            found[0].message,
            "`notify: false` in `global` turns nothing off"
        );
        assert_eq!(found[0].span, Some(Span::new(2, 11, 5)));
        assert_eq!(
            found[0].help.as_deref(),
            Some(
                "remove the line: without it no job sends notifications; `notify: false` belongs in a job, to turn `global.notify` off for it"
            )
        );
        assert_eq!(
            found[1].message,
            "`healthcheck: false` in `global` turns nothing off"
        );
    }

    #[test]
    fn null_notify_and_healthcheck_are_absent() {
        let config = decode_ok(
            "global:\n  notify:\n  healthcheck: ~\njobs:\n  - name: a\n    notify: null\n    healthcheck:\n",
        );
        assert!(config.global.notify.is_none());
        assert!(config.global.healthcheck.is_none());
        assert!(config.jobs[0].notify.is_none());
        assert!(config.jobs[0].healthcheck.is_none());
    }

    #[test]
    fn zero_notice_timeout_and_cooldown_are_errors() {
        let found = problems(
            "jobs:\n  - name: a\n    notify:\n      onFailure: {url: \"https://e.com\", timeout: 0}\n      cooldown: 0s\n",
        );
        assert_eq!(found.len(), 2, "{found:#?}");
        assert_eq!(
            found[0].message,
            "`timeout` must be more than 0 and at most 5m, found `0`"
        );
        assert_eq!(
            found[1].message,
            "`cooldown` must be more than 0 and at most 9600h, found `0s`"
        );
        assert_eq!(found[1].span, Some(Span::new(5, 17, 2)));
        assert!(
            found[1]
                .help
                .as_deref()
                .is_some_and(|h| h.starts_with("write a duration such as \"30s\"")),
            "{:?}",
            found[1].help
        );
    }

    #[test]
    fn notify_of_the_wrong_shape_is_an_error() {
        let found = problems("jobs:\n  - name: a\n    notify: yes\n    healthcheck: 5\n");
        assert_eq!(found.len(), 2, "{found:#?}");
        assert_eq!(
            found[0].message,
            "`notify` must be a mapping of `key: value` lines, found a string"
        );
        assert_eq!(
            found[1].message,
            "`healthcheck` must be a string, found an integer"
        );
        let found = problems("jobs:\n  - name: a\n    notify:\n      onFailure: https://e.com\n");
        assert_eq!(
            found[0].message,
            "`onFailure` must be a mapping of `key: value` lines, found a string"
        );
    }
}
