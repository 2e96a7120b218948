//! How node-cron 3.0.3, the Node scheduler's parser, read the same text.
//!
//! node-cron rewrites an expression with string replacements before matching
//! (src/convert-expression/*.js), and some of them change when a job runs:
//! steps keep multiples of the step rather than counting from the range's
//! start, a step filters a whole comma list, only the first `7` in the
//! weekday field becomes Sunday, names are replaced inside longer words, and
//! the day fields are both required. This module repeats those rewrites step
//! by step, so `validate` can warn people moving their jobs to jobrun
//! wherever a schedule now fires at other times. The fixture in
//! tests/fixtures/node-cron holds node-cron's own readings, and the tests
//! check this module against it.

use crate::schedule::{FieldSet, Schedule};

/// The values node-cron matched in each of its six fields (weekday 0-6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NodeCronReading {
    pub(crate) fields: [FieldSet; 6],
}

const RANGES: [(i64, i64); 6] = [(0, 59), (0, 59), (0, 23), (1, 31), (1, 12), (0, 7)];
const STAR_RANGES: [&str; 6] = ["0-59", "0-59", "0-23", "1-31", "1-12", "0-6"];
const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];
const WEEKDAYS: [&str; 7] = [
    "sunday",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
];

/// node-cron's reading, or `None` where it refused the expression.
pub(crate) fn read(text: &str) -> Option<NodeCronReading> {
    let mut fields: Vec<String> = remove_spaces(text).split(' ').map(str::to_string).collect();
    if fields.len() == 5 {
        fields.insert(0, "0".into());
    }
    // Fewer fields crash its conversion. More are converted too, where a
    // bad step throws, and then ignored.
    if fields.len() < 6 {
        return None;
    }
    for extra in fields.drain(6..) {
        convert_steps(&convert_ranges(&extra))?;
    }
    fields[4] = replace_names(&fields[4], &MONTHS, 1);
    fields[5] = fields[5].replacen('7', "0", 1);
    fields[5] = replace_names(&fields[5], &WEEKDAYS, 0);
    let mut sets = [FieldSet::default(); 6];
    for (i, field) in fields.iter().enumerate() {
        let field = field.replacen('*', STAR_RANGES[i], 1);
        let field = convert_ranges(&field);
        let field = convert_steps(&field)?;
        let mut set = FieldSet::default();
        let (min, max) = RANGES[i];
        for option in field.split(',') {
            // normalizeIntegers (`parseInt` without a radix, so `0x10` is
            // 16), then pattern-validation's check.
            let value = parse_int_any_radix(option)?;
            if value < min || value > max {
                return None;
            }
            set = set.with(value as u8);
        }
        sets[i] = set;
    }
    // getDay() is 0-6: a 7 that survived never matches.
    sets[5] = sets[5].without(7);
    Some(NodeCronReading { fields: sets })
}

/// `str.replace(/\s{2,}/g, ' ').trim()`
fn remove_spaces(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_whitespace() && chars.get(i + 1).is_some_and(|c| c.is_whitespace()) {
            while i < chars.len() && chars[i].is_whitespace() {
                i += 1;
            }
            out.push(' ');
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out.trim().to_string()
}

/// Full names, then their first three letters, replaced anywhere in the
/// text, case-insensitively, by their number: `tues` becomes `2s`.
fn replace_names(text: &str, names: &[&str], first: usize) -> String {
    let mut text = text.to_string();
    for pass in [false, true] {
        for (i, name) in names.iter().enumerate() {
            let name = if pass { &name[..3] } else { name };
            text = replace_all_ignore_case(&text, name, &(i + first).to_string());
        }
    }
    text
}

fn replace_all_ignore_case(text: &str, pattern: &str, with: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let mut out = String::new();
    let mut rest = 0;
    while let Some(found) = lower[rest..].find(pattern) {
        out.push_str(&text[rest..rest + found]);
        out.push_str(with);
        rest += found + pattern.len();
    }
    out.push_str(&text[rest..]);
    out
}

/// Each `a-b` (swapped when reversed) becomes the list of its values.
fn convert_ranges(text: &str) -> String {
    let mut text = text.to_string();
    while let Some((start, end, a, b)) = find_range(&text) {
        let (low, high) = if a > b { (b, a) } else { (a, b) };
        let values: Vec<String> = (low..=high).map(|v| v.to_string()).collect();
        text.replace_range(start..end, &values.join(","));
    }
    text
}

/// The first `\d+-\d+` in the text.
fn find_range(text: &str) -> Option<(usize, usize, u64, u64)> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() {
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            if bytes.get(i) == Some(&b'-') && bytes.get(i + 1).is_some_and(u8::is_ascii_digit) {
                let mut end = i + 1;
                while end < bytes.len() && bytes[end].is_ascii_digit() {
                    end += 1;
                }
                let a = text[start..i].parse().ok()?;
                let b = text[i + 1..end].parse().ok()?;
                return Some((start, end, a, b));
            }
        } else {
            i += 1;
        }
    }
    None
}

/// `^(.+)\/(\w+)$`: keep the listed values that are multiples of the step.
fn convert_steps(text: &str) -> Option<String> {
    let Some(slash) = text.rfind('/') else {
        return Some(text.to_string());
    };
    let (base, divider) = (&text[..slash], &text[slash + 1..]);
    let is_word = !divider.is_empty()
        && divider
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if base.is_empty() || !is_word {
        return Some(text.to_string());
    }
    // node-cron throws when `isNaN(step)`, then divides by
    // `parseInt(step, 10)`: `1e1` passes and divides by 1.
    if is_nan(divider) {
        return None;
    }
    let divider = parse_int(divider);
    let kept: Vec<String> = base
        .split(',')
        .filter_map(parse_int)
        .filter(|v| divider.is_some_and(|d| d != 0 && v % d == 0))
        .map(|v| v.to_string())
        .collect();
    Some(kept.join(","))
}

/// JavaScript's `isNaN(s)` for a word of `[A-Za-z0-9_]`: whether `Number(s)`
/// fails. Decimal with an exponent, `0x`, `0o`, `0b` and `Infinity` pass.
fn is_nan(word: &str) -> bool {
    let lower = word.to_ascii_lowercase();
    let all = |s: &str, ok: fn(&u8) -> bool| !s.is_empty() && s.bytes().all(|b| ok(&b));
    if word == "Infinity" {
        return false;
    }
    if let Some(hex) = lower.strip_prefix("0x") {
        return !all(hex, u8::is_ascii_hexdigit);
    }
    if let Some(octal) = lower.strip_prefix("0o") {
        return !all(octal, |b| (b'0'..=b'7').contains(b));
    }
    if let Some(binary) = lower.strip_prefix("0b") {
        return !all(binary, |b| matches!(b, b'0' | b'1'));
    }
    let (mantissa, exponent) = lower
        .split_once('e')
        .map_or((lower.as_str(), None), |(m, e)| (m, Some(e)));
    !(all(mantissa, u8::is_ascii_digit) && exponent.is_none_or(|e| all(e, u8::is_ascii_digit)))
}

/// JavaScript's `parseInt(s)`: as `parseInt(s, 10)`, but `0x` starts hex.
fn parse_int_any_radix(text: &str) -> Option<i64> {
    let trimmed = text.trim_start();
    let (sign, rest) = match trimmed.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, trimmed.strip_prefix('+').unwrap_or(trimmed)),
    };
    match rest.strip_prefix("0x").or_else(|| rest.strip_prefix("0X")) {
        Some(hex) => {
            let len = hex.bytes().take_while(u8::is_ascii_hexdigit).count();
            i64::from_str_radix(&hex[..len], 16).ok().map(|v| sign * v)
        }
        None => parse_int(text),
    }
}

/// JavaScript's `parseInt(s, 10)`: leading digits, `None` for NaN.
fn parse_int(text: &str) -> Option<i64> {
    let text = text.trim_start();
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, text.strip_prefix('+').unwrap_or(text)),
    };
    let len = digits.bytes().take_while(u8::is_ascii_digit).count();
    digits[..len].parse::<i64>().ok().map(|v| sign * v)
}

/// One place where node-cron 3 and jobrun read a schedule differently.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Difference {
    /// "second", "minute", "hour", "day of month", "month", "day of week",
    /// or "days" for how the two day fields combine.
    pub(crate) field: &'static str,
    pub(crate) node_cron: String,
    pub(crate) jobrun: String,
}

impl Difference {
    pub(crate) fn describe(&self) -> String {
        if self.field == "days" {
            format!(
                "node-cron 3 ran {}; jobrun runs {}, as cron does",
                self.node_cron, self.jobrun
            )
        } else {
            format!(
                "{}: node-cron 3 ran on {}; jobrun runs on {}, as cron does",
                self.field, self.node_cron, self.jobrun
            )
        }
    }
}

const FIELD_NAMES: [&str; 6] = [
    "second",
    "minute",
    "hour",
    "day of month",
    "month",
    "day of week",
];

/// Where the two readings of `text` fire at different times; empty when
/// they agree or node-cron would have refused the text.
pub(crate) fn differences(text: &str, schedule: &Schedule) -> Vec<Difference> {
    read(text).map_or_else(Vec::new, |node| compare(&node, schedule))
}

/// Where node-cron's reading `node` and jobrun's `schedule` fire at
/// different times.
pub(crate) fn compare(node: &NodeCronReading, schedule: &Schedule) -> Vec<Difference> {
    let ours = [
        schedule.seconds(),
        schedule.minutes(),
        schedule.hours(),
        schedule.days_of_month(),
        schedule.months(),
        schedule.days_of_week(),
    ];
    let mut out = Vec::new();
    for i in [0, 1, 2, 4] {
        if node.fields[i] != ours[i] {
            out.push(Difference {
                field: FIELD_NAMES[i],
                node_cron: render(node.fields[i], i),
                jobrun: render(ours[i], i),
            });
        }
    }
    // The day fields matter only through the day rule they make together.
    let node_day = |dom: u8, dow: u8| node.fields[3].contains(dom) && node.fields[5].contains(dow);
    let days_differ =
        (1..=31).any(|dom| (0..7).any(|dow| node_day(dom, dow) != day_rule(schedule, dom, dow)));
    if days_differ {
        for i in [3, 5] {
            if node.fields[i] != ours[i] {
                out.push(Difference {
                    field: FIELD_NAMES[i],
                    node_cron: render(node.fields[i], i),
                    jobrun: render(ours[i], i),
                });
            }
        }
        if schedule.dom_restricted() && schedule.dow_restricted() {
            out.push(Difference {
                field: "days",
                node_cron: "only when both the day of month and the day of week matched".into(),
                jobrun: "when either the day of month or the day of week matches".into(),
            });
        }
    }
    out
}

fn day_rule(schedule: &Schedule, dom: u8, dow: u8) -> bool {
    let (a, b) = (
        schedule.days_of_month().contains(dom),
        schedule.days_of_week().contains(dow),
    );
    if schedule.dom_restricted() && schedule.dow_restricted() {
        a || b
    } else {
        a && b
    }
}

/// A value set for people: `2,4,6,...,30 (even days)`, `1-5`, `Sun,Sat`.
pub(crate) fn render(set: FieldSet, field: usize) -> String {
    let values: Vec<u8> = set.iter().collect();
    let name = |v: u8| -> String {
        match field {
            4 => MONTHS[v as usize - 1][..3].to_string(),
            5 => WEEKDAYS[v as usize % 7][..3].to_string(),
            _ => v.to_string(),
        }
    };
    let name = |v: u8| {
        let n = name(v);
        let mut chars = n.chars();
        chars.next().map_or(n.clone(), |c| {
            c.to_ascii_uppercase().to_string() + chars.as_str()
        })
    };
    if values.is_empty() {
        return "no value".into();
    }
    let step = values.get(1).map(|b| b - values[0]);
    let progression = values.len() >= 3 && values.windows(2).all(|w| Some(w[1] - w[0]) == step);
    let text = match step {
        Some(1) if progression => format!("{}-{}", name(values[0]), name(values[values.len() - 1])),
        Some(_) if progression && values.len() >= 4 => {
            format!(
                "{},{},...,{}",
                name(values[0]),
                name(values[1]),
                name(values[values.len() - 1])
            )
        }
        _ => values
            .iter()
            .map(|v| name(*v))
            .collect::<Vec<_>>()
            .join(","),
    };
    let note = match (field, step) {
        (3, Some(2)) if progression && values[0] == 2 => " (even days)",
        (3, Some(2)) if progression && values[0] == 1 => " (odd days)",
        (5, _) if values.len() == 7 => " (every day)",
        _ => "",
    };
    format!("{text}{note}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize)]
    struct Fixture {
        expression: String,
        valid: bool,
        fields: Option<Vec<Vec<u8>>>,
    }

    #[test]
    fn reading_matches_node_cron_itself_on_every_fixture() {
        let fixtures: Vec<Fixture> =
            serde_json::from_str(include_str!("../../tests/fixtures/node-cron/readings.json"))
                .expect("fixture parses");
        assert!(fixtures.len() >= 60);
        for fixture in fixtures {
            let reading = read(&fixture.expression);
            assert_eq!(
                reading.is_some(),
                fixture.valid,
                "validity of `{}`",
                fixture.expression
            );
            if let (Some(reading), Some(fields)) = (reading, fixture.fields) {
                let ours: Vec<Vec<u8>> =
                    reading.fields.iter().map(|s| s.iter().collect()).collect();
                assert_eq!(ours, fields, "`{}`", fixture.expression);
            }
        }
    }

    fn warnings(text: &str) -> Vec<String> {
        let schedule = Schedule::parse(text).unwrap();
        differences(text, &schedule)
            .iter()
            .map(Difference::describe)
            .collect()
    }

    #[test]
    fn the_node_schedulers_own_schedules_read_the_same() {
        for text in [
            "0 1 13 * * 1-5",
            "1 13 * * 1-5",
            "30 18 * * 1-5",
            "45 18 * * 5",
            "*/1 * * * *",
            "*/30 * * * * *",
            "*/5 * * * * *",
            "0 */2 * * * *",
        ] {
            assert_eq!(warnings(text), Vec::<String>::new(), "{text}");
        }
    }

    #[test]
    fn even_days_step_is_spelled_out() {
        assert_eq!(
            warnings("0 0 */2 * *"),
            vec![
                "day of month: node-cron 3 ran on 2,4,...,30 (even days); jobrun runs on 1,3,...,31 (odd days), as cron does"
            ]
        );
    }

    #[test]
    fn month_step_and_list_step_differ() {
        assert_eq!(
            warnings("0 0 1 */3 *"),
            vec![
                "month: node-cron 3 ran on Mar,Jun,...,Dec; jobrun runs on Jan,Apr,...,Oct, as cron does"
            ]
        );
        assert_eq!(
            warnings("1,*/20 * * * *"),
            vec!["minute: node-cron 3 ran on 0,20,40; jobrun runs on 0,1,20,40, as cron does"]
        );
    }

    #[test]
    fn weekday_sevens_differ() {
        assert_eq!(
            warnings("0 0 * * 6-7"),
            vec![
                "day of week: node-cron 3 ran on Sun-Sat (every day); jobrun runs on Sun,Sat, as cron does"
            ]
        );
        assert_eq!(
            warnings("0 0 * * 1-7"),
            vec![
                "day of week: node-cron 3 ran on Sun,Mon; jobrun runs on Sun-Sat (every day), as cron does"
            ]
        );
    }

    #[test]
    fn both_day_fields_were_anded() {
        assert_eq!(
            warnings("0 0 1 * 1"),
            vec![
                "node-cron 3 ran only when both the day of month and the day of week matched; jobrun runs when either the day of month or the day of week matches, as cron does"
            ]
        );
    }

    #[test]
    fn starred_day_field_keeps_and_semantics() {
        // `*/2` with a weekday: cron ANDs too, only the day set differs.
        assert_eq!(warnings("0 0 */2 * 1").len(), 1);
    }
}
