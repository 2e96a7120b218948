//! `${VAR}` placeholders in job file strings, parsed once and rendered
//! through a lookup the caller passes in (this module never reads the
//! process environment).
//!
//! The syntax is deliberately smaller than the shell's: `${NAME}`,
//! `${NAME:-default}` and `$$` for a literal `$`. Any other `$` is literal,
//! because URLs and JSON bodies are full of dollar signs that must survive
//! untouched; only `${` commits to a placeholder, so only `${` can be an error.
//!
//! Offsets are in chars, not bytes, so a diagnostic can put its caret under
//! the right column of a line holding non-ASCII text.

use std::fmt;

/// A parsed string: literal text and placeholders, in source order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Template {
    /// Never holds an empty literal, nor two literals in a row.
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Part {
    /// Text copied as is, with `$$` already turned into `$`.
    Literal(String),
    Var(Placeholder),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Placeholder {
    pub(crate) name: String,
    /// The text after `:-`, with `$$` already turned into `$`. Used when the
    /// variable is unset or empty, as `${NAME:-default}` does in sh(1).
    pub(crate) default: Option<String>,
    /// char offset of the `$` in the source string
    pub(crate) offset: usize,
    /// length in chars of the whole `${...}`
    pub(crate) len: usize,
}

/// What is wrong with a placeholder; [`TemplateError`] carries the words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TemplateErrorKind {
    /// `${` without a closing `}`.
    Unterminated,
    /// `${}` or `${:-default}`.
    EmptyName,
    /// A name that is not `[A-Za-z_][A-Za-z0-9_]*`, or something other than
    /// `}` or `:-` after it (`${A-B}`, `${A:B}`).
    InvalidName,
    /// `${` inside a default.
    NestedPlaceholder,
}

/// A malformed placeholder. Built from the template text only, never from a
/// variable's value, so it is safe to print.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub(crate) struct TemplateError {
    pub(crate) kind: TemplateErrorKind,
    pub(crate) message: String,
    pub(crate) help: Option<String>,
    /// char offset of the `$` that starts the culprit
    pub(crate) offset: usize,
    /// length in chars of the culprit
    pub(crate) len: usize,
}

/// A placeholder whose variable is unset and which has no default.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("variable `{name}` is not set")]
pub(crate) struct Unresolved {
    pub(crate) name: String,
    /// char offset of the `$` in the source string
    pub(crate) offset: usize,
    /// length in chars of the whole `${...}`
    pub(crate) len: usize,
}

impl Unresolved {
    pub(crate) fn help(&self) -> String {
        format!(
            "set `{name}` in the environment or the .env file, or give a default: `${{{name}:-default}}`",
            name = self.name
        )
    }
}

/// The result of [`Template::render`].
///
/// `Debug` is written by hand and redacted: both fields hold secret values,
/// and a stray `{:?}` or `unwrap_err()` must not print them.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Rendered {
    pub(crate) text: String,
    /// (name, value) of every substituted variable (not defaults), for
    /// masking later: once per name, in order of first use. Empty values
    /// are left out, since there is nothing to mask and a naive
    /// `replace("", ..)` would mangle the whole text.
    pub(crate) substituted: Vec<(String, String)>,
}

impl fmt::Debug for Rendered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self
            .substituted
            .iter()
            .map(|(name, _)| name.as_str())
            .collect();
        f.debug_struct("Rendered")
            .field(
                "text",
                &format_args!("<redacted, {} chars>", self.text.chars().count()),
            )
            .field("substituted", &names)
            .finish()
    }
}

/// The template as it would be written: `$` doubled only where a single one
/// would start a placeholder, so ordinary text reads as it was written.
impl fmt::Display for Template {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, part) in self.parts.iter().enumerate() {
            match part {
                Part::Literal(text) => {
                    let var_follows = matches!(self.parts.get(i + 1), Some(Part::Var(_)));
                    write_escaped(f, text, var_follows)?;
                }
                Part::Var(p) => {
                    write!(f, "${{{}", p.name)?;
                    if let Some(default) = &p.default {
                        f.write_str(":-")?;
                        write_escaped(f, default, false)?;
                    }
                    f.write_str("}")?;
                }
            }
        }
        Ok(())
    }
}

fn write_escaped(f: &mut fmt::Formatter<'_>, text: &str, var_follows: bool) -> fmt::Result {
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let next = chars.peek().copied();
        let needs_escape =
            c == '$' && (matches!(next, Some('{' | '$')) || (next.is_none() && var_follows));
        f.write_str(if needs_escape { "$$" } else { "" })?;
        if !needs_escape {
            write!(f, "{c}")?;
        }
    }
    Ok(())
}

impl Template {
    pub(crate) fn parse(source: &str) -> Result<Template, TemplateError> {
        // Nearly every string in a job file has no `$`; this is one memchr
        // scan and one copy, so a 10,000-job file pays almost nothing.
        if !source.contains('$') {
            return Ok(Template::literal(source));
        }
        Parser::default().run(source)
    }

    fn literal(text: &str) -> Template {
        let parts = if text.is_empty() {
            Vec::new()
        } else {
            vec![Part::Literal(text.to_owned())]
        };
        Template { parts }
    }

    pub(crate) fn parts(&self) -> &[Part] {
        &self.parts
    }

    pub(crate) fn placeholders(&self) -> impl Iterator<Item = &Placeholder> {
        self.parts.iter().filter_map(|part| match part {
            Part::Var(placeholder) => Some(placeholder),
            Part::Literal(_) => None,
        })
    }

    /// True when the template has no placeholders (it may still have had `$$`).
    pub(crate) fn is_literal(&self) -> bool {
        self.placeholders().next().is_none()
    }

    /// Render with a lookup. Returns the first placeholder that has no value
    /// and no default as Err.
    ///
    /// Values are inserted as they are, never parsed again: a secret that
    /// happens to contain `${X}` must not pull in another variable.
    pub(crate) fn render(
        &self,
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Rendered, Unresolved> {
        let mut text = String::new();
        let mut substituted: Vec<(String, String)> = Vec::new();
        for part in &self.parts {
            let placeholder = match part {
                Part::Literal(literal) => {
                    text.push_str(literal);
                    continue;
                }
                Part::Var(placeholder) => placeholder,
            };
            match (lookup(&placeholder.name), &placeholder.default) {
                // sh(1): `:-` treats set-but-empty like unset.
                (Some(value), Some(default)) if value.is_empty() => text.push_str(default),
                (Some(value), _) => {
                    text.push_str(&value);
                    if !value.is_empty()
                        && !substituted
                            .iter()
                            .any(|(name, _)| *name == placeholder.name)
                    {
                        substituted.push((placeholder.name.clone(), value));
                    }
                }
                (None, Some(default)) => text.push_str(default),
                (None, None) => {
                    return Err(Unresolved {
                        name: placeholder.name.clone(),
                        offset: placeholder.offset,
                        len: placeholder.len,
                    });
                }
            }
        }
        Ok(Rendered { text, substituted })
    }
}

const FORMS: &str = "write `${NAME}` or `${NAME:-default}`, where NAME is letters, digits and `_` and does not start with a digit; write `$$` for a literal `$`";

#[derive(Default)]
struct Parser {
    parts: Vec<Part>,
    literal: String,
}

impl Parser {
    fn run(mut self, source: &str) -> Result<Template, TemplateError> {
        let mut byte = 0;
        let mut offset = 0;
        while let Some(found) = source[byte..].find('$') {
            let before = &source[byte..byte + found];
            self.literal.push_str(before);
            offset += before.chars().count();
            byte += found;
            match source.as_bytes().get(byte + 1) {
                Some(b'$') => {
                    self.literal.push('$');
                    byte += 2;
                    offset += 2;
                }
                Some(b'{') => {
                    let (placeholder, bytes) = placeholder(source, byte, offset)?;
                    self.flush_literal();
                    offset += placeholder.len;
                    byte += bytes;
                    self.parts.push(Part::Var(placeholder));
                }
                // A bare `$NAME`, `$5` or trailing `$` is text, not a placeholder.
                _ => {
                    self.literal.push('$');
                    byte += 1;
                    offset += 1;
                }
            }
        }
        self.literal.push_str(&source[byte..]);
        self.flush_literal();
        Ok(Template { parts: self.parts })
    }

    fn flush_literal(&mut self) {
        if !self.literal.is_empty() {
            self.parts
                .push(Part::Literal(std::mem::take(&mut self.literal)));
        }
    }
}

/// Parse the placeholder whose `${` starts at byte `start`, char `offset`.
/// Returns it with its length in bytes.
fn placeholder(
    source: &str,
    start: usize,
    offset: usize,
) -> Result<(Placeholder, usize), TemplateError> {
    let body_start = start + 2;
    // Neither a name nor a default may contain `}`, so the first one closes.
    let Some(close) = source[body_start..].find('}') else {
        return Err(unterminated(offset));
    };
    let body = &source[body_start..body_start + close];
    let len = 2 + body.chars().count() + 1;
    let (name, default) = match body.find(":-") {
        Some(colon) => (&body[..colon], Some(&body[colon + 2..])),
        None => (body, None),
    };
    // `${A ${B}`: the `}` found belongs to a later placeholder, so the first
    // one was never closed.
    if name.contains("${") {
        return Err(unterminated(offset));
    }
    if name.is_empty() {
        return Err(TemplateError {
            kind: TemplateErrorKind::EmptyName,
            message: "placeholder has no variable name".to_owned(),
            help: Some(FORMS.to_owned()),
            offset,
            len,
        });
    }
    if !is_name(name) {
        return Err(TemplateError {
            kind: TemplateErrorKind::InvalidName,
            message: format!("`${{{body}}}` is not a valid placeholder"),
            help: Some(FORMS.to_owned()),
            offset,
            len,
        });
    }
    let default = match default {
        None => None,
        Some(raw) => {
            let default_offset = offset + 2 + name.chars().count() + 2;
            Some(unescape_default(raw, default_offset)?)
        }
    };
    let placeholder = Placeholder {
        name: name.to_owned(),
        default,
        offset,
        len,
    };
    Ok((placeholder, 2 + close + 1))
}

/// A default is literal text, except that `$$` is `$` as everywhere else.
fn unescape_default(raw: &str, offset: usize) -> Result<String, TemplateError> {
    let mut text = String::with_capacity(raw.len());
    let mut chars = raw.chars().enumerate().peekable();
    while let Some((index, c)) = chars.next() {
        if c != '$' {
            text.push(c);
            continue;
        }
        match chars.peek() {
            Some((_, '$')) => {
                chars.next();
                text.push('$');
            }
            Some((_, '{')) => {
                return Err(TemplateError {
                    kind: TemplateErrorKind::NestedPlaceholder,
                    message: "nested placeholders are not supported: a default is literal text"
                        .to_owned(),
                    help: Some(
                        "write the default out in full, or `$${` for a literal `${`".to_owned(),
                    ),
                    offset: offset + index,
                    len: 2,
                });
            }
            _ => text.push('$'),
        }
    }
    Ok(text)
}

fn unterminated(offset: usize) -> TemplateError {
    TemplateError {
        kind: TemplateErrorKind::Unterminated,
        message: "unterminated placeholder: `${` has no closing `}`".to_owned(),
        help: Some("close it with `}`, or write `$${` for a literal `${`".to_owned()),
        offset,
        len: 2,
    }
}

/// `[A-Za-z_][A-Za-z0-9_]*`: a variable's name, here and in the shell.
pub(crate) fn is_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn var(name: &str, default: Option<&str>, offset: usize, len: usize) -> Part {
        Part::Var(Placeholder {
            name: name.to_owned(),
            default: default.map(str::to_owned),
            offset,
            len,
        })
    }

    fn lit(text: &str) -> Part {
        Part::Literal(text.to_owned())
    }

    fn parts(source: &str) -> Vec<Part> {
        Template::parse(source).unwrap().parts().to_vec()
    }

    fn error(source: &str) -> TemplateError {
        Template::parse(source).unwrap_err()
    }

    /// Render with a fixed set of variables.
    fn render(source: &str, vars: &[(&str, &str)]) -> Result<String, Unresolved> {
        let lookup = |name: &str| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        };
        Template::parse(source)
            .unwrap()
            .render(&lookup)
            .map(|rendered| rendered.text)
    }

    #[test]
    fn plain_string_is_one_literal() {
        assert_eq!(
            parts("https://example.com/a?b=c"),
            [lit("https://example.com/a?b=c")]
        );
        assert!(Template::parse("plain").unwrap().is_literal());
    }

    #[test]
    fn empty_string_has_no_parts() {
        assert_eq!(parts(""), []);
        assert_eq!(render("", &[]).unwrap(), "");
    }

    #[test]
    fn placeholder_between_literals() {
        assert_eq!(parts("a${B}c"), [lit("a"), var("B", None, 1, 4), lit("c")]);
    }

    #[test]
    fn adjacent_placeholders_have_no_empty_literal_between() {
        assert_eq!(
            parts("${A}${B}"),
            [var("A", None, 0, 4), var("B", None, 4, 4)]
        );
    }

    #[test]
    fn names_allow_underscore_and_digits_after_the_first_char() {
        assert_eq!(parts("${_a1_B2}"), [var("_a1_B2", None, 0, 9)]);
    }

    #[test]
    fn default_is_parsed() {
        assert_eq!(parts("${A:-x y}"), [var("A", Some("x y"), 0, 9)]);
    }

    #[test]
    fn default_may_contain_colon_dash_and_braces_other_than_the_closing_one() {
        assert_eq!(parts("${A:-a:-b{c}"), [var("A", Some("a:-b{c"), 0, 12)]);
    }

    #[test]
    fn empty_default_renders_empty_when_unset() {
        assert_eq!(parts("${A:-}"), [var("A", Some(""), 0, 6)]);
        assert_eq!(render("<${A:-}>", &[]).unwrap(), "<>");
    }

    #[test]
    fn default_used_when_unset() {
        assert_eq!(render("${A:-fallback}", &[]).unwrap(), "fallback");
    }

    #[test]
    fn default_used_when_set_but_empty() {
        assert_eq!(render("${A:-fallback}", &[("A", "")]).unwrap(), "fallback");
    }

    #[test]
    fn value_wins_over_default_when_set() {
        assert_eq!(
            render("${A:-fallback}", &[("A", "value")]).unwrap(),
            "value"
        );
    }

    #[test]
    fn set_but_empty_without_default_renders_empty() {
        assert_eq!(render("<${A}>", &[("A", "")]).unwrap(), "<>");
    }

    #[test]
    fn double_dollar_is_a_literal_dollar() {
        assert_eq!(parts("cost: $$5"), [lit("cost: $5")]);
        assert!(Template::parse("$$").unwrap().is_literal());
    }

    #[test]
    fn double_dollar_before_brace_is_literal_placeholder_text() {
        assert_eq!(parts("$${X}"), [lit("${X}")]);
        assert_eq!(render("$${X}", &[("X", "no")]).unwrap(), "${X}");
    }

    #[test]
    fn triple_dollar_is_literal_dollar_then_placeholder() {
        assert_eq!(parts("$$${X}"), [lit("$"), var("X", None, 2, 4)]);
    }

    #[test]
    fn bare_dollar_name_is_literal() {
        assert_eq!(
            parts("$HOME and $1 and $ {A}"),
            [lit("$HOME and $1 and $ {A}")]
        );
        assert_eq!(render("$HOME", &[("HOME", "/root")]).unwrap(), "$HOME");
    }

    #[test]
    fn trailing_dollar_is_literal() {
        assert_eq!(parts("price$"), [lit("price$")]);
        assert_eq!(parts("$"), [lit("$")]);
    }

    #[test]
    fn json_body_with_dollars_survives() {
        let body = r#"{"$schema": "x", "filter": {"$gt": 5}, "id": "${ID}"}"#;
        assert_eq!(
            render(body, &[("ID", "7")]).unwrap(),
            r#"{"$schema": "x", "filter": {"$gt": 5}, "id": "7"}"#
        );
    }

    #[test]
    fn double_dollar_in_default_is_a_dollar() {
        assert_eq!(parts("${A:-$$5}"), [var("A", Some("$5"), 0, 9)]);
        assert_eq!(parts("${A:-$$}"), [var("A", Some("$"), 0, 8)]);
    }

    #[test]
    fn lone_dollar_in_default_is_literal() {
        assert_eq!(parts("${A:-$5 $}"), [var("A", Some("$5 $"), 0, 10)]);
    }

    #[test]
    fn offsets_count_chars_not_bytes() {
        // "héllo ✓ " is 8 chars but 11 bytes.
        let template = Template::parse("héllo ✓ ${A}…${B:-é}").unwrap();
        let found: Vec<(usize, usize)> =
            template.placeholders().map(|p| (p.offset, p.len)).collect();
        assert_eq!(found, [(8, 4), (13, 7)]);
    }

    #[test]
    fn values_are_not_re_expanded() {
        let vars = [("A", "${B} and $${C}"), ("B", "nope")];
        assert_eq!(render("${A}", &vars).unwrap(), "${B} and $${C}");
    }

    #[test]
    fn defaults_are_not_re_expanded_through_double_dollar() {
        assert_eq!(render("${A:-$${B}", &[("B", "nope")]).unwrap(), "${B");
    }

    #[test]
    fn unresolved_is_the_first_missing_placeholder_without_default() {
        let missing = render("${A:-a} é ${B} ${C}", &[]).unwrap_err();
        assert_eq!(
            missing,
            Unresolved {
                name: "B".to_owned(),
                offset: 10,
                len: 4
            }
        );
        assert_eq!(missing.to_string(), "variable `B` is not set");
        assert!(missing.help().contains("`${B:-default}`"));
    }

    #[test]
    fn substituted_lists_values_once_and_skips_defaults_and_empties() {
        let lookup = |name: &str| match name {
            "A" => Some("alpha".to_owned()),
            "E" => Some(String::new()),
            _ => None,
        };
        let template = Template::parse("${A}/${A}/${B:-dflt}/${E}/${E:-x}").unwrap();
        let rendered = template.render(&lookup).unwrap();
        assert_eq!(rendered.text, "alpha/alpha/dflt//x");
        assert_eq!(rendered.substituted, [("A".to_owned(), "alpha".to_owned())]);
    }

    #[test]
    fn unterminated_placeholder_points_at_its_dollar() {
        let e = error("é ${A");
        assert_eq!(
            (e.kind, e.offset, e.len),
            (TemplateErrorKind::Unterminated, 2, 2)
        );
        assert!(e.to_string().contains("no closing `}`"), "{e}");
    }

    #[test]
    fn placeholder_closed_only_by_a_later_one_is_unterminated() {
        let e = error("${A and ${B}");
        assert_eq!((e.kind, e.offset), (TemplateErrorKind::Unterminated, 0));
    }

    #[test]
    fn empty_name_is_an_error() {
        let e = error("x${}");
        assert_eq!(
            (e.kind, e.offset, e.len),
            (TemplateErrorKind::EmptyName, 1, 3)
        );
        assert_eq!(error("${:-x}").kind, TemplateErrorKind::EmptyName);
    }

    #[test]
    fn invalid_names_are_errors_that_explain_the_accepted_forms() {
        for source in [
            "${1A}", "${A-B}", "${A:B}", "${A B}", "${A.B}", "${é}", "${$A}",
        ] {
            let e = error(source);
            assert_eq!(e.kind, TemplateErrorKind::InvalidName, "{source}");
            assert_eq!((e.offset, e.len), (0, source.chars().count()), "{source}");
            let help = e.help.unwrap();
            assert!(
                help.contains("`${NAME}`") && help.contains("`${NAME:-default}`"),
                "{help}"
            );
        }
        assert_eq!(
            error("${A-B}").to_string(),
            "`${A-B}` is not a valid placeholder"
        );
    }

    #[test]
    fn invalid_placeholder_error_points_at_its_dollar_after_non_ascii() {
        let e = error("ünïcödé ${OK} ${1A}");
        assert_eq!(
            (e.kind, e.offset, e.len),
            (TemplateErrorKind::InvalidName, 14, 5)
        );
    }

    #[test]
    fn nested_placeholder_in_default_is_an_error_at_the_inner_dollar() {
        let e = error("é${A:-x${B}}");
        assert_eq!(
            (e.kind, e.offset, e.len),
            (TemplateErrorKind::NestedPlaceholder, 7, 2)
        );
        assert!(
            e.to_string()
                .contains("nested placeholders are not supported"),
            "{e}"
        );
    }

    #[test]
    fn unresolved_and_rendered_debug_never_show_a_value() {
        const SENTINEL: &str = "s3cr3t-SENTINEL-value";
        let lookup = |name: &str| (name == "TOKEN").then(|| SENTINEL.to_owned());

        let missing = Template::parse("${TOKEN} ${MISSING}")
            .unwrap()
            .render(&lookup)
            .unwrap_err();
        for text in [missing.to_string(), format!("{missing:?}"), missing.help()] {
            assert!(!text.contains(SENTINEL), "{text}");
        }

        let rendered = Template::parse("Bearer ${TOKEN}")
            .unwrap()
            .render(&lookup)
            .unwrap();
        assert_eq!(rendered.text, format!("Bearer {SENTINEL}"));
        let debug = format!("{rendered:?}");
        assert!(
            !debug.contains(SENTINEL) && debug.contains("TOKEN"),
            "{debug}"
        );
    }

    #[test]
    fn display_writes_the_template_back() {
        for source in [
            "https://e.com/$x?a=${A}",
            "Bearer ${JWT_TOKEN}",
            "$${X} costs $$5",
            "${UNSET:-x$$y}",
            "$$${B}",
            "plain",
        ] {
            let template = Template::parse(source).unwrap();
            let shown = template.to_string();
            let lookup = |name: &str| (name != "UNSET").then(|| format!("<{name}>"));
            assert_eq!(
                Template::parse(&shown)
                    .unwrap()
                    .render(&lookup)
                    .unwrap()
                    .text,
                template.render(&lookup).unwrap().text,
                "{source} -> {shown}"
            );
        }
        assert_eq!(
            Template::parse("https://e.com/$x?a=${A}")
                .unwrap()
                .to_string(),
            "https://e.com/$x?a=${A}"
        );
    }
}
