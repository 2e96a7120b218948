//! Decoding one value of the kind its key takes: strings, booleans,
//! counts, durations, sizes, statuses, redirect policies and headers. A
//! value of another kind is a problem at its place.

use std::time::Duration;

use crate::diagnostic::Diagnostic;
use crate::job::Redirects;
use crate::job::duration;
use crate::job::size;
use crate::jobfile::schema::{HeaderEntry, RedirectsEntry, Spanned, StatusItem, Text};
use crate::jobfile::yaml::{Node, Value};

use super::Decoder;

impl Decoder {
    /// One status or a list of them.
    pub(super) fn expect_status(&mut self, node: &Node) -> Option<Vec<StatusItem>> {
        let items = match &node.value {
            Value::Seq(items) if items.is_empty() => {
                self.problems.push(
                    Diagnostic::error("`expectStatus` cannot be an empty list", node.span)
                        .with_help("list the statuses that mean success, such as `[200, 204]`, or remove the key to accept any 2xx"),
                );
                return None;
            }
            Value::Seq(items) => items.iter().collect(),
            _ => vec![node],
        };
        let mut out = Vec::with_capacity(items.len());
        for item in &items {
            match &item.value {
                Value::Int(code) => out.push(StatusItem::Code(Spanned {
                    value: *code,
                    span: item.span,
                })),
                Value::Str(_) => out.extend(self.text(item, "expectStatus").map(StatusItem::Text)),
                _ => self.problems.push(
                    Diagnostic::error(
                        format!(
                            "`expectStatus` takes statuses such as 200 or \"2xx\", found {}",
                            item.kind()
                        ),
                        item.span,
                    )
                    .with_help("write a status (200), a class (\"2xx\") or a range (\"200-204\"), or a list of them"),
                ),
            }
        }
        (out.len() == items.len()).then_some(out)
    }

    pub(super) fn size(&mut self, node: &Node, key: &str) -> Option<Spanned<u64>> {
        let zero = || {
            Diagnostic::error(format!("`{key}` must be more than 0"), node.span).with_help(format!(
                "write the most bytes to read, such as `{key}: 1 MiB`"
            ))
        };
        let problem = match &node.value {
            Value::Int(bytes) if *bytes > 0 => {
                return Some(Spanned {
                    value: *bytes as u64,
                    span: node.span,
                });
            }
            Value::Int(_) => zero(),
            Value::Str(text) => match size::parse(text) {
                Ok(0) => zero(),
                Ok(value) => {
                    return Some(Spanned {
                        value,
                        span: node.span,
                    });
                }
                Err(e) => Diagnostic::error(e.message, node.span).with_help(e.help),
            },
            _ => Diagnostic::error(
                format!(
                    "`{key}` must be bytes (such as 1048576) or a size (such as \"1 MiB\"), found {}",
                    node.kind()
                ),
                node.span,
            )
            .with_help(format!("write `{key}: 1 MiB`, `{key}: 512 KiB` or a number of bytes")),
        };
        self.problems.push(problem);
        None
    }

    pub(super) fn redirects(&mut self, node: &Node) -> Option<RedirectsEntry> {
        match &node.value {
            Value::Str(_) => self.text(node, "followRedirects").map(RedirectsEntry::Name),
            Value::Bool(value) => Some(RedirectsEntry::Bool(Spanned {
                value: *value,
                span: node.span,
            })),
            _ => {
                self.problems.push(
                    Diagnostic::error(
                        format!(
                            "`followRedirects` must be {}, true or false, found {}",
                            Redirects::NAMES
                                .iter()
                                .map(|n| format!("`{n}`"))
                                .collect::<Vec<_>>()
                                .join(", "),
                            node.kind()
                        ),
                        node.span,
                    )
                    .with_help("write `followRedirects: same-origin`, the default, or `none`"),
                );
                None
            }
        }
    }

    pub(super) fn headers(&mut self, node: &Node, what: &str) -> Vec<HeaderEntry> {
        if node.value == Value::Null {
            return Vec::new();
        }
        let Some(entries) = self.mapping(node, &format!("`{what}`")) else {
            return Vec::new();
        };
        entries
            .iter()
            .filter_map(|(key, value)| {
                let name = self.scalar_string(key, "a header name")?;
                let value = self.scalar_string(value, &format!("header `{}`", name.value))?;
                Some(HeaderEntry { name, value })
            })
            .collect()
    }

    /// A string-valued key. Numbers and booleans are refused: `name: 123` is
    /// more likely a slip than a name.
    pub(super) fn text(&mut self, node: &Node, key: &str) -> Option<Text> {
        match &node.value {
            Value::Str(s) => Some(Text {
                value: s.clone(),
                span: node.span,
                quoted: node.quoted,
            }),
            _ => {
                self.problems.push(
                    Diagnostic::error(
                        format!("`{key}` must be a string, found {}", node.kind()),
                        node.span,
                    )
                    .with_help("put the value in quotes"),
                );
                None
            }
        }
    }

    /// A string or any other scalar read as its text (header values such as
    /// `X-Count: 5`, which axios sent as "5").
    pub(super) fn scalar_string(&mut self, node: &Node, what: &str) -> Option<Text> {
        match node.scalar_text() {
            Some(value) if node.value != Value::Null => Some(Text {
                value,
                span: node.span,
                quoted: node.quoted,
            }),
            _ => {
                self.problems.push(
                    Diagnostic::error(
                        format!("{what} must be a single value, found {}", node.kind()),
                        node.span,
                    )
                    .with_help("write it as a string in quotes"),
                );
                None
            }
        }
    }

    pub(super) fn boolean(&mut self, node: &Node, key: &str) -> Option<bool> {
        match node.value {
            Value::Bool(b) => Some(b),
            _ => {
                self.problems.push(
                    Diagnostic::error(
                        format!("`{key}` must be true or false, found {}", node.kind()),
                        node.span,
                    )
                    .with_help(format!("write `{key}: true` or `{key}: false`")),
                );
                None
            }
        }
    }

    pub(super) fn count(&mut self, node: &Node, key: &str) -> Option<Spanned<u32>> {
        match node.value {
            Value::Int(i) if (0..=i64::from(u32::MAX)).contains(&i) => Some(Spanned {
                value: i as u32,
                span: node.span,
            }),
            _ => {
                self.problems.push(Diagnostic::error(
                    format!(
                        "`{key}` must be a whole number of at least 0, found {}",
                        describe(node)
                    ),
                    node.span,
                ));
                None
            }
        }
    }

    pub(super) fn duration(&mut self, node: &Node, key: &str) -> Option<Spanned<Duration>> {
        let zero = format!("`{key}` must be more than 0");
        let parsed = match &node.value {
            Value::Int(ms) if *ms > 0 => Ok(Duration::from_millis(*ms as u64)),
            Value::Int(_) => Err(zero.clone()),
            Value::Str(text) => match duration::parse(text) {
                Ok(d) if d.is_zero() => Err(zero.clone()),
                Ok(d) => Ok(d),
                Err(e) => Err(e.0),
            },
            _ => Err(format!(
                "`{key}` must be milliseconds (such as 30000) or a duration (such as \"30s\"), found {}",
                node.kind()
            )),
        };
        if let (Value::Int(ms @ 1..100), Ok(_)) = (&node.value, &parsed) {
            // The seed counts milliseconds; `timeout: 30` almost always
            // meant seconds, and would fail every request.
            self.problems.push(
                Diagnostic::warning(
                    format!(
                        "`{key}: {ms}` is {}",
                        crate::wording::plural(*ms as usize, "millisecond")
                    ),
                    node.span,
                )
                .with_help(format!(
                    "write `{key}: {ms}s` if you meant seconds; a bare number counts milliseconds"
                )),
            );
        }
        match parsed {
            Ok(value) => Some(Spanned {
                value,
                span: node.span,
            }),
            Err(message) => {
                let help = (message == zero).then(|| {
                    "write a duration such as \"30s\" (or milliseconds, such as 30000), or remove the key for its default".to_string()
                });
                self.problems
                    .push(Diagnostic::error(message, node.span).with_help_opt(help));
                None
            }
        }
    }
}

fn describe(node: &Node) -> String {
    match node.scalar_text() {
        Some(text) if node.value != Value::Null => format!("`{text}`"),
        _ => node.kind().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use crate::jobfile::decode::tests::problems;

    #[test]
    fn a_timeout_of_a_few_milliseconds_is_questioned() {
        let found = problems("jobs:\n  - name: a\n    timeout: 30\n    retries: 1\n");
        assert_eq!(found[0].message, "`timeout: 30` is 30 milliseconds");
        assert_eq!(found[0].severity, crate::diagnostic::Severity::Warning);
        assert!(problems("jobs:\n  - name: a\n    timeout: 30000\n").is_empty());
        let one = problems("jobs:\n  - name: a\n    timeout: 1\n    retries: 1\n");
        assert_eq!(one[0].message, "`timeout: 1` is 1 millisecond");
    }
}
