//! `jobrun schema`: the job file as a JSON Schema (draft 2020-12), for
//! editors (the YAML language server completes keys and shows their
//! descriptions from it) and for checks outside jobrun.
//!
//! It is built from the key tables the decoder reads the file with
//! (`schema.rs`), so that both know the same keys, and each key's words
//! are those of the tables in docs/job-file.md, read at build time. What a
//! schema can say is the shape: keys, types, allowed words, the form of
//! durations, sizes, statuses and schedules. What needs more than the
//! shape (a schedule field out of range, a zone that does not exist, a
//! `dependsOn` naming no job) only `validate` knows.

use serde_json::{Map, Value, json};

use crate::job::{Method, Redirects, duration, size};
use crate::jobfile::schema::{Key, Literal, TOP_KEYS, Takes};

/// The reference whose tables describe the keys.
const DOCS: &str = include_str!("../../docs/job-file.md");

/// Which table of docs/job-file.md (by its heading) describes the keys of
/// which mapping (by its name in `$defs`; `file` is the top level).
const TABLES: &[(&str, &str)] = &[
    ("The top level", "file"),
    ("`global`", "global"),
    ("A job's request and schedule", "job"),
    ("Judging the response, retrying, limits", "job"),
    ("History, overlap, catch-up, telling people", "job"),
    ("`dependsOn`", "dependsOn"),
    ("`notify`", "notify"),
    ("A notification: `onFailure`, `onRecovery`", "notification"),
];

/// The mapping a key of this name holds, by its name in `$defs`.
fn mapping_name(key: &str) -> &str {
    match key {
        "jobs" => "job",
        "onFailure" | "onRecovery" => "notification",
        other => other,
    }
}

/// A job's name: `validate` allows 1 to 63 of these.
pub(crate) const NAME_PATTERN: &str = "^[A-Za-z0-9_-]{1,63}$";

/// The schema, as JSON text with a final newline.
pub(crate) fn render() -> String {
    let mut text = serde_json::to_string_pretty(&schema()).unwrap_or_default();
    text.push('\n');
    text
}

pub(crate) fn schema() -> Value {
    let docs = Docs::read();
    let mut defs = Map::new();
    for (name, value) in values() {
        defs.insert(name.to_string(), value);
    }
    let mut file = Builder {
        docs: &docs,
        defs: &mut defs,
    }
    .mapping("file", TOP_KEYS);
    let file = file.as_object_mut().expect("a mapping is an object");
    let mut root = Map::new();
    root.insert(
        "$schema".into(),
        json!("https://json-schema.org/draft/2020-12/schema"),
    );
    root.insert("title".into(), json!("jobrun job file"));
    root.insert(
        "description".into(),
        json!(
            "The HTTP jobs jobrun runs: what each sends, where, when, and how its response is judged. `jobrun validate` checks what a schema cannot: schedule fields, zones, placeholders, names `dependsOn` refers to."
        ),
    );
    root.append(file);
    root.insert("$defs".into(), Value::Object(defs));
    Value::Object(root)
}

struct Builder<'a> {
    docs: &'a Docs,
    defs: &'a mut Map<String, Value>,
}

impl Builder<'_> {
    /// An object with exactly these keys.
    fn mapping(&mut self, name: &str, keys: &[Key]) -> Value {
        let mut properties = Map::new();
        for key in keys {
            properties.insert(key.name.to_string(), self.key(name, key));
        }
        let required: Vec<&str> = keys.iter().filter(|k| k.required).map(|k| k.name).collect();
        let mut object = Map::new();
        object.insert("type".into(), json!("object"));
        object.insert("properties".into(), Value::Object(properties));
        if !required.is_empty() {
            object.insert("required".into(), json!(required));
        }
        // `validate` refuses a key it does not know.
        object.insert("additionalProperties".into(), json!(false));
        let has = |name: &str| keys.iter().any(|k| k.name == name);
        if has("data") && has("body") {
            object.insert("not".into(), json!({"required": ["data", "body"]}));
        }
        Value::Object(object)
    }

    /// A reference to the mapping `name`, defined once in `$defs`.
    fn reference(&mut self, name: &str, keys: &[Key]) -> Value {
        if !self.defs.contains_key(name) {
            // Claimed first, for a mapping that holds itself.
            self.defs.insert(name.to_string(), Value::Null);
            let mapping = self.mapping(name, keys);
            self.defs.insert(name.to_string(), mapping);
        }
        json!({"$ref": format!("#/$defs/{name}")})
    }

    fn key(&mut self, mapping: &str, key: &Key) -> Value {
        let mut value = self.takes(key.name, &key.takes);
        if key.null_ok {
            value = json!({"anyOf": [value, {"type": "null"}]});
        }
        let mut object = match value {
            Value::Object(object) => object,
            other => Map::from_iter([("allOf".to_string(), json!([other]))]),
        };
        if let Some(words) = self.docs.describe(mapping, key.name) {
            object.insert("description".into(), json!(words));
            object.insert("markdownDescription".into(), json!(words));
        }
        if let Some(default) = key.default {
            object.insert("default".into(), literal(default));
        }
        Value::Object(object)
    }

    fn takes(&mut self, key: &str, takes: &Takes) -> Value {
        let def = |name: &str| json!({"$ref": format!("#/$defs/{name}")});
        match takes {
            Takes::Text => json!({"type": "string"}),
            Takes::NonEmpty => json!({"type": "string", "minLength": 1}),
            Takes::Scalar => json!({"type": ["string", "number", "boolean"]}),
            Takes::Name => def("name"),
            Takes::Schedule => def("schedule"),
            Takes::Url => def("url"),
            Takes::StateUrl => def("stateUrl"),
            Takes::Method => def("method"),
            Takes::Zone => def("timezone"),
            Takes::Headers => def("headers"),
            Takes::Data => json!({}),
            Takes::Duration => def("duration"),
            Takes::Splay => def("splay"),
            Takes::Count { min } => {
                json!({"type": "integer", "minimum": min, "maximum": u32::MAX})
            }
            Takes::Size { max } => json!({"anyOf": [
                {"type": "integer", "minimum": 1, "maximum": max},
                {"$ref": "#/$defs/size"},
            ]}),
            Takes::Bool => json!({"type": "boolean"}),
            Takes::Statuses => def("expectStatus"),
            Takes::Redirects => json!({"anyOf": [
                {"enum": Redirects::NAMES},
                {"type": "boolean"},
            ]}),
            Takes::OneOf(words) => json!({"enum": words}),
            Takes::Mapping(keys) => self.reference(mapping_name(key), keys),
            Takes::ListOf(keys) => {
                json!({"type": "array", "items": self.reference(mapping_name(key), keys)})
            }
            Takes::OrFalse(inner) => {
                let inner = self.takes(key, inner);
                json!({"anyOf": [inner, {"const": false}]})
            }
        }
    }
}

/// A default as JSON, written as the file would write it.
fn literal(default: Literal) -> Value {
    match default {
        Literal::Text(text) => json!(text),
        Literal::Number(n) => json!(n),
        Literal::Bool(b) => json!(b),
        Literal::Duration(d) => json!(duration::format(d)),
        Literal::Size(bytes) => json!(size::format(bytes)),
    }
}

/// The value shapes keys share, in `$defs`.
fn values() -> Vec<(&'static str, Value)> {
    let units: Vec<&str> = size::UNITS.iter().map(|(u, _)| *u).collect();
    let macros = "@(yearly|annually|monthly|weekly|daily|midnight|hourly)";
    // A value: a number, or a three-letter month or weekday name.
    let item = r"(\*|([0-9]+|[A-Za-z]{3})(-([0-9]+|[A-Za-z]{3}))?)(/[0-9]+)?";
    let field = format!("{item}(,{item})*");
    let methods: Vec<String> = Method::NAMES.iter().map(|m| any_case(m)).collect();
    vec![
        (
            "name",
            json!({
                "type": "string",
                "pattern": NAME_PATTERN,
                "description": "1 to 63 letters, digits, `-` and `_`",
            }),
        ),
        (
            "schedule",
            json!({
                "type": "string",
                "pattern": format!(r"^\s*({}|{field}(\s+{field}){{4,5}})\s*$", any_case(macros)),
                "description": "five cron fields (minute hour day-of-month month day-of-week), six with seconds first, or a macro such as `@daily`; `jobrun validate` checks each field's range",
                "examples": ["30 18 * * 1-5", "*/5 * * * *", "@daily"],
            }),
        ),
        (
            "url",
            json!({
                "type": "string",
                // The literal start is checked; one starting with a
                // placeholder is checked when the job runs.
                "pattern": r"^([hH][tT][tT][pP][sS]?://[^\s]*|\$\{.*)$",
                "description": "an `http://` or `https://` address, placeholders allowed",
            }),
        ),
        (
            "stateUrl",
            json!({
                "type": "string",
                // As `validate` checks it: the scheme of the literal start,
                // or a placeholder first.
                "pattern": r"^([pP][oO][sS][tT][gG][rR][eE][sS]([qQ][lL])?://|\$\{)",
                "description": "a `postgres://` or `postgresql://` URL, placeholders allowed",
            }),
        ),
        (
            "method",
            json!({
                "type": "string",
                "anyOf": [
                    {"enum": Method::NAMES},
                    {"pattern": format!("^({})$", methods.join("|"))},
                ],
            }),
        ),
        (
            "timezone",
            json!({
                "type": "string",
                "pattern": r"^[A-Za-z0-9_+-]+(/[A-Za-z0-9_+-]+)*$",
                "description": "an IANA zone name; `jobrun validate` checks that it exists",
                "examples": ["America/Chicago", "Europe/Paris", "UTC"],
            }),
        ),
        (
            "headers",
            json!({
                "type": "object",
                // RFC 9110 section 5.1: a field name is a token.
                "propertyNames": {"pattern": r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$"},
                // One line: a value holding a line break is refused (as a
                // `not`, since Python's `$` also matches before a final
                // line break).
                "additionalProperties": {
                    "type": ["string", "number", "boolean"],
                    "not": {"type": "string", "pattern": "[\r\n]"},
                },
            }),
        ),
        (
            "duration",
            json!({
                "anyOf": [
                    {"type": "integer", "minimum": 1, "description": "milliseconds"},
                    {
                        "type": "string",
                        "pattern": r"^(?!\s*(0+(ms|min|s|m|h|d)\s*)+$)\s*([0-9]+(ms|min|s|m|h|d)\s*)+$",
                        "description": "numbers with the units ms, s, m (or min), h and d, more than 0",
                        "examples": ["30s", "1m 30s", "500ms", "2h"],
                    },
                ],
            }),
        ),
        (
            "splay",
            json!({
                "anyOf": [
                    {
                        "type": "integer",
                        "minimum": 1000,
                        "maximum": 3_600_000,
                        "multipleOf": 1000,
                        "description": "milliseconds, whole seconds, at most an hour"
                    },
                    {
                        "type": "string",
                        "pattern": r"^(?!\s*(0+(min|s|m|h)\s*)+$)\s*([0-9]+(min|s|m|h)\s*)+$",
                        "description": "whole seconds with the units s, m (or min) and h, more than 0 and at most an hour",
                        "examples": ["30s", "5m", "1h"],
                    },
                ],
            }),
        ),
        (
            "size",
            json!({
                "type": "string",
                "pattern": format!(r"^\s*0*[1-9][0-9]*\s*({})\s*$", units.join("|")),
                "description": "a whole number with a unit: B, kB, MB, GB (powers of 1000) or KiB, MiB, GiB (powers of 1024)",
                "examples": ["1 MiB", "512 KiB"],
            }),
        ),
        (
            "status",
            json!({
                "anyOf": [
                    {"type": "integer", "minimum": 100, "maximum": 599},
                    {
                        "type": "string",
                        "pattern": r"^([1-5][xX][xX]|\s*0*[1-5][0-9]{2}\s*(-\s*0*[1-5][0-9]{2}\s*)?)$",
                        "description": "a status (\"200\"), a class (\"2xx\") or an inclusive range (\"200-204\")",
                    },
                ],
            }),
        ),
        (
            "expectStatus",
            json!({
                "anyOf": [
                    {"$ref": "#/$defs/status"},
                    {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/status"}},
                ],
            }),
        ),
    ]
}

/// A pattern matching `word` in any case: JSON Schema's patterns
/// (ECMA-262) have no flag for it.
fn any_case(word: &str) -> String {
    word.chars()
        .map(|c| {
            if c.is_ascii_alphabetic() {
                format!("[{}{}]", c.to_ascii_uppercase(), c.to_ascii_lowercase())
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// The key tables of docs/job-file.md: per mapping, each key's default
/// and meaning as written there.
struct Docs {
    rows: Vec<Row>,
}

struct Row {
    mapping: &'static str,
    key: String,
    default: String,
    meaning: String,
}

impl Docs {
    fn read() -> Docs {
        Docs::parse(DOCS)
    }

    fn parse(text: &str) -> Docs {
        let mut rows = Vec::new();
        let mut mapping = None;
        for line in text.lines() {
            if let Some(heading) = line.strip_prefix("### ") {
                mapping = TABLES
                    .iter()
                    .find(|(title, _)| *title == heading)
                    .map(|(_, m)| *m);
                continue;
            }
            if line.starts_with("## ") {
                mapping = None;
            }
            let (Some(mapping), Some(row)) = (mapping, line.strip_prefix("| `")) else {
                continue;
            };
            let cells = cells(row);
            if let [key, default, meaning] = &cells[..] {
                rows.push(Row {
                    mapping,
                    key: key.trim_end_matches('`').to_string(),
                    default: plain(default),
                    meaning: plain(meaning),
                });
            }
        }
        Docs { rows }
    }

    fn row(&self, mapping: &str, key: &str) -> Option<&Row> {
        self.rows
            .iter()
            .find(|r| r.mapping == mapping && r.key == key)
    }

    /// The key's meaning, and its default where there is one, in the
    /// docs' words.
    fn describe(&self, mapping: &str, key: &str) -> Option<String> {
        let row = self.row(mapping, key)?;
        let mut words = upper_first(&row.meaning);
        match row.default.as_str() {
            "none" => {}
            "required" => words.push_str(". Required."),
            default => words.push_str(&format!(". Default: {default}.")),
        }
        Some(words)
    }
}

/// A table row's cells, after its first `` | ` ``; `\|` is a `|` in a cell.
fn cells(row: &str) -> Vec<String> {
    let mut cells = vec![String::new()];
    let mut chars = row.trim_end().trim_end_matches('|').chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                cells.last_mut().expect("one cell").push('|');
                chars.next();
            }
            '|' => cells.push(String::new()),
            c => cells.last_mut().expect("one cell").push(c),
        }
    }
    cells.iter().map(|c| c.trim().to_string()).collect()
}

/// Markdown links as their text: `[history.md](history.md#x)` is
/// `history.md`.
fn plain(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        let Some(close) = rest[open..].find("](").map(|i| open + i) else {
            break;
        };
        let Some(end) = rest[close..].find(')').map(|i| close + i) else {
            break;
        };
        out.push_str(&rest[..open]);
        out.push_str(&rest[open + 1..close]);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

fn upper_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobfile::schema::{
        DEPENDS_ON_KEYS, GLOBAL_KEYS, JOB_KEYS, NOTICE_KEYS, NOTIFY_KEYS, names,
    };

    /// Each mapping's keys, as the decoder knows them, by `$defs` name.
    fn mappings() -> Vec<(&'static str, &'static [Key])> {
        vec![
            ("file", TOP_KEYS),
            ("global", GLOBAL_KEYS),
            ("job", JOB_KEYS),
            ("dependsOn", DEPENDS_ON_KEYS),
            ("notify", NOTIFY_KEYS),
            ("notification", NOTICE_KEYS),
        ]
    }

    fn properties<'s>(schema: &'s Value, mapping: &str) -> &'s Map<String, Value> {
        let object = if mapping == "file" {
            schema
        } else {
            &schema["$defs"][mapping]
        };
        assert_eq!(object["additionalProperties"], json!(false), "{mapping}");
        object["properties"]
            .as_object()
            .unwrap_or_else(|| panic!("{mapping}: {object}"))
    }

    #[test]
    fn every_key_the_decoder_knows_is_in_the_schema_and_no_other() {
        let schema = schema();
        for (mapping, keys) in mappings() {
            let in_schema: Vec<&str> = properties(&schema, mapping)
                .keys()
                .map(String::as_str)
                .collect();
            assert_eq!(in_schema, names(keys), "{mapping}");
        }
        // Every mapping the schema defines is one the decoder reads.
        let defined: Vec<&str> = mappings().iter().map(|(m, _)| *m).collect();
        for (name, def) in schema["$defs"].as_object().unwrap() {
            if def.get("properties").is_some() {
                assert!(defined.contains(&name.as_str()), "{name}");
            }
        }
    }

    #[test]
    fn every_key_has_the_words_of_the_docs_and_every_documented_key_exists() {
        let docs = Docs::read();
        let schema = schema();
        for (mapping, keys) in mappings() {
            for key in keys {
                let row = docs.row(mapping, key.name).unwrap_or_else(|| {
                    panic!(
                        "docs/job-file.md has no row for `{}` in {mapping}",
                        key.name
                    )
                });
                let description = properties(&schema, mapping)[key.name]["description"]
                    .as_str()
                    .unwrap()
                    .to_string();
                assert!(
                    description
                        .to_lowercase()
                        .starts_with(&row.meaning.to_lowercase()),
                    "{mapping}.{}: {description}",
                    key.name
                );
                assert_eq!(
                    key.required,
                    row.default == "required",
                    "{mapping}.{}: required in one and not the other",
                    key.name
                );
            }
        }
        for row in &docs.rows {
            let keys = mappings()
                .into_iter()
                .find(|(m, _)| *m == row.mapping)
                .unwrap()
                .1;
            assert!(
                keys.iter().any(|k| k.name == row.key),
                "docs/job-file.md documents `{}` in {}, which the decoder does not know",
                row.key,
                row.mapping
            );
        }
        assert!(docs.rows.len() >= 45, "{}", docs.rows.len());
    }

    #[test]
    fn defaults_are_the_models() {
        let schema = schema();
        let job = properties(&schema, "job");
        assert_eq!(job["method"]["default"], json!("GET"));
        assert_eq!(job["retryDelay"]["default"], json!("1s"));
        assert_eq!(job["maxResponseBytes"]["default"], json!("1 MiB"));
        assert_eq!(job["historyLimit"]["default"], json!(100));
        let global = properties(&schema, "global");
        assert_eq!(global["defaultTimeout"]["default"], json!("10s"));
        assert_eq!(global["defaultRetries"]["default"], json!(3));
        let notice = properties(&schema, "notification");
        assert_eq!(notice["timeout"]["default"], json!("5s"));
    }

    #[test]
    fn links_become_their_text_and_escaped_bars_stay() {
        assert_eq!(
            plain("see [history.md](history.md#catch-up) and [x](y)."),
            "see history.md and x."
        );
        assert_eq!(cells("a` | b \\| c | d |"), ["a`", "b | c", "d"]);
    }

    #[test]
    fn the_schema_is_draft_2020_12_json() {
        let text = render();
        let value: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            value["$schema"],
            json!("https://json-schema.org/draft/2020-12/schema")
        );
        assert_eq!(value["required"], json!(["jobs"]));
        assert!(!text.contains("null,\n"), "no unfinished definition");
    }
}
