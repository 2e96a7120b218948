//! A cron expression: its fields and their named values, how its text is
//! parsed (with errors that point at the culprit), and which local times
//! it matches.
//!
//! The meaning is Vixie cron's, which Debian cron, cronie and Kubernetes
//! share (crontab(5)): a step counts from the start of its range, weekday 7
//! is Sunday, and when both day fields are restricted a day matches if
//! *either* does. "Restricted" is decided by the text, as Vixie cron does
//! with its DOM_STAR/DOW_STAR flags: a day field whose text starts with `*`
//! (`*/2` included) is unrestricted for that rule.

use std::fmt;

use jiff::civil::Date;

/// A set of values of one field, as bits.
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct FieldSet(u64);

impl FieldSet {
    pub(crate) fn contains(self, value: u8) -> bool {
        value < 64 && self.0 & (1 << value) != 0
    }

    fn insert(&mut self, value: u8) {
        self.0 |= 1 << value;
    }

    /// This set and `value`.
    pub(crate) fn with(mut self, value: u8) -> FieldSet {
        self.insert(value);
        self
    }

    /// This set without `value`.
    pub(crate) fn without(self, value: u8) -> FieldSet {
        FieldSet(self.0 & !(1 << value))
    }

    /// The smallest value in the set that is at least `from`.
    pub(crate) fn at_or_after(self, from: u8) -> Option<u8> {
        if from >= 64 {
            return None;
        }
        let rest = self.0 >> from;
        (rest != 0).then(|| from + rest.trailing_zeros() as u8)
    }

    pub(crate) fn first(self) -> Option<u8> {
        self.at_or_after(0)
    }

    pub(crate) fn iter(self) -> impl Iterator<Item = u8> {
        (0..64u8).filter(move |v| self.contains(*v))
    }

    pub(crate) fn bits(self) -> u64 {
        self.0
    }
}

impl fmt::Debug for FieldSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

/// One field of the expression: its name for messages and its range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Field {
    pub(crate) name: &'static str,
    pub(crate) min: u8,
    pub(crate) max: u8,
    names: &'static [&'static str],
}

pub(crate) const SECOND: Field = Field {
    name: "second",
    min: 0,
    max: 59,
    names: &[],
};
pub(crate) const MINUTE: Field = Field {
    name: "minute",
    min: 0,
    max: 59,
    names: &[],
};
pub(crate) const HOUR: Field = Field {
    name: "hour",
    min: 0,
    max: 23,
    names: &[],
};
pub(crate) const DAY_OF_MONTH: Field = Field {
    name: "day of month",
    min: 1,
    max: 31,
    names: &[],
};
pub(crate) const MONTH: Field = Field {
    name: "month",
    min: 1,
    max: 12,
    names: &[
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ],
};
/// 0-7: both 0 and 7 are Sunday.
pub(crate) const DAY_OF_WEEK: Field = Field {
    name: "day of week",
    min: 0,
    max: 7,
    names: &["sun", "mon", "tue", "wed", "thu", "fri", "sat"],
};

impl Field {
    fn range_text(self) -> String {
        format!("{}-{}", self.min, self.max)
    }

    /// The value of a number or a name, with the first value a name stands
    /// for at index `min` (JAN = 1, SUN = 0).
    fn value(self, text: &str) -> Option<u8> {
        if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
            return text.parse::<u16>().ok().map(|v| v.min(255) as u8);
        }
        let lower = text.to_ascii_lowercase();
        self.names
            .iter()
            .position(|n| *n == lower)
            .map(|i| i as u8 + self.min)
    }
}

/// Why an expression was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub(crate) struct ScheduleError {
    pub(crate) message: String,
    pub(crate) help: Option<String>,
    /// Where the culprit starts, in characters from the start of the text.
    pub(crate) offset: usize,
    /// How many characters it covers (at least 1).
    pub(crate) len: usize,
}

fn error(message: String, help: Option<String>, offset: usize, len: usize) -> ScheduleError {
    ScheduleError {
        message,
        help,
        offset,
        len: len.max(1),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Schedule {
    text: String,
    six_fields: bool,
    seconds: FieldSet,
    minutes: FieldSet,
    hours: FieldSet,
    days_of_month: FieldSet,
    months: FieldSet,
    days_of_week: FieldSet,
    dom_restricted: bool,
    dow_restricted: bool,
}

const MACROS: &[(&str, &str)] = &[
    ("@yearly", "0 0 1 1 *"),
    ("@annually", "0 0 1 1 *"),
    ("@monthly", "0 0 1 * *"),
    ("@weekly", "0 0 * * 0"),
    ("@daily", "0 0 * * *"),
    ("@midnight", "0 0 * * *"),
    ("@hourly", "0 * * * *"),
];

/// Characters of Quartz-style schedules that no system cron reads alike.
const UNPORTABLE: &[(char, &str)] = &[
    ('?', "`?` (no specific value)"),
    ('L', "`L` (last day)"),
    ('W', "`W` (nearest weekday)"),
    ('#', "`#` (nth weekday of the month)"),
];

impl Schedule {
    pub(crate) fn parse(text: &str) -> Result<Schedule, ScheduleError> {
        let tokens: Vec<(usize, &str)> = tokens(text);
        if let [(offset, word)] = tokens[..]
            && word.starts_with('@')
        {
            return Schedule::from_macro(text, offset, word);
        }
        if tokens.len() != 5 && tokens.len() != 6 {
            let (offset, len) = match (tokens.first(), tokens.last()) {
                (Some((start, _)), Some((last, word))) => {
                    (*start, last + word.chars().count() - start)
                }
                _ => (0, 1),
            };
            return Err(error(
                format!(
                    "expected 5 fields (minute hour day-of-month month day-of-week) or 6 with seconds first, found {}",
                    tokens.len()
                ),
                Some("for example `30 18 * * 1-5` runs at 18:30 on weekdays".into()),
                offset,
                len,
            ));
        }
        let six_fields = tokens.len() == 6;
        let fields: &[Field] = if six_fields {
            &[SECOND, MINUTE, HOUR, DAY_OF_MONTH, MONTH, DAY_OF_WEEK]
        } else {
            &[MINUTE, HOUR, DAY_OF_MONTH, MONTH, DAY_OF_WEEK]
        };
        let mut sets = Vec::with_capacity(6);
        if !six_fields {
            let mut zero = FieldSet::default();
            zero.insert(0);
            sets.push(zero);
        }
        for (&(offset, token), &field) in tokens.iter().zip(fields) {
            sets.push(parse_field(token, offset, field)?);
        }
        let day_fields = &tokens[tokens.len() - 3..];
        let schedule = Schedule {
            text: text.to_string(),
            six_fields,
            seconds: sets[0],
            minutes: sets[1],
            hours: sets[2],
            days_of_month: sets[3],
            months: sets[4],
            days_of_week: fold_sunday(sets[5]),
            dom_restricted: !day_fields[0].1.starts_with('*'),
            dow_restricted: !day_fields[2].1.starts_with('*'),
        };
        schedule.check_fires(text)?;
        Ok(schedule)
    }

    fn from_macro(text: &str, offset: usize, word: &str) -> Result<Schedule, ScheduleError> {
        let lower = word.to_ascii_lowercase();
        if lower == "@reboot" {
            return Err(error(
                "`@reboot` is not a time: jobrun runs jobs on a schedule".into(),
                Some("run `jobrun run NAME` from the boot system itself (a systemd unit, or a crontab `@reboot` line)".into()),
                offset,
                word.chars().count(),
            ));
        }
        let Some((_, expansion)) = MACROS.iter().find(|(name, _)| *name == lower) else {
            let names: Vec<&str> = MACROS.iter().map(|(n, _)| *n).collect();
            return Err(error(
                format!("unknown macro `{word}`"),
                Some(format!("the macros are {}", names.join(", "))),
                offset,
                word.chars().count(),
            ));
        };
        let mut schedule = Schedule::parse(expansion).expect("macros expand to valid schedules");
        schedule.text = text.to_string();
        Ok(schedule)
    }

    /// A schedule that can never fire is a mistake (`0 0 30 2 *`).
    fn check_fires(&self, text: &str) -> Result<(), ScheduleError> {
        // Both day fields restricted: either may match, and every weekday
        // comes round in every month.
        if (self.dom_restricted && self.dow_restricted) || self.day_of_month_occurs() {
            return Ok(());
        }
        Err(error(
            format!("`{}` never fires: no month in it has that day", text.trim()),
            Some("check the day-of-month and month fields".into()),
            text.len() - text.trim_start().len(),
            text.trim().chars().count(),
        ))
    }

    /// Whether any of the days of month falls in any of the months.
    fn day_of_month_occurs(&self) -> bool {
        const MAX_DAYS: [u8; 12] = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
        let first_day = self.days_of_month.first();
        self.months
            .iter()
            .any(|m| first_day.is_some_and(|d| d <= MAX_DAYS[m as usize - 1]))
    }

    /// A restricted day of month that never falls in the schedule's months,
    /// beside a restricted day of week: `0 0 30 2 1` runs on Mondays in
    /// February only, which is rarely what was meant.
    pub(crate) fn day_of_month_is_unreachable(&self) -> bool {
        self.dom_restricted && self.dow_restricted && !self.day_of_month_occurs()
    }

    /// The expression as written.
    pub(crate) fn text(&self) -> &str {
        &self.text
    }

    /// Fires at seconds other than 0.
    pub(crate) fn is_sub_minute(&self) -> bool {
        self.seconds.bits() != 1
    }

    pub(crate) fn seconds(&self) -> FieldSet {
        self.seconds
    }
    pub(crate) fn minutes(&self) -> FieldSet {
        self.minutes
    }
    pub(crate) fn hours(&self) -> FieldSet {
        self.hours
    }
    pub(crate) fn days_of_month(&self) -> FieldSet {
        self.days_of_month
    }
    pub(crate) fn months(&self) -> FieldSet {
        self.months
    }
    /// 0-6, Sunday = 0.
    pub(crate) fn days_of_week(&self) -> FieldSet {
        self.days_of_week
    }
    pub(crate) fn dom_restricted(&self) -> bool {
        self.dom_restricted
    }
    pub(crate) fn dow_restricted(&self) -> bool {
        self.dow_restricted
    }

    /// The same days at other times of day: what a splayed job's fire
    /// times are, written as a schedule's fields (`export::shifted`).
    pub(crate) fn with_times(
        &self,
        seconds: FieldSet,
        minutes: FieldSet,
        hours: FieldSet,
    ) -> Schedule {
        Schedule {
            six_fields: self.six_fields || seconds.bits() != 1,
            seconds,
            minutes,
            hours,
            ..self.clone()
        }
    }

    /// The same schedule on other days of week (0-6, Sunday = 0).
    pub(crate) fn with_days_of_week(&self, days: FieldSet) -> Schedule {
        Schedule {
            days_of_week: days,
            ..self.clone()
        }
    }

    /// Vixie cron's day rule.
    pub(crate) fn day_matches(&self, date: Date) -> bool {
        self.day_of_month_and_week_match(
            date.day() as u8,
            date.weekday().to_sunday_zero_offset() as u8,
        )
    }

    /// [`Schedule::day_matches`] for a day of the month and of the week
    /// (0-6, Sunday = 0).
    pub(crate) fn day_of_month_and_week_match(&self, day: u8, weekday: u8) -> bool {
        let dom = self.days_of_month.contains(day);
        let dow = self.days_of_week.contains(weekday);
        if self.dom_restricted && self.dow_restricted {
            dom || dow
        } else {
            dom && dow
        }
    }

    #[cfg(test)]
    /// Whether the schedule fires at this local time (to the second).
    pub(crate) fn matches(&self, dt: jiff::civil::DateTime) -> bool {
        self.months.contains(dt.month() as u8)
            && self.day_matches(dt.date())
            && self.hours.contains(dt.hour() as u8)
            && self.minutes.contains(dt.minute() as u8)
            && self.seconds.contains(dt.second() as u8)
    }
}

/// Weekday 7 is Sunday, like 0.
fn fold_sunday(mut set: FieldSet) -> FieldSet {
    if set.contains(7) {
        set.0 &= !(1 << 7);
        set.insert(0);
    }
    set
}

/// Whitespace-separated words with their character offsets.
fn tokens(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = None;
    for (chars, (i, c)) in text.char_indices().enumerate() {
        if c.is_whitespace() {
            if let Some((byte, char_offset)) = start.take() {
                out.push((char_offset, &text[byte..i]));
            }
        } else if start.is_none() {
            start = Some((i, chars));
        }
    }
    if let Some((byte, char_offset)) = start {
        out.push((char_offset, &text[byte..]));
    }
    out
}

fn parse_field(token: &str, offset: usize, field: Field) -> Result<FieldSet, ScheduleError> {
    for (i, c) in token.chars().enumerate() {
        if let Some((_, what)) = UNPORTABLE.iter().find(|(u, _)| *u == c) {
            // `L` and `W` may be part of a name such as `JUL` or `WED`.
            let is_name_letter =
                matches!(c, 'L' | 'W') && !field.names.is_empty() && token_has_name(token, field);
            if !is_name_letter {
                return Err(error(
                    format!("{what} in the {} field is not supported", field.name),
                    Some("it is not portable to system cron; write the values out, such as `1-7` with a day of week".into()),
                    offset + i,
                    1,
                ));
            }
        }
    }
    let mut set = FieldSet::default();
    let mut item_offset = offset;
    for item in token.split(',') {
        let len = item.chars().count();
        if item.is_empty() {
            return Err(error(
                format!("empty list item in the {} field", field.name),
                Some("remove the extra `,`".into()),
                item_offset,
                1,
            ));
        }
        parse_item(item, item_offset, field, &mut set)?;
        item_offset += len + 1;
    }
    Ok(set)
}

fn token_has_name(token: &str, field: Field) -> bool {
    token
        .split([',', '-', '/'])
        .any(|part| part.len() == 3 && field.names.contains(&part.to_ascii_lowercase().as_str()))
}

fn parse_item(
    item: &str,
    offset: usize,
    field: Field,
    set: &mut FieldSet,
) -> Result<(), ScheduleError> {
    let (range, step) = match item.split_once('/') {
        Some((range, step)) => (range, Some(step)),
        None => (item, None),
    };
    let range_len = range.chars().count();
    let step = match step {
        None => 1,
        Some(text) => {
            let step_offset = offset + range_len + 1;
            let count = u16::from(field.max - field.min) + 1;
            let count = if field == DAY_OF_WEEK { 7 } else { count };
            match text.parse::<u16>() {
                Ok(0) => {
                    return Err(error(
                        format!("step `0` in the {} field", field.name),
                        Some("a step is at least 1: `*/5` means every fifth value".into()),
                        step_offset,
                        1,
                    ));
                }
                Ok(n) if n > count => {
                    return Err(error(
                        format!(
                            "step `{n}` is larger than the {} field's {count} values",
                            field.name
                        ),
                        Some(format!("use a step from 1 to {count}")),
                        step_offset,
                        text.chars().count(),
                    ));
                }
                Ok(n) => n as u8,
                Err(_) => {
                    return Err(error(
                        format!("`{text}` is not a step in the {} field", field.name),
                        Some("a step is a number, as in `*/15`".into()),
                        step_offset,
                        text.chars().count().max(1),
                    ));
                }
            }
        }
    };
    let (low, high) = if range == "*" {
        (field.min, field.max)
    } else if let Some((a, b)) = range.split_once('-') {
        let low = value(a, offset, field)?;
        let high = value(b, offset + a.chars().count() + 1, field)?;
        if low > high {
            return Err(error(
                format!("range `{range}` in the {} field runs backwards", field.name),
                Some(format!(
                    "write the smaller value first, such as `{b}-{a}`, or list the values"
                )),
                offset,
                range_len,
            ));
        }
        (low, high)
    } else {
        let v = value(range, offset, field)?;
        if step != 1 || item.contains('/') {
            return Err(error(
                format!(
                    "`{item}` gives a step to a single value in the {} field",
                    field.name
                ),
                Some(format!(
                    "write a range, such as `{range}-{}/{step}`",
                    field.max
                )),
                offset,
                item.chars().count(),
            ));
        }
        (v, v)
    };
    let mut v = low;
    while v <= high {
        set.insert(v);
        match v.checked_add(step) {
            Some(next) => v = next,
            None => break,
        }
    }
    Ok(())
}

fn value(text: &str, offset: usize, field: Field) -> Result<u8, ScheduleError> {
    let len = text.chars().count();
    match field.value(text) {
        Some(v) if (field.min..=field.max).contains(&v) => Ok(v),
        Some(v) if text.bytes().all(|b| b.is_ascii_digit()) => Err(error(
            format!(
                "value `{text}` is out of range for the {} field ({})",
                field.name,
                field.range_text()
            ),
            Some(format!(
                "{} values run from {} to {}",
                field.name, field.min, field.max
            ))
            .filter(|_| v > 0 || field.min > 0),
            offset,
            len,
        )),
        _ => {
            let help = if field.names.is_empty() {
                format!(
                    "the {} field takes numbers from {} to {}",
                    field.name, field.min, field.max
                )
            } else {
                format!(
                    "the {} field takes numbers from {} to {} or names such as `{}`",
                    field.name, field.min, field.max, field.names[1]
                )
            };
            Err(error(
                format!("`{text}` is not a value of the {} field", field.name),
                Some(help),
                offset,
                len.max(1),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use jiff::tz::TimeZone;

    use super::*;
    use crate::schedule::tests::{at, next_n, parse};

    fn fails(text: &str) -> ScheduleError {
        Schedule::parse(text).expect_err(text)
    }

    fn values(set: FieldSet) -> Vec<u8> {
        set.iter().collect()
    }

    fn fires_on(schedule: &Schedule, date: &str) -> bool {
        schedule.day_matches(date.parse().unwrap())
    }

    #[test]
    fn five_fields_fire_at_second_zero() {
        let s = parse("1 13 * * 1-5");
        assert_eq!(values(s.seconds()), vec![0]);
        assert!(!s.is_sub_minute());
        assert_eq!(
            parse("0 1 13 * * 1-5"),
            Schedule {
                text: "0 1 13 * * 1-5".into(),
                six_fields: true,
                ..s
            }
        );
    }

    #[test]
    fn steps_count_from_the_start_of_the_range() {
        assert_eq!(values(parse("*/15 * * * *").minutes()), vec![0, 15, 30, 45]);
        assert_eq!(values(parse("0 */7 * * *").hours()), vec![0, 7, 14, 21]);
        assert_eq!(
            values(parse("0 0 3-30/3 * *").days_of_month()),
            vec![3, 6, 9, 12, 15, 18, 21, 24, 27, 30]
        );
        assert_eq!(values(parse("0 0 */2 * *").days_of_month())[..3], [1, 3, 5]);
        assert_eq!(values(parse("0 0 1 */3 *").months()), vec![1, 4, 7, 10]);
        assert_eq!(values(parse("0 */30 * * * *").minutes()), vec![0, 30]);
    }

    #[test]
    fn names_and_sunday_seven() {
        assert_eq!(values(parse("0 0 * * 7").days_of_week()), vec![0]);
        assert_eq!(values(parse("0 0 * * sat,SUN").days_of_week()), vec![0, 6]);
        assert_eq!(
            values(parse("0 0 1 may-sep *").months()),
            vec![5, 6, 7, 8, 9]
        );
        assert_eq!(
            values(parse("0 0 * * 1-7").days_of_week()),
            vec![0, 1, 2, 3, 4, 5, 6]
        );
        assert_eq!(values(parse("0 0 * JUL *").months()), vec![7]);
        assert_eq!(values(parse("0 0 * * WED").days_of_week()), vec![3]);
    }

    #[test]
    fn macros_expand() {
        assert_eq!(parse("@daily").minutes(), parse("0 0 * * *").minutes());
        assert_eq!(
            parse("@weekly").days_of_week(),
            parse("0 0 * * 0").days_of_week()
        );
        assert_eq!(parse("@hourly").hours(), parse("0 * * * *").hours());
        assert_eq!(parse("@yearly").months(), parse("0 0 1 1 *").months());
        assert_eq!(parse("@daily").text(), "@daily");
    }

    #[test]
    fn restricted_day_fields_are_ored_and_starred_ones_anded() {
        // 1-31 is restricted: day of month OR Monday = every day.
        let every = parse("0 0 1-31 * 1");
        assert!(fires_on(&every, "2025-03-04"));
        // */2 starts with `*`: odd days AND Mondays.
        let odd_mondays = parse("0 0 */2 * 1");
        assert!(fires_on(&odd_mondays, "2025-03-03")); // Monday the 3rd
        assert!(!fires_on(&odd_mondays, "2025-03-10")); // Monday the 10th
        assert!(!fires_on(&odd_mondays, "2025-03-05")); // Wednesday the 5th
        // Both restricted: the 1st OR Mondays.
        let either = parse("0 0 1 * 1");
        assert!(fires_on(&either, "2025-03-01"));
        assert!(fires_on(&either, "2025-03-10"));
        assert!(!fires_on(&either, "2025-03-11"));
    }

    #[test]
    fn unportable_characters_are_named() {
        for (text, culprit, offset) in [
            ("0 0 ? * *", "`?`", 4),
            ("0 0 L * *", "`L`", 4),
            ("0 0 * * 5#2", "`#`", 9),
            ("0 0 15W * *", "`W`", 6),
        ] {
            let e = fails(text);
            assert!(e.message.contains(culprit), "{text}: {e}");
            assert_eq!(e.offset, offset, "{text}");
        }
    }

    #[test]
    fn bad_values_point_at_the_culprit() {
        let e = fails("5-1 * * * *");
        assert!(e.message.contains("runs backwards"), "{e}");
        assert_eq!((e.offset, e.len), (0, 3));
        let e = fails("60 * * * *");
        assert_eq!(
            e.message,
            "value `60` is out of range for the minute field (0-59)"
        );
        let e = fails("0 24 * * *");
        assert_eq!((e.offset, e.len), (2, 2));
        let e = fails("* * * *");
        assert!(e.message.contains("found 4"), "{e}");
        let e = fails("*/0 * * * *");
        assert!(e.message.contains("step `0`"), "{e}");
        assert_eq!(e.offset, 2);
        assert!(fails("*/61 * * * *").message.contains("larger"));
        let e = fails("5/10 * * * *");
        assert!(e.help.unwrap().contains("5-59/10"));
        assert!(fails("0 0 1 foo *").message.contains("`foo`"));
        assert!(
            fails("0 0 * * mon,,fri")
                .message
                .contains("empty list item")
        );
        assert!(fails("0 0 1 mon *").message.contains("`mon`"));
    }

    #[test]
    fn reboot_and_unknown_macros_are_refused() {
        assert!(fails("@reboot").message.contains("`@reboot` is not a time"));
        assert!(fails("@fortnightly").message.contains("unknown macro"));
    }

    #[test]
    fn a_schedule_that_never_fires_is_refused() {
        assert!(fails("0 0 30 2 *").message.contains("never fires"));
        assert!(fails("0 0 31 4,6 *").message.contains("never fires"));
        // Feb 29 comes every leap year.
        let leap = parse("0 0 29 2 *");
        assert_eq!(
            next_n("0 0 29 2 *", "UTC", "2025-01-01T00:00:00Z", 1),
            vec!["2028-02-29T00:00:00Z"]
        );
        assert!(
            leap.next_after(at("2096-03-01T00:00:00Z"), &TimeZone::UTC)
                .is_some()
        );
    }

    #[test]
    fn an_unreachable_day_of_month_beside_a_weekday_is_noticed() {
        assert!(parse("0 0 30 2 1").day_of_month_is_unreachable());
        assert!(!parse("0 0 1 2 1").day_of_month_is_unreachable());
        assert!(!parse("0 0 30 * 1").day_of_month_is_unreachable());
    }

    #[test]
    fn offsets_count_characters_after_leading_space() {
        let e = fails("  0 0 ? * *");
        assert_eq!(e.offset, 6);
    }
}
