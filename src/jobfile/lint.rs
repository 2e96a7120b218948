//! The secret lint: credentials written where they should not be. Run by
//! `validate` only, as warnings (errors under `--strict`), each at its
//! place in the file with the fix.
//!
//! - a credential header (see [`mask::is_sensitive_header`]) whose value
//!   has no placeholder, or a placeholder with a default;
//! - a JWT-shaped string (`eyJ...` with two dots), anywhere a request is
//!   written;
//! - a long random-looking token: a run of at least 24 characters of the
//!   base64 alphabets mixing upper case, lower case and digits with a
//!   Shannon entropy of at least 4 bits per character, or at least 40
//!   hexadecimal digits (longer than a UUID's 32) with at least 3 bits;
//! - credentials (a credential header, URL userinfo, or a placeholder whose
//!   variable name says it is one) sent to a plain `http://` address that
//!   is not the machine itself;
//! - URL userinfo (`https://user:pass@host`) written literally, and a
//!   password written into `stateUrl`;
//! - a `.env` file readable by group or others, or owned by another user.
//!
//! Each string is scanned once, in a single pass over its bytes, so the
//! lint costs little beside parsing even for 10,000 jobs.

use std::path::Path;

use crate::diagnostic::{Conceal, Diagnostic, Span};
use crate::http::url::{self, Url};
use crate::job::template::Template;
use crate::jobfile::schema::{ConfigFile, HeaderEntry, JobEntry, NoticeEntry, Switch, Text};
use crate::jobfile::yaml::{Node, Value};
use crate::vars::mask;

/// Shortest run of token characters looked at for entropy.
const TOKEN_MIN_CHARS: usize = 24;
/// Least entropy, in bits per character, of a mixed-case token.
const TOKEN_MIN_BITS: f64 = 4.0;
/// Shortest run of hexadecimal digits taken for a token.
const HEX_MIN_CHARS: usize = 40;
/// Least entropy of a hexadecimal token.
const HEX_MIN_BITS: f64 = 3.0;

/// The lint's findings in the job file.
pub(super) fn job_file(config: &ConfigFile) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    for header in &config.global.default_headers {
        header_value(header, &mut found);
    }
    let default_credential = config
        .global
        .default_headers
        .iter()
        .find(|h| mask::is_sensitive_header(&h.name.value))
        .map(|h| format!("the `{}` header", h.name.value));
    for job in &config.jobs {
        self::job(job, default_credential.as_deref(), &mut found);
    }
    let global = &config.global;
    let jobs = config.jobs.iter();
    let notifies =
        global
            .notify
            .iter()
            .chain(jobs.clone().filter_map(|j| match j.notify.as_deref() {
                Some(Switch::On(notify)) => Some(notify),
                _ => None,
            }));
    for notice in notifies
        .flat_map(|n| [&n.on_failure, &n.on_recovery])
        .flatten()
    {
        self::notice(notice, &mut found);
    }
    let healthchecks = global
        .healthcheck
        .iter()
        .chain(jobs.filter_map(|j| match &j.healthcheck {
            Some(Switch::On(url)) => Some(url),
            _ => None,
        }));
    for url in healthchecks {
        userinfo(url, &mut found);
        token(url, true, &mut found);
    }
    if let Some(url) = &global.state_url
        && crate::state::postgres::target::literal_password(&url.value)
    {
        found.push(
            Diagnostic::warning("`stateUrl` holds the database's password", url.span)
                .concealing_as(whole(url.span))
                .with_help("write `${PGPASSWORD}` in its place, or leave it out and set `PGPASSWORD` (or `PGPASSWORD_FILE`); then change the password, as the file's history keeps it"),
        );
    }
    found
}

/// A notification is a request like a job's: a webhook URL written out
/// (Slack's end in a random token) is a credential in the file.
fn notice(notice: &NoticeEntry, found: &mut Vec<Diagnostic>) {
    for header in &notice.headers {
        header_value(header, found);
    }
    if let Some(url) = &notice.url {
        userinfo(url, found);
        token(url, true, found);
    }
    if let Some(node) = &notice.data {
        data(node, found);
    }
    if let Some(body) = &notice.body {
        token(body, false, found);
    }
}

fn job(job: &JobEntry, default_credential: Option<&str>, found: &mut Vec<Diagnostic>) {
    for header in &job.headers {
        header_value(header, found);
    }
    if let Some(url) = &job.url {
        userinfo(url, found);
        token(url, true, found);
        // What the job sends is only looked for when the address is plain
        // http to another machine: most files never pay for it.
        if let Some(host) = plain_http_host(&url.value)
            && let Some(credential) = credential(job).or(default_credential.map(str::to_string))
        {
            found.push(
                    Diagnostic::warning(
                        format!("{credential} is sent over plain http to `{host}`"),
                        url.span_at(0, 7),
                    )
                    .with_help("use `https://`: over http, anyone on the network path can read the credential and use it"),
                );
        }
    }
    if let Some(node) = &job.data {
        data(node, found);
    }
    for text in [&job.body, &job.expect_body_contains].into_iter().flatten() {
        token(text, false, found);
    }
}

/// What credential the job sends, in words, if any.
fn credential(job: &JobEntry) -> Option<String> {
    if let Some(h) = job
        .headers
        .iter()
        .find(|h| mask::is_sensitive_header(&h.name.value))
    {
        return Some(format!("the `{}` header", h.name.value));
    }
    if job
        .url
        .as_ref()
        .is_some_and(|u| url::userinfo(&u.value).is_some())
    {
        return Some("the user name and password in the url".into());
    }
    let mut texts: Vec<&str> = job.url.iter().map(|t| t.value.as_str()).collect();
    texts.extend(job.headers.iter().map(|h| h.value.value.as_str()));
    texts.extend(job.body.iter().map(|t| t.value.as_str()));
    let mut strings = Vec::new();
    if let Some(node) = &job.data {
        data_strings(node, &mut strings);
    }
    texts.extend(strings);
    texts.into_iter().find_map(|text| {
        let template = Template::parse(text).ok()?;
        template
            .placeholders()
            .find(|p| mask::is_sensitive_variable(&p.name))
            .map(|p| format!("variable `{}`", p.name))
    })
}

fn data_strings<'a>(node: &'a Node, out: &mut Vec<&'a str>) {
    match &node.value {
        Value::Str(s) => out.push(s),
        Value::Seq(items) => items.iter().for_each(|n| data_strings(n, out)),
        Value::Map(entries) => entries.iter().for_each(|(_, v)| data_strings(v, out)),
        _ => {}
    }
}

fn data(node: &Node, found: &mut Vec<Diagnostic>) {
    match &node.value {
        Value::Str(s) => scan(s, node.span, node.quoted, false, found),
        Value::Seq(items) => items.iter().for_each(|n| data(n, found)),
        Value::Map(entries) => entries.iter().for_each(|(_, v)| data(v, found)),
        _ => {}
    }
}

/// A credential header must take its value from a variable.
fn header_value(header: &HeaderEntry, found: &mut Vec<Diagnostic>) {
    let name = &header.name.value;
    let value = &header.value;
    if !mask::is_sensitive_header(name) {
        token(value, false, found);
        return;
    }
    // From variables only, or the credential is written in the file: as
    // literal text, or as the default of a placeholder (`${T:-...}`).
    // A value that does not parse is reported as such elsewhere.
    let literal = Template::parse(&value.value).is_ok_and(|t| {
        t.placeholders().next().is_none()
            || t.placeholders()
                .any(|p| p.default.as_deref().is_some_and(|d| !d.is_empty()))
    });
    if value.value.trim().is_empty() || !literal {
        return;
    }
    let scheme = value
        .value
        .split_once(' ')
        .map(|(scheme, _)| scheme)
        .filter(|s| s.chars().all(|c| c.is_ascii_alphabetic()))
        .map_or(String::new(), |s| format!("{s} "));
    found.push(
        Diagnostic::warning(
            format!("header `{name}` holds a literal credential"),
            value.span,
        )
        .concealing_as(whole(value.span))
        .with_help(format!(
            "move it to a variable, `{name}: \"{scheme}${{API_TOKEN}}\"`, set in the environment, a mode-600 .env file, `API_TOKEN_FILE` or `ENCRYPTED_API_TOKEN`; then rotate it, as the file's history keeps it"
        )),
    );
}

/// A JWT or a long random-looking token in `text`: the first one only.
fn token(text: &Text, url: bool, found: &mut Vec<Diagnostic>) {
    scan(&text.value, text.span, text.quoted, url, found);
}

/// [`token`] for a string at `span`, written in quotes or not.
fn scan(value: &str, span: Span, quoted: bool, url: bool, found: &mut Vec<Diagnostic>) {
    let Some((offset, len, jwt)) = find_token(value, url) else {
        return;
    };
    let (message, help) = if jwt {
        (
            "a JWT is written in the job file",
            "move it to a variable such as `${JWT_TOKEN}`, set in the environment or a mode-600 .env file, or let jobrun mint one from `JWT_SECRET`; then rotate it, as the file's history keeps it",
        )
    } else {
        (
            "a long random-looking token is written in the job file",
            "if it is a credential, move it to a variable (`${API_TOKEN}`) set in the environment or a mode-600 .env file, and rotate it; if it is an identifier, this warning can be ignored",
        )
    };
    let (span, conceal) = place(value, span, quoted, offset, len);
    found.push(
        Diagnostic::warning(message, span)
            .concealing_as(conceal)
            .with_help(help),
    );
}

/// Where the `len` characters at `offset` in the value of the string at
/// `span` are written, and how to hide them. Exact when the string is
/// written on one line without escapes. Otherwise the value's characters
/// are not the file's (an escape is longer than the character it gives, a
/// line break reads as a space), so the place is the whole string.
fn place(value: &str, span: Span, quoted: bool, offset: usize, len: usize) -> (Span, Conceal) {
    let as_written = value.chars().count() + 2 * usize::from(quoted);
    if span.len as usize == as_written {
        (span.sub(offset + usize::from(quoted), len), Conceal::Span)
    } else {
        (span, whole(span))
    }
}

/// How to hide the whole string at `span`: its span when it is on one
/// line; when it goes on over lines (its span is its first character
/// only), the rest of its first line.
fn whole(span: Span) -> Conceal {
    if span.len > 1 {
        Conceal::Span
    } else {
        Conceal::RestOfLine
    }
}

/// Where the first token in `text` is, in chars, and whether it is a JWT.
/// In a URL, `/` separates path segments rather than being base64; so it
/// does in a word of other text from a `/` that starts a run of token
/// characters on (an address's `//host/...`, a path's `/var/...`).
pub(super) fn find_token(text: &str, url: bool) -> Option<(usize, usize, bool)> {
    let bytes = text.as_bytes();
    let mut path = url;
    let is_token = |b: u8, path: bool| {
        b.is_ascii_alphanumeric() || matches!(b, b'+' | b'_' | b'-') || (b == b'/' && !path)
    };
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i..].starts_with(b"eyJ") && (i == 0 || !is_token(bytes[i - 1], path)) {
            let end = jwt_end(bytes, i);
            if end > i {
                return Some((chars(text, i), end - i, true));
            }
        }
        if bytes[i] == b'/' && !path {
            path = true;
        }
        if !is_token(bytes[i], path) {
            // A word ends at a space, a quote or a bracket.
            if bytes[i].is_ascii_whitespace() || b"\"'`,;()<>[]{}".contains(&bytes[i]) {
                path = url;
            }
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && is_token(bytes[i], path) {
            i += 1;
        }
        // `=` only as base64's padding: elsewhere it ends a `key=value`.
        while i < bytes.len() && bytes[i] == b'=' {
            i += 1;
        }
        if random_looking(&bytes[start..i]) {
            return Some((chars(text, start), i - start, false));
        }
    }
    None
}

/// The end of a JWT starting at `start` (`eyJ` + at least 10 characters,
/// then two dots), or `start` when it is not one.
fn jwt_end(bytes: &[u8], start: usize) -> usize {
    let part = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'-';
    let mut end = start;
    while end < bytes.len() && (part(bytes[end]) || bytes[end] == b'.') {
        end += 1;
    }
    let candidate = &bytes[start..end];
    let dots = candidate.iter().filter(|&&b| b == b'.').count();
    let first = candidate.iter().position(|&b| b == b'.').unwrap_or(0);
    if dots >= 2 && first >= 13 { end } else { start }
}

fn random_looking(run: &[u8]) -> bool {
    if run.len() >= HEX_MIN_CHARS && run.iter().all(u8::is_ascii_hexdigit) {
        return run.iter().any(u8::is_ascii_digit)
            && run.iter().any(u8::is_ascii_alphabetic)
            && entropy(run) >= HEX_MIN_BITS;
    }
    run.len() >= TOKEN_MIN_CHARS
        && run.iter().any(u8::is_ascii_uppercase)
        && run.iter().any(u8::is_ascii_lowercase)
        && run.iter().any(u8::is_ascii_digit)
        && entropy(run) >= TOKEN_MIN_BITS
}

/// Shannon entropy of the bytes, in bits per byte.
fn entropy(run: &[u8]) -> f64 {
    let mut counts = [0u32; 256];
    for &b in run {
        counts[b as usize] += 1;
    }
    let n = run.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * log2(p)
        })
        .sum()
}

/// log2 of a positive number, to about 1e-12. The standard library's calls
/// libm's, and this one function would be the only reason to load libm in
/// every run: a third of a MiB of resident memory and a library to map.
fn log2(x: f64) -> f64 {
    // x = m * 2^e with m in [1, 2); ln m = 2 atanh(y), y = (m-1)/(m+1) <= 1/3.
    let bits = x.to_bits();
    let e = ((bits >> 52) & 0x7ff) as i64 - 1023;
    let m = f64::from_bits((bits & ((1 << 52) - 1)) | (1023 << 52));
    let y = (m - 1.0) / (m + 1.0);
    let y2 = y * y;
    let mut term = y;
    let mut sum = 0.0;
    for k in 0..16 {
        sum += term / f64::from(2 * k + 1);
        term *= y2;
    }
    e as f64 + 2.0 * sum / std::f64::consts::LN_2
}

fn chars(text: &str, byte: usize) -> usize {
    text[..byte].chars().count()
}

/// `https://user:pass@host` with the password written in the file, not
/// from a placeholder. A user name is no secret; without a `:`, the whole
/// userinfo may be a token (as GitHub takes one), so it counts as one.
fn userinfo(url: &Text, found: &mut Vec<Diagnostic>) {
    use crate::job::template::Part;
    let Some(info) = url::userinfo(&url.value) else {
        return;
    };
    let literal = Template::parse(info).is_ok_and(|t| {
        // The parts after the first `:` written outside a placeholder, or
        // all of them when there is none.
        let parts = t.parts();
        let colon = parts.iter().enumerate().find_map(|(i, p)| match p {
            Part::Literal(text) => text.find(':').map(|at| (i, at)),
            Part::Var(_) => None,
        });
        let secret_literal = |p: &Part| matches!(p, Part::Literal(text) if !text.is_empty());
        match colon {
            None => parts.iter().any(secret_literal),
            Some((i, at)) => {
                let Part::Literal(text) = &parts[i] else {
                    return false;
                };
                !text[at + 1..].is_empty() || parts[i + 1..].iter().any(secret_literal)
            }
        }
    });
    if !literal {
        return;
    }
    let start = Url::parse(&url.value).map_or(0, |u| u.authority_start());
    let (span, conceal) = place(
        &url.value,
        url.span,
        url.quoted,
        chars(&url.value, start),
        info.chars().count(),
    );
    found.push(
        Diagnostic::warning("the url holds a user name or password", span)
        .concealing_as(conceal)
        .with_help("take them from variables, `https://${API_USER}:${API_PASSWORD}@host/...`, or send an `Authorization` header built from one; then change the password, as the file's history keeps it"),
    );
}

/// The host of a literal `http://` address other than this machine.
fn plain_http_host(value: &str) -> Option<&str> {
    let url = Url::parse(value).filter(|u| u.scheme.eq_ignore_ascii_case("http"))?;
    let host = url.bare_host();
    // A host from a variable is only known when the job runs.
    (!(host.contains('$') || host.is_empty() || is_local(host))).then_some(host)
}

/// localhost, `*.localhost` (RFC 6761), 127.0.0.0/8 and ::1.
fn is_local(host: &str) -> bool {
    let lower = host.to_ascii_lowercase();
    lower == "localhost"
        || lower.ends_with(".localhost")
        || lower == "::1"
        || lower
            .strip_prefix("127.")
            .is_some_and(|rest| rest.split('.').all(|p| p.parse::<u8>().is_ok()))
}

/// The `.env` file's permissions, given its mode, its owner and the user
/// jobrun runs as.
pub(crate) fn env_file(path: &Path, mode: u32, owner: u32, user: u32) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    let shown = path.display();
    if mode & 0o044 != 0 {
        let who = match (mode & 0o040 != 0, mode & 0o004 != 0) {
            (true, true) => "its group and every other user",
            (true, false) => "its group",
            _ => "every other user",
        };
        found.push(
            Diagnostic::file_warning(format!(
                "the env file is readable by {who} (mode {:03o})",
                mode & 0o777
            ))
            .with_help(format!(
                "`chmod 600 {shown}`: it holds secrets only the user running jobrun should read"
            )),
        );
    }
    // root can read it anyway; any other owner can read and change it.
    if owner != user && owner != 0 {
        found.push(
            Diagnostic::file_warning(format!(
                "the env file is owned by another user (uid {owner}, jobrun runs as uid {user})"
            ))
            .with_help(format!(
                "`chown $(id -un) {shown}` as the user running jobrun, or root: its owner can read the secrets and change them"
            )),
        );
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Severity;

    fn lint(jobs: &str) -> Vec<Diagnostic> {
        let (config, problems) = crate::jobfile::decode::decode(jobs);
        assert!(problems.is_empty(), "{problems:?}");
        job_file(&config)
    }

    fn job(lines: &str) -> String {
        format!(
            "jobs:\n  - name: a\n    schedule: \"* * * * *\"\n    url: \"https://example.com/x\"\n{lines}"
        )
    }

    #[test]
    fn a_literal_authorization_header_is_found_with_its_place_and_fix() {
        let found = lint(&job(
            "    headers:\n      Authorization: \"Bearer abc123\"\n",
        ));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].severity, Severity::Warning);
        assert_eq!(
            found[0].message,
            "header `Authorization` holds a literal credential"
        );
        assert_eq!(found[0].span, Some(Span::new(6, 22, 15)));
        assert!(
            found[0]
                .help
                .as_deref()
                .unwrap()
                .starts_with("move it to a variable, `Authorization: \"Bearer ${API_TOKEN}\"`")
        );
    }

    #[test]
    fn a_webhook_url_or_credential_written_in_a_notification_is_found() {
        let found = lint(&format!(
            "global:\n  notify:\n    onFailure:\n      url: \"https://hooks.slack.com/services/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\"\n{}",
            job(
                "    notify:\n      onRecovery:\n        url: \"${SLACK_WEBHOOK_URL}\"\n        headers:\n          Authorization: \"Bearer abc123\"\n"
            )
        ));
        let messages: Vec<&str> = found.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "a long random-looking token is written in the job file",
                "header `Authorization` holds a literal credential"
            ]
        );
        assert_eq!(found[0].span.map(|s| s.line), Some(4));
        assert_eq!(found[1].span.map(|s| s.line), Some(13));
    }

    #[test]
    fn notifications_and_healthchecks_from_variables_pass() {
        assert!(
            lint(&job(
                "    healthcheck: \"https://hc-ping.com/${HC_PING_KEY}/a\"\n    notify:\n      onFailure:\n        url: \"${SLACK_WEBHOOK_URL}\"\n        data: {text: \"${JOB_NAME} failed: ${ERROR}\"}\n"
            ))
            .is_empty()
        );
    }

    #[test]
    fn headers_with_placeholders_and_ordinary_headers_pass() {
        assert!(
            lint(&job(
                "    headers:\n      Authorization: \"Bearer ${JWT_TOKEN}\"\n      X-Api-Key: \"${API_KEY}\"\n      X-Custom-Header: kpi-app\n      Content-Type: application/json\n"
            ))
            .is_empty()
        );
    }

    #[test]
    fn the_reference_files_jwt_example_is_found() {
        let found = lint(&job(
            "    headers:\n      X-Trace: \"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxIn0.sig\"\n",
        ));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].message, "a JWT is written in the job file");
        assert_eq!(found[0].span, Some(Span::new(6, 17, 56)));
    }

    #[test]
    fn random_tokens_are_found_and_words_ids_and_paths_are_not() {
        for token in [
            "ghp_R4nd0mT0k3nW1thM1x3dCa5e9xQz7Lk2",
            "xoxb-1234567890-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
            "sk_live_51HqLyjWDarjtT1zdp7dcXpQ2",
            "da39a3ee5e6b4b0d3255bfef95601890afd80709",
        ] {
            assert!(find_token(token, false).is_some(), "{token}");
        }
        for text in [
            "generate_kpi_report_for_current_week",
            "123e4567-e89b-12d3-a456-426614174000",
            "d41d8cd98f00b204e9800998ecf8427e",
            "/api/v1/reports/Weekly2024Summary/Details",
            "slack-kpi-service-dbf2f7d60f2e.herokuapp.com",
            "KPI afternoon report generation - Weekdays at 1:01 PM",
            "${AIRCALL_API_TOKEN_SECONDARY_2024}",
        ] {
            assert_eq!(find_token(text, true), None, "{text}");
        }
    }

    #[test]
    fn a_token_in_data_points_inside_the_string() {
        let found = lint(&job(
            "    method: POST\n    data:\n      key: \"k=sk_live_51HqLyjWDarjtT1zdp7dcXpQ2\"\n",
        ));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].span, Some(Span::new(7, 15, 33)));
    }

    #[test]
    fn credentials_over_plain_http_to_another_host_are_found() {
        let text = "jobs:\n  - name: a\n    schedule: \"* * * * *\"\n    url: \"http://api.example.com/x\"\n    headers:\n      Authorization: \"Bearer ${JWT_TOKEN}\"\n";
        let found = lint(text);
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].message,
            "the `Authorization` header is sent over plain http to `api.example.com`"
        );
        assert_eq!(found[0].span, Some(Span::new(4, 11, 7)));
        for url in [
            "http://localhost:8080/x",
            "http://127.0.0.1/x",
            "http://[::1]:80/x",
            "http://app.localhost/x",
            "https://api.example.com/x",
            "${BASE_URL}/x",
        ] {
            assert!(
                lint(&text.replace("http://api.example.com/x", url)).is_empty(),
                "{url}"
            );
        }
    }

    #[test]
    fn a_secret_variable_or_default_header_counts_as_a_credential() {
        let found = lint(
            "jobs:\n  - name: a\n    schedule: \"* * * * *\"\n    url: \"http://h/x?key=${API_KEY}\"\n",
        );
        assert_eq!(
            found[0].message,
            "variable `API_KEY` is sent over plain http to `h`"
        );
        let found = lint(
            "global:\n  defaultHeaders:\n    X-Auth-Token: \"${T}\"\njobs:\n  - name: a\n    schedule: \"* * * * *\"\n    url: \"http://h/x\"\n",
        );
        assert_eq!(
            found[0].message,
            "the `X-Auth-Token` header is sent over plain http to `h`"
        );
        assert!(lint(&job("    data:\n      note: plain\n")).is_empty());
    }

    #[test]
    fn literal_userinfo_is_found_and_placeholders_pass() {
        let text = "jobs:\n  - name: a\n    schedule: \"* * * * *\"\n    url: \"https://bob:hunter2@h/x\"\n";
        let found = lint(text);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].message, "the url holds a user name or password");
        assert_eq!(found[0].span, Some(Span::new(4, 19, 11)));
        assert!(lint(&text.replace("bob:hunter2", "${U}:${P}")).is_empty());
        // A user name is no secret: only a password written out is.
        assert!(lint(&text.replace("bob:hunter2", "user:${API_PASSWORD}")).is_empty());
        assert!(lint(&text.replace("bob:hunter2", "user:${P:-}")).is_empty());
        assert_eq!(lint(&text.replace("bob:hunter2", "${U}:hunter2")).len(), 1);
        assert_eq!(lint(&text.replace("bob:hunter2", "bob:${P}x")).len(), 1);
        // Without a `:`, the whole of it may be a token (GitHub's way).
        assert_eq!(
            lint(&text.replace("bob:hunter2", "ghp_abcdef123456")).len(),
            1
        );
        assert!(lint(&text.replace("bob:hunter2", "${GH_TOKEN}")).is_empty());
    }

    #[test]
    fn an_env_file_others_can_read_or_another_user_owns_is_found() {
        let path = Path::new("/srv/.env");
        assert!(env_file(path, 0o100600, 1000, 1000).is_empty());
        assert!(env_file(path, 0o600, 0, 1000).is_empty());
        let found = env_file(path, 0o644, 1000, 1000);
        assert_eq!(
            found[0].message,
            "the env file is readable by its group and every other user (mode 644)"
        );
        assert_eq!(
            found[0].help.as_deref(),
            Some(
                "`chmod 600 /srv/.env`: it holds secrets only the user running jobrun should read"
            )
        );
        let found = env_file(path, 0o600, 1001, 1000);
        assert_eq!(
            found[0].message,
            "the env file is owned by another user (uid 1001, jobrun runs as uid 1000)"
        );
    }

    #[test]
    fn log2_agrees_with_the_standard_librarys() {
        for x in [1.0, 0.5, 0.3, 1.0 / 3.0, 0.01, 0.999, 1e-6, 2.0, 1.9999] {
            assert!((log2(x) - x.log2()).abs() < 1e-12, "{x}");
        }
    }
}
