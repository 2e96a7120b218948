//! Scalars resolved with the YAML 1.2 core schema, as js-yaml 4 resolves
//! them, and the tags understood (only the core ones).

use std::borrow::Cow;

use saphyr_parser::{ScalarStyle, Tag};

use super::{Node, Step, Value, node};
use crate::diagnostic::{Diagnostic, Span};

pub(super) fn check_collection_tag(tag: Option<&Tag>, expected: &str, span: Span) -> Step {
    match tag {
        None => Ok(()),
        Some(tag) if tag.is_yaml_core_schema() && tag.suffix == expected => Ok(()),
        Some(tag) => Err(vec![unsupported_tag(tag, span)]),
    }
}

fn unsupported_tag(tag: &Tag, span: Span) -> Diagnostic {
    Diagnostic::error(
        format!("unsupported YAML tag `{}{}`", tag.handle, tag.suffix),
        span,
    )
    .with_help("remove the tag; only the core tags such as `!!str` are understood")
}

/// The parser's text as a string of its exact size: the parser's own
/// buffers carry spare capacity that would stay alive in the tree. Copied,
/// not shrunk in place: shrinking leaves a small free piece behind each
/// string, which malloc then spends its time sorting through (`validate`
/// of a 10,000-job file took 4% more CPU time so, 9% where the jobs'
/// trees are kept, for the same instructions and more memory).
fn exact(text: Cow<'_, str>) -> String {
    String::from(&*text)
}

/// A scalar's value.
pub(super) fn scalar(
    text: Cow<'_, str>,
    style: ScalarStyle,
    tag: Option<&Tag>,
    span: Span,
) -> Result<Node, Vec<Diagnostic>> {
    let quoted = matches!(style, ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted);
    let value = match tag {
        Some(tag) if tag.is_yaml_core_schema() => match tag.suffix.as_str() {
            "str" => Value::Str(exact(text)),
            "int" | "float" | "bool" | "null" => {
                let value = resolve_plain(&text).unwrap_or(Value::Null);
                let fits = match (tag.suffix.as_str(), &value) {
                    ("int", Value::Int(_)) | ("bool", Value::Bool(_)) | ("null", Value::Null) => {
                        true
                    }
                    ("float", Value::Float(_)) => true,
                    ("null", _) | ("int" | "bool" | "float", Value::Null) => false,
                    ("float", Value::Int(i)) => {
                        return Ok(node(Value::Float(*i as f64), span, quoted));
                    }
                    _ => false,
                };
                if !fits {
                    return Err(vec![Diagnostic::error(
                        format!("`{text}` is not a valid `!!{}`", tag.suffix),
                        span,
                    )]);
                }
                value
            }
            _ => return Err(vec![unsupported_tag(tag, span)]),
        },
        Some(tag) => return Err(vec![unsupported_tag(tag, span)]),
        None if style == ScalarStyle::Plain => match resolve_plain(&text) {
            Some(value) => value,
            None => Value::Str(exact(text)),
        },
        None => Value::Str(exact(text)),
    };
    Ok(node(value, span, quoted))
}

/// The YAML 1.2 core schema's resolution of a plain scalar; `None` when it
/// is a string.
fn resolve_plain(text: &str) -> Option<Value> {
    Some(match text {
        "" | "~" | "null" | "Null" | "NULL" => Value::Null,
        "true" | "True" | "TRUE" => Value::Bool(true),
        "false" | "False" | "FALSE" => Value::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => Value::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => Value::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => Value::Float(f64::NAN),
        _ => return resolve_number(text),
    })
}

fn resolve_number(text: &str) -> Option<Value> {
    let first = text.as_bytes()[0];
    if !(first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.')) {
        return None;
    }
    if let Some(hex) = text.strip_prefix("0x") {
        if let Ok(i) = i64::from_str_radix(hex, 16) {
            return Some(Value::Int(i));
        }
    } else if let Some(oct) = text.strip_prefix("0o") {
        if let Ok(i) = i64::from_str_radix(oct, 8) {
            return Some(Value::Int(i));
        }
    } else if is_decimal_int(text) {
        return Some(match text.parse::<i64>() {
            Ok(i) => Value::Int(i),
            Err(_) => Value::Float(text.parse().unwrap_or(f64::NAN)),
        });
    } else if is_float(text)
        && let Ok(f) = text.parse::<f64>()
    {
        return Some(Value::Float(f));
    }
    None
}

fn is_decimal_int(text: &str) -> bool {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// `[-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?`
fn is_float(text: &str) -> bool {
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let (int, frac) = match mantissa.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (mantissa, None),
    };
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = all_digits(int)
        && frac.is_none_or(all_digits)
        && (!int.is_empty() || frac.is_some_and(|f| !f.is_empty()));
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && all_digits(e)
    });
    mantissa_ok && exponent_ok
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobfile::yaml::tests::{error, map, root};

    #[test]
    fn scalars_resolve_like_the_core_schema() {
        let doc = root(
            "a: 10\nb: '10'\nc: yes\nd: true\ne: ~\nf: 1.5\ng: 0x1F\nh: 1e3\ni: -7\nj: 1.2.3\n",
        );
        let values: Vec<_> = map(&doc).iter().map(|(_, v)| v.value.clone()).collect();
        assert_eq!(
            values,
            vec![
                Value::Int(10),
                Value::Str("10".into()),
                Value::Str("yes".into()),
                Value::Bool(true),
                Value::Null,
                Value::Float(1.5),
                Value::Int(31),
                Value::Float(1000.0),
                Value::Int(-7),
                Value::Str("1.2.3".into()),
            ]
        );
    }

    #[test]
    fn custom_tags_are_refused_and_str_tag_is_kept() {
        assert!(
            error("a: !secret x\n")
                .message
                .contains("unsupported YAML tag")
        );
        let doc = root("a: !!str 5\n");
        assert_eq!(map(&doc)[0].1.value, Value::Str("5".into()));
    }
}
