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

    /// A size in bytes, more than 0 and at most `max`: a number of bytes
    /// or a string with a unit.
    pub(super) fn size(&mut self, node: &Node, key: &str, max: u64) -> Option<Spanned<u64>> {
        let out_of_range = || {
            let written = node.scalar_text().unwrap_or_default();
            Diagnostic::error(
                format!(
                    "`{key}` must be more than 0 and at most {}, found `{}`",
                    size::format(max),
                    written.trim()
                ),
                node.span,
            )
            .with_help(format!(
                "write the most bytes to read, from 1 to {}, such as `{key}: 1 MiB`",
                size::format(max)
            ))
        };
        let problem = match &node.value {
            Value::Int(bytes) if *bytes > 0 && (1..=max).contains(&(*bytes as u64)) => {
                return Some(Spanned {
                    value: *bytes as u64,
                    span: node.span,
                });
            }
            Value::Int(_) => out_of_range(),
            Value::Str(text) => match size::parse(text) {
                Ok(value) if (1..=max).contains(&value) => {
                    return Some(Spanned {
                        value,
                        span: node.span,
                    });
                }
                Ok(_) => out_of_range(),
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

    /// A whole number from `min` to `max`, both included: every count a
    /// job file holds has a range, and its error states it.
    pub(super) fn count(
        &mut self,
        node: &Node,
        key: &str,
        min: u32,
        max: u32,
    ) -> Option<Spanned<u32>> {
        if let Value::Int(i) = node.value
            && (i64::from(min)..=i64::from(max)).contains(&i)
        {
            return Some(Spanned {
                value: i as u32,
                span: node.span,
            });
        }
        let range = format!("a whole number from {min} to {max}");
        let problem = match &node.value {
            // `retries: "3"`: a number in quotes is a string in YAML, and
            // saying "found `3`" would not tell what is wrong.
            Value::Str(text) if text.trim().parse::<u64>().is_ok() => Diagnostic::error(
                format!(
                    "`{key}` must be {range}, found the string `{}`",
                    serde_json::to_string(text).unwrap_or_default()
                ),
                node.span,
            )
            .with_help(format!("write it without quotes, `{key}: {}`", text.trim())),
            _ => Diagnostic::error(
                format!("`{key}` must be {range}, found {}", describe(node)),
                node.span,
            )
            .with_help(format!(
                "write a whole number from {min} to {max}, or remove the key for its default"
            )),
        };
        self.problems.push(problem);
        None
    }

    /// A duration more than 0 and at most `max`: a number of milliseconds
    /// or a string with units.
    pub(super) fn duration(
        &mut self,
        node: &Node,
        key: &str,
        max: Duration,
    ) -> Option<Spanned<Duration>> {
        let zero = format!(
            "`{key}` must be more than 0 and at most {}, found `{}`",
            duration::format(max),
            node.scalar_text().unwrap_or_default().trim()
        );
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
        let help = match parsed {
            Ok(value) if value <= max => {
                return Some(Spanned {
                    value,
                    span: node.span,
                });
            }
            // Past its bound, a duration would overflow the clock's
            // arithmetic when the job runs, or hold a run (or catch-up's
            // search) for ever.
            Ok(_) => {
                let written = node.scalar_text().unwrap_or_default();
                self.problems.push(
                    Diagnostic::error(
                        format!(
                            "`{key}` must be at most {}, found `{}`",
                            duration::format(max),
                            written.trim()
                        ),
                        node.span,
                    )
                    .with_help(format!(
                        "write a duration from 1ms to {}, or remove the key for its default",
                        duration::format(max)
                    )),
                );
                return None;
            }
            Err(message) => {
                let help = (message == zero).then(|| {
                    "write a duration such as \"30s\" (or milliseconds, such as 30000), or remove the key for its default".to_string()
                });
                Diagnostic::error(message, node.span).with_help_opt(help)
            }
        };
        self.problems.push(help);
        None
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

    fn only(text: &str) -> String {
        let found = problems(text);
        assert_eq!(found.len(), 1, "{found:?}");
        found[0].message.clone()
    }

    #[test]
    fn durations_past_their_bound_are_refused_naming_it() {
        for (key, max) in [
            ("timeout", "24h"),
            ("deadline", "168h"),
            ("retryDelay", "24h"),
            ("maxRetryDelay", "24h"),
            ("catchUp", "9600h"),
        ] {
            assert_eq!(
                only(&format!(
                    "jobs:\n  - name: a\n    {key}: \"5124095576030431h\"\n"
                )),
                format!("`{key}` must be at most {max}, found `5124095576030431h`"),
            );
        }
        assert_eq!(
            only("global:\n  defaultTimeout: 86400001\njobs:\n  - name: a\n"),
            "`defaultTimeout` must be at most 24h, found `86400001`"
        );
        assert_eq!(
            only(
                "jobs:\n  - name: a\n    notify:\n      onFailure: {url: \"https://e.com\", timeout: 6m}\n"
            ),
            "`timeout` must be at most 5m, found `6m`"
        );
        assert_eq!(
            only("global:\n  notify:\n    cooldown: 10000h\njobs:\n  - name: a\n"),
            "`cooldown` must be at most 9600h, found `10000h`"
        );
        assert_eq!(
            only("jobs:\n  - name: a\n    timeout: 99999999999999999999h\n"),
            "`timeout` must be at most 24h, found `99999999999999999999h`"
        );
        assert!(problems("jobs:\n  - name: a\n    timeout: 24h\n    catchUp: 9600h\n").is_empty());
    }

    #[test]
    fn every_count_states_its_range_and_a_string_is_called_one() {
        for (key, range, value, found) in [
            ("retries", "from 0 to 100", "101", "`101`"),
            ("retries", "from 0 to 100", "-1", "`-1`"),
            ("retries", "from 0 to 100", "2.5", "`2.5`"),
            ("retries", "from 0 to 100", "\"3\"", "the string `\"3\"`"),
            ("historyLimit", "from 1 to 100000", "0", "`0`"),
            ("historyLimit", "from 1 to 100000", "100001", "`100001`"),
            ("historyLimit", "from 1 to 100000", "[1]", "a list"),
        ] {
            assert_eq!(
                only(&format!("jobs:\n  - name: a\n    {key}: {value}\n")),
                format!("`{key}` must be a whole number {range}, found {found}"),
            );
        }
        assert_eq!(
            only("jobs:\n  - name: a\n    dependsOn: {job: b, windowMinutes: 600000}\n"),
            "`windowMinutes` must be a whole number from 1 to 576000, found `600000`"
        );
        assert_eq!(
            only("global:\n  defaultRetries: \"3\"\njobs:\n  - name: a\n"),
            "`defaultRetries` must be a whole number from 0 to 100, found the string `\"3\"`"
        );
        let found = problems("jobs:\n  - name: a\n    retries: \"3\"\n");
        assert_eq!(
            found[0].help.as_deref(),
            Some("write it without quotes, `retries: 3`")
        );
    }

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
