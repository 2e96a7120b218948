//! `run --as-curl`: the job's request as a curl command line that is safe
//! to paste. Secret values stay `${VAR}` references for the shell to fill
//! in; everything else is written out and single-quoted.
//!
//! Safety rests on one rule: the only shell expansions in the command are
//! references jobrun made itself, each from a placeholder's name (already
//! checked to be `[A-Za-z_][A-Za-z0-9_]*`). Text from the job file or from a
//! variable's value is only ever single-quoted, whatever it contains.

use crate::http::request::{self, Prepared};
use crate::job::builtin;
use crate::job::template::{Part, Template, is_name};
use crate::job::{Body, Job, MAX_REDIRECTS, Method, Redirects};
use crate::vars::mask::{self, Secrets};

/// A piece of one shell word: text written out, or a variable the shell
/// fills in.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Reference(String),
}

/// The curl command for `job`, given the request jobrun would send: `#`
/// comment lines saying where it differs from jobrun, then the command.
pub(crate) fn command(
    job: &Job,
    prepared: &Prepared,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> String {
    let secrets = &prepared.secrets;
    let mut notes: Vec<String> = Vec::new();
    // One option per line, with its value.
    let mut args: Vec<String> = vec!["curl".into()];
    match (prepared.method, &prepared.body) {
        (Method::Get, _) => {}
        (Method::Head, _) => args.push("--head".into()),
        // `--data-raw` implies POST, and leaves curl free to turn it into
        // GET on a 301, 302 or 303 as jobrun does; `--request POST` would
        // keep POST there.
        (Method::Post, Some(_)) => {}
        (other, _) => args.push(format!("--request {}", other.as_str())),
    }
    args.push(format!("--max-time {}", seconds(job.timeout)));
    match job.request.redirects {
        Redirects::None => {}
        // Without `--location`: curl would follow a redirect to another
        // origin too, with the job's headers.
        Redirects::SameOrigin => notes.push(format!(
            "# jobrun follows same-origin redirects (up to {MAX_REDIRECTS}); this command follows none"
        )),
        Redirects::CrossOrigin => {
            notes.push(
                "# jobrun sends the job's headers only to the job's own origin; curl sends them (but for Authorization and Cookie) wherever a redirect leads"
                    .into(),
            );
            args.push(format!("--location --max-redirs {MAX_REDIRECTS}"));
        }
    }
    if let Some((path, _)) = &job.request.ca_file {
        let path = vec![Piece::Text(path.display().to_string())];
        args.push(format!("--cacert {}", quote(&path, secrets)));
    }
    for header in &prepared.headers {
        // curl makes it from the URL's userinfo itself.
        if header.from_userinfo {
            continue;
        }
        let template = job.request.header(&header.name);
        let sensitive = mask::is_sensitive_header(&header.name);
        let value = match template {
            Some(template) if sensitive && template.is_literal() => {
                let shown = secrets.header_value(&header.name, &header.value);
                if shown != header.value {
                    notes.push(masked_note(&format!("the {} header", header.name)));
                }
                vec![Piece::Text(shown.into_owned())]
            }
            Some(template) => render(template, lookup, sensitive, secrets, None),
            None => vec![Piece::Text(header.value.clone())],
        };
        // curl(1) `--header`: `Name:` with nothing after it removes the
        // header; `Name;` sends it empty.
        let mut line = vec![Piece::Text(header.name.clone())];
        if is_empty(&value) {
            line.push(Piece::Text(";".into()));
        } else {
            line.push(Piece::Text(": ".into()));
            line.extend(value);
        }
        if masks(&line, secrets) {
            notes.push(masked_note(&format!("the {} header", header.name)));
        }
        args.push(format!("--header {}", quote(&line, secrets)));
    }
    if let Some(sent) = &prepared.body {
        // curl adds `Content-Type: application/x-www-form-urlencoded` to
        // `--data-raw`; jobrun sends the body with no type unless the job
        // gives one.
        let typed = prepared
            .headers
            .iter()
            .any(|h| h.name.eq_ignore_ascii_case("content-type"));
        if !typed {
            args.push("--header 'Content-Type:'".into());
        }
        let body = match &job.request.body {
            Some(Body::Json(data)) => json(data, lookup, secrets, &mut notes),
            Some(Body::Text(template)) => render(template, lookup, false, secrets, None),
            None => vec![Piece::Text(sent.clone())],
        };
        if masks(&body, secrets) {
            notes.push(masked_note("the body"));
        }
        args.push(format!("--data-raw {}", quote(&body, secrets)));
    }
    let url = render(
        &job.request.url,
        lookup,
        false,
        secrets,
        Some(&|v| v.replace('#', "%23")),
    );
    if masks(&url, secrets) {
        notes.push(masked_note("the URL"));
    }
    args.push(quote(&url, secrets));
    notes.dedup();
    notes.push(args.join(" \\\n  "));
    notes.join("\n")
}

/// Whether writing `pieces` out masks a secret in their text: one written
/// in the job file rather than taken from a variable.
fn masks(pieces: &[Piece], secrets: &Secrets) -> bool {
    pieces
        .iter()
        .any(|p| matches!(p, Piece::Text(t) if secrets.mask(t) != t.as_str()))
}

fn masked_note(what: &str) -> String {
    format!("# {what} holds a secret written in the job file, shown as ***: fill it in by hand")
}

/// `template` as pieces: a reference for each secret variable (or every
/// variable when `all`) whose value is not empty (a variable is secret by
/// its name, or because its value is one of `secrets`, such as a value read
/// from a `_FILE`), built-ins and other values
/// written out. `adjust` is applied to values written out, as jobrun
/// applies it to the values it sends.
fn render(
    template: &Template,
    lookup: &dyn Fn(&str) -> Option<String>,
    all: bool,
    secrets: &Secrets,
    adjust: Option<&dyn Fn(&str) -> String>,
) -> Vec<Piece> {
    let mut pieces = Vec::new();
    for part in template.parts() {
        let placeholder = match part {
            Part::Literal(text) => {
                pieces.push(Piece::Text(text.clone()));
                continue;
            }
            Part::Var(placeholder) => placeholder,
        };
        let name = placeholder.name.as_str();
        let value = lookup(name);
        let value = match (value, &placeholder.default) {
            // sh(1) and jobrun: `:-` treats set-but-empty like unset.
            (Some(v), Some(default)) if v.is_empty() => {
                pieces.push(Piece::Text(default.clone()));
                continue;
            }
            (Some(v), _) => v,
            (None, Some(default)) => {
                pieces.push(Piece::Text(default.clone()));
                continue;
            }
            // Prepared::new has already refused an unset variable; let the
            // shell say so too.
            (None, None) => String::new(),
        };
        let reference = !builtin::NAMES.contains(&name)
            && (all || mask::is_sensitive_variable(name) || secrets.is_secret(&value))
            && is_name(name);
        if reference && !value.is_empty() {
            pieces.push(Piece::Reference(name.to_string()));
        } else {
            let value = adjust.map_or_else(|| value.clone(), |f| f(&value));
            pieces.push(Piece::Text(value));
        }
    }
    pieces
}

/// The JSON body as pieces. [`request::write_json`] writes the JSON, so it
/// is the JSON jobrun sends; the references pass through it in a private
/// encoding (see [`encode`]) that JSON leaves as it is.
fn json(
    data: &crate::job::Data,
    lookup: &dyn Fn(&str) -> Option<String>,
    secrets: &Secrets,
    notes: &mut Vec<String>,
) -> Vec<Piece> {
    let mut out = String::new();
    let _ = request::write_json::<()>(data, &mut out, &mut |template| {
        let pieces = render(template, lookup, false, secrets, None);
        for piece in &pieces {
            if let Piece::Reference(name) = piece {
                let value = lookup(name).unwrap_or_default();
                let note = format!(
                    "# the value of {name} needs escaping in JSON, which the shell does not do: this body is not what jobrun sends"
                );
                if needs_json_escape(&value) && !notes.contains(&note) {
                    notes.push(note);
                }
            }
        }
        Ok(encode(&pieces))
    });
    decode(&out)
}

/// Whether JSON writes `value` differently inside a string (RFC 8259
/// section 7: quotation mark, reverse solidus and control characters).
fn needs_json_escape(value: &str) -> bool {
    value.chars().any(|c| c == '"' || c == '\\' || c < ' ')
}

/// Private-use characters that delimit a token in [`encode`]d text.
const OPEN: char = '\u{E000}';
const CLOSE: char = '\u{E001}';

/// Pieces as one string, to pass through the JSON writer: a reference is
/// `OPEN name CLOSE`, and an `OPEN` or `CLOSE` in the text is escaped as
/// `OPEN 0 CLOSE` or `OPEN 1 CLOSE` (a name never starts with a digit), so
/// text can never read back as a reference.
fn encode(pieces: &[Piece]) -> String {
    let mut out = String::new();
    for piece in pieces {
        match piece {
            Piece::Text(text) => {
                for c in text.chars() {
                    match c {
                        OPEN => out.extend([OPEN, '0', CLOSE]),
                        CLOSE => out.extend([OPEN, '1', CLOSE]),
                        c => out.push(c),
                    }
                }
            }
            Piece::Reference(name) => {
                out.push(OPEN);
                out.push_str(name);
                out.push(CLOSE);
            }
        }
    }
    out
}

/// The pieces of [`encode`]d text. A token that is neither an escape nor a
/// name stays text.
fn decode(text: &str) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut literal = String::new();
    let mut rest = text;
    while let Some(open) = rest.find(OPEN) {
        literal.push_str(&rest[..open]);
        let after = &rest[open + OPEN.len_utf8()..];
        let Some(close) = after.find(CLOSE) else {
            literal.push_str(&rest[open..]);
            rest = "";
            break;
        };
        match &after[..close] {
            "0" => literal.push(OPEN),
            "1" => literal.push(CLOSE),
            name if is_name(name) => {
                if !literal.is_empty() {
                    pieces.push(Piece::Text(std::mem::take(&mut literal)));
                }
                pieces.push(Piece::Reference(name.to_string()));
            }
            _ => literal.push_str(&rest[open..open + OPEN.len_utf8() + close + CLOSE.len_utf8()]),
        }
        rest = &after[close + CLOSE.len_utf8()..];
    }
    literal.push_str(rest);
    if !literal.is_empty() {
        pieces.push(Piece::Text(literal));
    }
    pieces
}

fn is_empty(pieces: &[Piece]) -> bool {
    pieces
        .iter()
        .all(|p| matches!(p, Piece::Text(text) if text.is_empty()))
}

/// One shell word: text single-quoted (with any secret in it masked),
/// references double-quoted so the shell expands them and nothing else.
fn quote(pieces: &[Piece], secrets: &Secrets) -> String {
    let mut out = String::new();
    let mut text = String::new();
    for piece in pieces {
        match piece {
            Piece::Text(t) => text.push_str(t),
            Piece::Reference(name) => {
                push_literal(&mut out, &std::mem::take(&mut text), secrets);
                debug_assert!(is_name(name));
                out.push_str(&format!("\"${{{name}}}\""));
            }
        }
    }
    push_literal(&mut out, &text, secrets);
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
    if ms.is_multiple_of(1000) {
        (ms / 1000).to_string()
    } else {
        format!("{}.{:03}", ms / 1000, ms % 1000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(t: &str) -> Piece {
        Piece::Text(t.into())
    }

    #[test]
    fn references_are_double_quoted_and_literals_single_quoted() {
        let pieces = [
            text("Authorization: Bearer "),
            Piece::Reference("JWT_TOKEN".into()),
        ];
        assert_eq!(
            quote(&pieces, &Secrets::default()),
            r#"'Authorization: Bearer '"${JWT_TOKEN}""#
        );
        assert_eq!(quote(&[text("it's")], &Secrets::default()), r"'it'\''s'");
        assert_eq!(
            quote(&[text("https://h/x")], &Secrets::default()),
            "https://h/x"
        );
        assert_eq!(quote(&[], &Secrets::default()), "''");
    }

    #[test]
    fn literal_secrets_are_masked() {
        let mut secrets = Secrets::default();
        secrets.add("hunter2");
        assert_eq!(quote(&[text("pw=hunter2")], &secrets), "'pw=***'");
    }

    #[test]
    fn marker_characters_in_text_never_read_back_as_references() {
        let forged =
            format!("a {OPEN}X:-$(echo INJECTED){CLOSE} {OPEN}JWT_TOKEN{CLOSE} {OPEN}0{CLOSE} b");
        let pieces = vec![text(&forged), Piece::Reference("REAL_TOKEN".into())];
        let decoded = decode(&encode(&pieces));
        assert_eq!(
            decoded,
            vec![text(&forged), Piece::Reference("REAL_TOKEN".into())]
        );
        let quoted = quote(&decoded, &Secrets::default());
        assert_eq!(quoted, format!("'{forged}'\"${{REAL_TOKEN}}\""));
    }

    #[test]
    fn a_token_that_is_not_a_name_stays_text() {
        let bad = format!("{OPEN}X:-$(id){CLOSE}");
        assert_eq!(decode(&bad), vec![text(&bad)]);
        let open = format!("x{OPEN}y");
        assert_eq!(decode(&open), vec![text(&open)]);
    }
}
