//! `run --as-curl`: the job's request as a curl command line that is safe
//! to paste. Secret values stay `${VAR}` references for the shell to fill
//! in; everything else is written out and single-quoted.

use crate::builtin;
use crate::interpolate::Template;
use crate::job::{Body, Job, Method, Redirects};
use crate::mask::{self, Secrets};
use crate::prepare::{self, Prepared};

/// Private-use characters marking a reference in rendered text; they cannot
/// come from a job file's placeholders' names.
const OPEN: char = '\u{E000}';
const CLOSE: char = '\u{E001}';

/// The curl command for `job`, given the request jobrun would send.
pub fn command(job: &Job, prepared: &Prepared, lookup: &dyn Fn(&str) -> Option<String>) -> String {
    let secrets = &prepared.secrets;
    // One option per line, with its value.
    let mut args: Vec<String> = vec!["curl".into()];
    match prepared.method {
        Method::Get => {}
        Method::Head => args.push("--head".into()),
        other => args.push(format!("--request {}", other.as_str())),
    }
    args.push(format!("--max-time {}", seconds(job.timeout)));
    if job.request.redirects != Redirects::None {
        args.push(format!(
            "--location --max-redirs {}",
            crate::job::MAX_REDIRECTS
        ));
    }
    if let Some((path, _)) = &job.request.ca_file {
        args.push(format!(
            "--cacert {}",
            quote(&path.display().to_string(), secrets)
        ));
    }
    for header in &prepared.headers {
        // curl makes it from the URL's userinfo itself.
        if header.from_userinfo {
            continue;
        }
        let template = job
            .request
            .headers
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(&header.name))
            .map(|(_, t)| t);
        let value = match template {
            Some(template) if mask::is_sensitive_header(&header.name) && template.is_literal() => {
                secrets
                    .header_value(&header.name, &header.value)
                    .into_owned()
            }
            Some(template) => {
                let all = mask::is_sensitive_header(&header.name);
                render(template, lookup, all)
            }
            None => header.value.clone(),
        };
        args.push(format!(
            "--header {}",
            quote(&format!("{}: {value}", header.name), secrets)
        ));
    }
    if prepared.body.is_some() {
        let body = match &job.request.body {
            Some(Body::Json(data)) => {
                let mut out = String::new();
                let _ = prepare::write_json::<()>(data, &mut out, &mut |t| {
                    Ok(render(t, lookup, false))
                });
                out
            }
            Some(Body::Text(template)) => render(template, lookup, false),
            None => String::new(),
        };
        args.push(format!("--data-raw {}", quote(&body, secrets)));
    }
    args.push(quote(&render(&job.request.url, lookup, false), secrets));
    args.join(" \\\n  ")
}

/// `template` rendered with references kept for secret variables (or for
/// every variable when `all`), built-ins always filled in.
fn render(template: &Template, lookup: &dyn Fn(&str) -> Option<String>, all: bool) -> String {
    let marked = |name: &str| {
        let value = lookup(name)?;
        let reference =
            !builtin::NAMES.contains(&name) && (all || mask::is_sensitive_variable(name));
        Some(if reference {
            format!("{OPEN}{name}{CLOSE}")
        } else {
            value
        })
    };
    template
        .render(&marked)
        .map(|r| r.text)
        .unwrap_or_else(|_| template.to_string())
}

/// One shell word: literal text single-quoted (with any secret in it
/// masked), references double-quoted so the shell expands them.
fn quote(text: &str, secrets: &Secrets) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(open) = rest.find(OPEN) {
        push_literal(&mut out, &rest[..open], secrets);
        let after = &rest[open + OPEN.len_utf8()..];
        let close = after.find(CLOSE).unwrap_or(after.len());
        out.push_str(&format!("\"${{{}}}\"", &after[..close]));
        rest = after.get(close + CLOSE.len_utf8()..).unwrap_or("");
    }
    push_literal(&mut out, rest, secrets);
    if out.is_empty() {
        out.push_str("''");
    }
    out
}

fn push_literal(out: &mut String, text: &str, secrets: &Secrets) {
    if text.is_empty() {
        return;
    }
    let masked = secrets.mask(text);
    let plain = masked
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_./:=@,+%".contains(c));
    if plain && out.is_empty() {
        out.push_str(&masked);
    } else {
        out.push('\'');
        out.push_str(&masked.replace('\'', r"'\''"));
        out.push('\'');
    }
}

fn seconds(duration: std::time::Duration) -> String {
    let ms = duration.as_millis();
    if ms % 1000 == 0 {
        (ms / 1000).to_string()
    } else {
        format!("{}.{:03}", ms / 1000, ms % 1000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_double_quoted_and_literals_single_quoted() {
        let marked = format!("Authorization: Bearer {OPEN}JWT_TOKEN{CLOSE}");
        assert_eq!(
            quote(&marked, &Secrets::default()),
            r#"'Authorization: Bearer '"${JWT_TOKEN}""#
        );
        assert_eq!(quote("it's", &Secrets::default()), r"'it'\''s'");
        assert_eq!(quote("https://h/x", &Secrets::default()), "https://h/x");
        assert_eq!(quote("", &Secrets::default()), "''");
    }

    #[test]
    fn literal_secrets_are_masked() {
        let mut secrets = Secrets::default();
        secrets.add("hunter2");
        assert_eq!(quote("pw=hunter2", &secrets), "'pw=***'");
    }
}
