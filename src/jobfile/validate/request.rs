//! Checking what a request sends and where: `method`, `url`, `headers`,
//! `data` and `body`, `caFile`, `followRedirects` and `maxResponseBytes`,
//! for jobs and notifications alike.

use std::path::PathBuf;

use crate::diagnostic::{Diagnostic, Span};
use crate::job::template::Template;
use crate::job::{Body, DEFAULT_MAX_RESPONSE_BYTES, Data, Method, Redirects};
use crate::jobfile::schema::{HeaderEntry, RedirectsEntry, Spanned, Text};
use crate::jobfile::suggest;
use crate::jobfile::yaml::{Node, Value};

use super::Checker;

/// A job's headers: `defaultHeaders`, each replaced by a header of the
/// job's with the same name in any case (where it stood), then the job's
/// others, a later one of the same name replacing an earlier one. Names
/// are found through an index once there are more than a few, so a job
/// with 100,000 headers is checked in linear time.
pub(super) fn merge_headers(
    defaults: &[(String, Template)],
    own: Vec<(String, Template)>,
) -> Vec<(String, Template)> {
    let mut headers = defaults.to_vec();
    // A job has a few headers: a search each is cheaper than an index.
    if headers.len() + own.len() <= 16 {
        for (name, template) in own {
            match headers
                .iter_mut()
                .find(|(h, _)| h.eq_ignore_ascii_case(&name))
            {
                Some(existing) => *existing = (name, template),
                None => headers.push((name, template)),
            }
        }
        return headers;
    }
    let mut index: std::collections::HashMap<String, usize> = headers
        .iter()
        .enumerate()
        .rev()
        .map(|(i, (name, _))| (name.to_ascii_lowercase(), i))
        .collect();
    for (name, template) in own {
        match index.entry(name.to_ascii_lowercase()) {
            std::collections::hash_map::Entry::Occupied(at) => {
                headers[*at.get()] = (name, template);
            }
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(headers.len());
                headers.push((name, template));
            }
        }
    }
    headers
}

impl Checker<'_> {
    /// `method` as written, or `default` when it is not.
    pub(super) fn method(&mut self, text: Option<&Text>, default: Method) -> Option<Method> {
        let Some(text) = text else {
            return Some(default);
        };
        let method = Method::parse(&text.value);
        if method.is_none() {
            self.diagnostics.push(
                Diagnostic::error(format!("unknown method `{}`", text.value), text.span)
                    .with_help(format!("use one of {}", suggest::list(Method::NAMES))),
            );
        }
        method
    }

    /// A URL template, written under the key `what` names (`` `url` ``,
    /// `` `healthcheck` ``).
    pub(super) fn url(&mut self, text: &Text, what: &str) -> Option<Template> {
        let template = self.template(text, what)?;
        let value = text.value.as_str();
        // Only the literal start can be checked before the variables are
        // known: `${BASE_URL}/report` is checked when the job runs.
        let literal_start = !value.starts_with("${");
        let lower = value.to_ascii_lowercase();
        if literal_start && !(lower.starts_with("http://") || lower.starts_with("https://")) {
            self.diagnostics.push(
                Diagnostic::error(
                    format!("{what} must start with `http://` or `https://`: `{value}`"),
                    text.span,
                )
                .with_help("write the full address, such as `https://example.com/report`"),
            );
            return None;
        }
        if let Some((i, c)) = value
            .char_indices()
            .find(|(_, c)| c.is_whitespace() || c.is_control())
        {
            let offset = value[..i].chars().count();
            self.diagnostics.push(
                Diagnostic::error(
                    format!("{what} contains {}", crate::wording::character(c)),
                    text.span_at(offset, 1),
                )
                .with_help("percent-encode it (a space is `%20`)"),
            );
            return None;
        }
        Some(template)
    }

    pub(super) fn headers(&mut self, entries: &[HeaderEntry]) -> Vec<(String, Template)> {
        let mut out = Vec::with_capacity(entries.len());
        for HeaderEntry { name, value } in entries {
            // RFC 9110 section 5.1: a field name is a token.
            let bad = name
                .value
                .char_indices()
                .find(|(_, c)| !(c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(*c)));
            if name.value.is_empty() || bad.is_some() {
                let span = bad.map_or(name.span, |(i, _)| {
                    name.span_at(name.value[..i].chars().count(), 1)
                });
                self.diagnostics.push(
                    Diagnostic::error(format!("`{}` is not a valid header name", name.value), span)
                        .with_help(
                            "header names are letters, digits and `-` (RFC 9110 section 5.1)",
                        ),
                );
                continue;
            }
            if let Some(why) = framing(&name.value) {
                self.diagnostics.push(
                    Diagnostic::error(
                        format!("header `{}` is set by jobrun itself", name.value),
                        name.span,
                    )
                    .with_help(format!("remove it: {why}")),
                );
                continue;
            }
            if value.value.contains(['\r', '\n']) {
                self.diagnostics.push(
                    Diagnostic::error(format!("header `{}` contains a line break", name.value), value.span)
                        .with_help("a header value is one line: remove the line break (a YAML block scalar `|` adds one at the end; use a quoted string)"),
                );
                continue;
            }
            if let Some(template) = self.template(value, &format!("header `{}`", name.value)) {
                out.push((name.value.clone(), template));
            }
        }
        out
    }

    /// What a request sends: `data` as JSON, or `body` as written (`body`
    /// when both are given, which decoding reports). `None` when it has an
    /// error.
    pub(super) fn body(
        &mut self,
        data: Option<&Node>,
        body: Option<&Text>,
        method: Option<Method>,
    ) -> Option<Option<Body>> {
        let json = data.map(|node| self.data(node));
        let text = body.map(|text| self.template(text, "`body`"));
        if let Some(node) = data.filter(|node| node.value != Value::Null) {
            self.unsent_body(method, "data", node.span);
        }
        if let Some(text) = body.filter(|t| !t.value.is_empty()) {
            self.unsent_body(method, "body", text.span);
        }
        match (text, json) {
            (Some(text), _) => text.map(|t| Some(Body::Text(t))),
            (None, Some(data)) => data.map(|d| Some(Body::Json(d))),
            (None, None) => Some(None),
        }
    }

    fn data(&mut self, node: &Node) -> Option<Data> {
        Some(match &node.value {
            Value::Null => Data::Null,
            Value::Bool(b) => Data::Bool(*b),
            Value::Int(i) => Data::Int(*i),
            Value::Float(f) if f.is_finite() => Data::Float(*f),
            Value::Float(_) => {
                self.diagnostics.push(
                    Diagnostic::error("JSON has no infinity or NaN", node.span).with_help(
                        "write a finite number, or put the value in quotes to send a string",
                    ),
                );
                return None;
            }
            Value::Str(s) => {
                let text = Text {
                    value: s.clone(),
                    span: node.span,
                    quoted: node.quoted,
                };
                Data::Str(self.template(&text, "`data`")?)
            }
            Value::Seq(items) => {
                let items: Vec<Option<Data>> = items.iter().map(|n| self.data(n)).collect();
                Data::List(items.into_iter().collect::<Option<_>>()?)
            }
            Value::Map(entries) => {
                let mut out = Vec::with_capacity(entries.len());
                let mut ok = true;
                for (key, value) in entries {
                    let key = key.scalar_text().unwrap_or_default();
                    match self.data(value) {
                        Some(value) => out.push((key, value)),
                        None => ok = false,
                    }
                }
                if !ok {
                    return None;
                }
                Data::Object(out)
            }
        })
    }

    /// axios dropped a body on GET and HEAD; so does jobrun, and says so.
    fn unsent_body(&mut self, method: Option<Method>, key: &str, span: Span) {
        let Some(method) = method.filter(|m| !m.sends_body()) else {
            return;
        };
        self.diagnostics.push(
            Diagnostic::warning(
                format!("`{key}` is not sent with {}", method.as_str()),
                span,
            )
            .with_help(format!(
                "remove `{key}`, or use a method that sends a body such as POST"
            )),
        );
    }

    /// The Node scheduler replaced `weekRange: current` in `data`, in any
    /// mapping of it, with the current week's dates; jobrun sends what is
    /// written.
    pub(super) fn week_range(&mut self, node: &Node) {
        let entries = match &node.value {
            Value::Map(entries) => entries,
            Value::Seq(items) => {
                items.iter().for_each(|item| self.week_range(item));
                return;
            }
            _ => return,
        };
        for (key, value) in entries {
            self.week_range(value);
            if key.as_str() == Some("weekRange") && value.as_str() == Some("current") {
                self.diagnostics.push(
                    Diagnostic::warning(
                        "jobrun sends `weekRange: current` as written; the Node scheduler replaced it with this week's `startDate` and `endDate`",
                        key.span,
                    )
                    .with_help("to send the dates as before, replace this line with\n`startDate: \"${CURRENT_WEEK_START}\"` and `endDate: \"${CURRENT_WEEK_END}\"` (Monday and Friday, YYYY-MM-DD)"),
                );
            }
        }
    }

    fn redirects(&mut self, text: &Text) -> Option<Redirects> {
        let found = Redirects::parse(&text.value);
        if found.is_none() {
            let help = match suggest::suggest(&text.value, Redirects::NAMES) {
                Some(close) => format!("did you mean `{close}`?"),
                None => format!(
                    "use one of {}, or true (`same-origin`) or false (`none`)",
                    suggest::list(Redirects::NAMES)
                ),
            };
            self.diagnostics.push(
                Diagnostic::error(
                    format!("unknown `followRedirects` value `{}`", text.value),
                    text.span,
                )
                .with_help(help),
            );
        }
        found
    }

    /// `followRedirects`: a policy's name, or a boolean.
    pub(super) fn follow_redirects(&mut self, entry: Option<&RedirectsEntry>) -> Option<Redirects> {
        match entry {
            None => Some(Redirects::default()),
            // `true` is what a user who turns redirects on expects of a
            // browser-like client, minus leaking headers to other hosts.
            Some(RedirectsEntry::Bool(on)) => Some(if on.value {
                Redirects::SameOrigin
            } else {
                Redirects::None
            }),
            Some(RedirectsEntry::Name(text)) => self.redirects(text),
        }
    }

    /// `maxResponseBytes`, in its range as decoding checked.
    pub(super) fn max_response_bytes(&mut self, limit: Option<&Spanned<u64>>) -> Option<u64> {
        Some(limit.map_or(DEFAULT_MAX_RESPONSE_BYTES, |l| l.value))
    }

    /// The certificate file's path, read from the job file's directory when
    /// relative. The file itself is read when the job runs: `validate` on a
    /// build machine need not see the production host's certificates.
    pub(super) fn ca_file(&mut self, text: &Text) -> Option<(PathBuf, Span)> {
        if text.value.trim().is_empty() {
            self.diagnostics.push(
                Diagnostic::error("`caFile` cannot be empty", text.span).with_help(
                    "give the path of a PEM file of CA certificates, or remove `caFile` to trust only the system's",
                ),
            );
            return None;
        }
        Some((self.base_dir.join(&text.value), text.span))
    }
}

/// Why a header is the HTTP client's to write, not the job's, if it is:
/// the message's framing and the connection's management (RFC 9112
/// sections 6 and 9.6, RFC 9110 sections 7.2, 7.6.1 and 10.1.1). A job's
/// `Content-Length: 5` with a longer body made the server's answer look
/// invalid, and on a GET the server waited for a body until the timeout.
fn framing(name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    Some(match lower.as_str() {
        "content-length" => "jobrun sends the length of the body it sends",
        "transfer-encoding" | "te" | "trailer" => {
            "jobrun decides how the body is sent, as one piece with its length"
        }
        "host" => "jobrun sends the host of the url; put the host you mean in `url`",
        "connection" | "keep-alive" | "proxy-connection" | "upgrade" => {
            "jobrun manages its connections itself"
        }
        "expect" => "jobrun sends the body at once, without waiting for `100 Continue`",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::diagnostic::Severity;
    use crate::jobfile::validate::tests::{file, job, problem, problems};

    #[test]
    fn follow_redirects_takes_a_name_or_a_boolean() {
        for (written, expected) in [
            ("none", Redirects::None),
            ("same-origin", Redirects::SameOrigin),
            ("cross-origin", Redirects::CrossOrigin),
            ("false", Redirects::None),
            ("true", Redirects::SameOrigin),
        ] {
            let job = job(&format!("    followRedirects: {written}\n"));
            assert_eq!(job.request.redirects, expected, "{written}");
        }
    }

    #[test]
    fn unknown_follow_redirects_suggests_the_close_one() {
        let found = problem(&file("    followRedirects: same_origin\n"));
        assert_eq!(
            found.message,
            "unknown `followRedirects` value `same_origin`"
        );
        assert_eq!(found.span, Some(Span::new(5, 22, 11)));
        assert_eq!(found.help.as_deref(), Some("did you mean `same-origin`?"));
        let found = problem(&file("    followRedirects: always\n"));
        assert_eq!(
            found.help.as_deref(),
            Some(
                "use one of `none`, `same-origin` and `cross-origin`, or true (`same-origin`) or false (`none`)"
            )
        );
    }

    #[test]
    fn follow_redirects_as_a_number_is_an_error() {
        let found = problem(&file("    followRedirects: 5\n"));
        assert_eq!(
            found.message,
            "`followRedirects` must be `none`, `same-origin`, `cross-origin`, true or false, found an integer"
        );
    }

    #[test]
    fn framing_headers_are_refused_wherever_headers_are_written() {
        for name in [
            "Content-Length",
            "transfer-encoding",
            "Host",
            "CONNECTION",
            "Keep-Alive",
            "TE",
            "Upgrade",
            "Expect",
        ] {
            for text in [
                file(&format!("    headers:\n      {name}: \"5\"\n")),
                format!(
                    "global:\n  defaultHeaders:\n    {name}: \"5\"\n{}",
                    file("")
                ),
                file(&format!(
                    "    notify:\n      onFailure: {{url: \"https://e.com/h\", headers: {{{name}: \"5\"}}}}\n"
                )),
            ] {
                let found = problem(&text);
                assert_eq!(
                    found.message,
                    format!("header `{name}` is set by jobrun itself"),
                    "{text}"
                );
                assert!(found.help.unwrap().contains("remove it"), "{name}");
            }
        }
        assert!(
            problems(&file(
                "    headers:\n      Content-Type: text/plain\n      X-Length: 5\n"
            ))
            .is_empty()
        );
    }

    #[test]
    fn idempotency_key_is_a_boolean() {
        assert!(job("    idempotencyKey: true\n").request.idempotency_key);
        let found = problem(&file("    idempotencyKey: yes\n"));
        assert_eq!(
            found.message,
            "`idempotencyKey` must be true or false, found a string"
        );
    }

    #[test]
    fn relative_ca_file_is_read_from_the_job_files_directory() {
        let job = job("    caFile: certs/internal.pem\n");
        let (path, span) = job.request.ca_file.unwrap();
        assert_eq!(path, Path::new("/srv/jobs/certs/internal.pem"));
        assert_eq!(span, Span::new(5, 13, 18));
    }

    #[test]
    fn absolute_ca_file_is_kept() {
        let job = job("    caFile: /etc/ssl/internal.pem\n");
        assert_eq!(
            job.request.ca_file.unwrap().0,
            Path::new("/etc/ssl/internal.pem")
        );
    }

    #[test]
    fn ca_file_is_not_read_while_checking() {
        // The file does not exist here; it only has to exist where the job runs.
        job("    caFile: /nonexistent/ca.pem\n");
    }

    #[test]
    fn empty_ca_file_is_an_error() {
        let found = problem(&file("    caFile: \"\"\n"));
        assert_eq!(found.message, "`caFile` cannot be empty");
        assert_eq!(found.span, Some(Span::new(5, 13, 2)));
        assert_eq!(found.severity, Severity::Error);
    }

    #[test]
    fn body_is_sent_as_written_with_its_placeholders() {
        let job = job("    method: POST\n    body: \"id=${ID}&x=1\"\n");
        let Some(Body::Text(text)) = &job.request.body else {
            panic!("{:?}", job.request.body);
        };
        assert_eq!(text.placeholders().count(), 1);
        assert_eq!(job.use_of("ID"), Span::new(6, 15, 5));
        assert!(job.required_variables().contains("ID"));
    }

    #[test]
    fn data_is_still_sent_as_json() {
        let job = job("    method: POST\n    data: {k: v}\n");
        assert!(matches!(job.request.body, Some(Body::Json(_))));
    }

    #[test]
    fn data_and_body_together_is_an_error() {
        let found = problem(&file(
            "    method: POST\n    data: {k: v}\n    body: \"k=v\"\n",
        ));
        assert_eq!(found.message, "a job cannot have both `data` and `body`");
        assert_eq!(found.span, Some(Span::new(7, 5, 4)));
        assert_eq!(
            found.related,
            Some((Span::new(6, 5, 4), "`data` given first".to_string()))
        );
        assert_eq!(
            found.help.as_deref(),
            Some("keep one: `data` is sent as JSON, `body` as written")
        );
    }

    #[test]
    fn body_before_data_points_at_data() {
        let found = problem(&file(
            "    method: POST\n    body: \"k=v\"\n    data: {k: v}\n",
        ));
        assert_eq!(found.message, "a job cannot have both `body` and `data`");
        assert_eq!(found.span, Some(Span::new(7, 5, 4)));
    }

    #[test]
    fn body_on_get_is_a_warning() {
        let found = problem(&file("    body: hello\n"));
        assert_eq!(found.severity, Severity::Warning);
        assert_eq!(found.message, "`body` is not sent with GET");
        assert_eq!(found.span, Some(Span::new(5, 11, 5)));
        assert_eq!(
            found.help.as_deref(),
            Some("remove `body`, or use a method that sends a body such as POST")
        );
        let found = problem(&file("    method: head\n    body: hello\n"));
        assert_eq!(found.message, "`body` is not sent with HEAD");
    }

    #[test]
    fn body_must_be_a_string() {
        let found = problem(&file("    method: POST\n    body: 5\n"));
        assert_eq!(found.message, "`body` must be a string, found an integer");
    }

    #[test]
    fn bad_placeholder_in_body_points_inside_it() {
        let found = problem(&file("    method: POST\n    body: \"a ${}\"\n"));
        assert_eq!(
            found.message,
            "invalid placeholder in `body`: placeholder has no variable name"
        );
        assert_eq!(found.span.unwrap().line, 6);
    }

    #[test]
    fn max_response_bytes_takes_bytes_or_a_size() {
        for (written, bytes) in [
            ("4096", 4096),
            ("\"512 KiB\"", 512 * 1024),
            ("2MiB", 2 * 1024 * 1024),
            ("1 MB", 1_000_000),
            ("10kB", 10_000),
            ("1 GiB", crate::job::MAX_RESPONSE_BYTES),
        ] {
            let job = job(&format!("    maxResponseBytes: {written}\n"));
            assert_eq!(job.request.max_response_bytes, bytes, "{written}");
        }
    }

    #[test]
    fn zero_max_response_bytes_is_an_error() {
        for written in ["0", "\"0 KiB\"", "-5"] {
            let found = problem(&file(&format!("    maxResponseBytes: {written}\n")));
            assert_eq!(
                found.message,
                format!(
                    "`maxResponseBytes` must be more than 0 and at most 1 GiB, found `{}`",
                    written.trim_matches('"')
                )
            );
            assert_eq!(found.span, Some(Span::new(5, 23, written.len() as u32)));
        }
    }

    #[test]
    fn max_response_bytes_with_an_unknown_unit_lists_the_units() {
        let found = problem(&file("    maxResponseBytes: 10 K\n"));
        assert_eq!(found.message, "`10 K` has an unknown unit `K`");
        assert_eq!(found.span, Some(Span::new(5, 23, 4)));
        assert_eq!(
            found.help.as_deref(),
            Some(
                "`K` could mean powers of 1000 or of 1024: use B, kB, MB, GB (powers of 1000) or KiB, MiB, GiB (powers of 1024), such as `512 KiB`"
            )
        );
    }

    #[test]
    fn max_response_bytes_over_a_gibibyte_is_an_error() {
        let found = problem(&file("    maxResponseBytes: 2 GiB\n"));
        assert_eq!(
            found.message,
            "`maxResponseBytes` must be more than 0 and at most 1 GiB, found `2 GiB`"
        );
        assert_eq!(
            found.help.as_deref(),
            Some(
                "write the most bytes to read, from 1 to 1 GiB, such as `maxResponseBytes: 1 MiB`"
            )
        );
        let found = problem(&file("    maxResponseBytes: 99999999999999999999 B\n"));
        assert_eq!(
            found.message,
            "`maxResponseBytes` must be more than 0 and at most 1 GiB, found `99999999999999999999 B`"
        );
    }

    #[test]
    fn max_response_bytes_as_a_boolean_is_an_error() {
        let found = problem(&file("    maxResponseBytes: true\n"));
        assert_eq!(
            found.message,
            "`maxResponseBytes` must be bytes (such as 1048576) or a size (such as \"1 MiB\"), found a boolean"
        );
    }
}
