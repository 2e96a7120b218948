//! Checking what a response must be for the run to succeed:
//! `expectStatus` and `expectBodyContains`.

use crate::diagnostic::{Diagnostic, Span};
use crate::job::template::Template;
use crate::job::{Expect, Method};
use crate::jobfile::schema::{JobEntry, StatusItem, Text};

use super::Checker;

impl Checker<'_> {
    /// The job's expectations. `None` when one of them has an error.
    pub(super) fn expect(&mut self, entry: &JobEntry, method: Option<Method>) -> Option<Expect> {
        let status = match &entry.expect_status {
            None => Some(Vec::new()),
            Some(items) => {
                let ranges: Vec<Option<(u16, u16)>> =
                    items.iter().map(|item| self.status(item)).collect();
                ranges.into_iter().collect()
            }
        };
        let body_contains = match &entry.expect_body_contains {
            None => Some(None),
            Some(text) => self.body_contains(text, method).map(Some),
        };
        Some(Expect {
            status: status?,
            body_contains: body_contains?,
        })
    }

    /// One `expectStatus` item as an inclusive range.
    fn status(&mut self, item: &StatusItem) -> Option<(u16, u16)> {
        const HELP: &str =
            "write a status such as 200, a class such as \"2xx\" or a range such as \"200-204\"";
        let not_status = |what: &str, span: Span| {
            Diagnostic::error(format!("`{what}` is not an HTTP status"), span)
                .with_help("statuses run from 100 to 599 (RFC 9110 section 15)")
        };
        let text = match item {
            StatusItem::Code(code) => {
                return match u16::try_from(code.value) {
                    Ok(c @ 100..=599) => Some((c, c)),
                    _ => {
                        self.diagnostics
                            .push(not_status(&code.value.to_string(), code.span));
                        None
                    }
                };
            }
            StatusItem::Text(text) => text,
        };
        let value = text.value.as_str();
        // A whole number in 100..=599 at `offset` characters into the text.
        let mut code = |part: &str, offset: usize| -> Option<u16> {
            let lead = part.len() - part.trim_start().len();
            let part = part.trim();
            let span = text.span_at(offset + lead, part.chars().count());
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                self.diagnostics.push(
                    Diagnostic::error(format!("`{value}` is not a status"), span).with_help(HELP),
                );
                return None;
            }
            match part.parse::<u16>() {
                Ok(c @ 100..=599) => Some(c),
                _ => {
                    self.diagnostics.push(not_status(part, span));
                    None
                }
            }
        };
        let class = value.as_bytes();
        if class.len() == 3 && class[0].is_ascii_digit() && class[1..].eq_ignore_ascii_case(b"xx") {
            return match class[0] - b'0' {
                d @ 1..=5 => Some((u16::from(d) * 100, u16::from(d) * 100 + 99)),
                _ => {
                    self.diagnostics.push(
                        Diagnostic::error(format!("`{value}` is not a status class"), text.span)
                            .with_help("classes run from `1xx` to `5xx`"),
                    );
                    None
                }
            };
        }
        let Some(dash) = value.find('-') else {
            let c = code(value, 0)?;
            return Some((c, c));
        };
        let lo = code(&value[..dash], 0);
        let hi = code(&value[dash + 1..], value[..=dash].chars().count());
        let (lo, hi) = (lo?, hi?);
        if lo > hi {
            self.diagnostics.push(
                Diagnostic::error(format!("the range `{value}` runs backwards"), text.span)
                    .with_help(format!("write the lower status first: `{hi}-{lo}`")),
            );
            return None;
        }
        Some((lo, hi))
    }

    fn body_contains(&mut self, text: &Text, method: Option<Method>) -> Option<Template> {
        if text.value.is_empty() {
            self.diagnostics.push(
                Diagnostic::error("`expectBodyContains` cannot be empty", text.span)
                    .with_help("give the text the response body must contain, or remove the key"),
            );
            return None;
        }
        if method == Some(Method::Head) {
            self.diagnostics.push(
                Diagnostic::warning(
                    "`expectBodyContains` fails every HEAD request: the response has no body",
                    text.span,
                )
                .with_help("use GET to check the body, or remove `expectBodyContains`"),
            );
        }
        self.template(text, "`expectBodyContains`")
    }
}

#[cfg(test)]
mod tests {
    use crate::diagnostic::{Severity, Span};
    use crate::jobfile::validate::tests::{file, job, problem, problems};

    #[test]
    fn expect_status_takes_codes_classes_and_ranges() {
        let job = job("    expectStatus: [200, \"3xx\", \"204\", \"400-404\", \"5XX\"]\n");
        assert_eq!(
            job.expect.status,
            vec![(200, 200), (300, 399), (204, 204), (400, 404), (500, 599)]
        );
        assert!(job.expect.status_ok(403));
        assert!(!job.expect.status_ok(201));
    }

    #[test]
    fn expect_status_takes_a_single_value() {
        assert_eq!(
            job("    expectStatus: 204\n").expect.status,
            vec![(204, 204)]
        );
        assert_eq!(
            job("    expectStatus: \"2xx\"\n").expect.status,
            vec![(200, 299)]
        );
    }

    #[test]
    fn expect_status_out_of_range_points_at_the_item() {
        let found = problem(&file("    expectStatus: [200, 600]\n"));
        assert_eq!(found.message, "`600` is not an HTTP status");
        assert_eq!(found.span, Some(Span::new(5, 25, 3)));
        assert_eq!(
            found.help.as_deref(),
            Some("statuses run from 100 to 599 (RFC 9110 section 15)")
        );
    }

    #[test]
    fn expect_status_range_end_out_of_range_points_inside_the_range() {
        let found = problem(&file("    expectStatus: \"200-700\"\n"));
        assert_eq!(found.message, "`700` is not an HTTP status");
        assert_eq!(found.span, Some(Span::new(5, 24, 3)));
    }

    #[test]
    fn backwards_expect_status_range_is_an_error() {
        let found = problem(&file("    expectStatus: \"204-200\"\n"));
        assert_eq!(found.message, "the range `204-200` runs backwards");
        assert_eq!(found.span, Some(Span::new(5, 19, 9)));
        assert_eq!(
            found.help.as_deref(),
            Some("write the lower status first: `200-204`")
        );
    }

    #[test]
    fn unknown_expect_status_words_and_classes_are_errors() {
        let found = problem(&file("    expectStatus: ok\n"));
        assert_eq!(found.message, "`ok` is not a status");
        assert_eq!(
            found.help.as_deref(),
            Some(
                "write a status such as 200, a class such as \"2xx\" or a range such as \"200-204\""
            )
        );
        let found = problem(&file("    expectStatus: 6xx\n"));
        assert_eq!(found.message, "`6xx` is not a status class");
        let found = problem(&file("    expectStatus: [200, true]\n"));
        assert_eq!(
            found.message,
            "`expectStatus` takes statuses such as 200 or \"2xx\", found a boolean"
        );
        assert_eq!(found.span, Some(Span::new(5, 25, 4)));
    }

    #[test]
    fn every_bad_expect_status_item_is_reported() {
        assert_eq!(
            problems(&file("    expectStatus: [99, \"2xy\", \"300-250\"]\n")).len(),
            3
        );
    }

    #[test]
    fn empty_expect_status_list_is_an_error() {
        let found = problem(&file("    expectStatus: []\n"));
        assert_eq!(found.message, "`expectStatus` cannot be an empty list");
        assert_eq!(found.span, Some(Span::new(5, 19, 1)));
    }

    #[test]
    fn expect_body_contains_is_a_template() {
        let job = job("    expectBodyContains: \"ok ${RUN_ID}\"\n");
        assert_eq!(
            job.expect
                .body_contains
                .as_ref()
                .unwrap()
                .placeholders()
                .count(),
            1
        );
        assert!(job.required_variables().contains("RUN_ID"));
    }

    #[test]
    fn empty_expect_body_contains_is_an_error() {
        let found = problem(&file("    expectBodyContains: \"\"\n"));
        assert_eq!(found.message, "`expectBodyContains` cannot be empty");
        let found = problem(&file("    expectBodyContains: 5\n"));
        assert_eq!(
            found.message,
            "`expectBodyContains` must be a string, found an integer"
        );
    }

    #[test]
    fn expect_body_contains_on_head_is_a_warning() {
        let found = problem(&file("    method: HEAD\n    expectBodyContains: ok\n"));
        assert_eq!(found.severity, Severity::Warning);
        assert_eq!(
            found.message,
            "`expectBodyContains` fails every HEAD request: the response has no body"
        );
        assert_eq!(found.span, Some(Span::new(6, 25, 2)));
    }
}
