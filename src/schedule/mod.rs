//! The schedule model: cron expressions, what they mean, and when they fire
//! in a time zone.
//!
//! The meaning is Vixie cron's, which Debian cron, cronie and Kubernetes
//! share (crontab(5)): a step counts from the start of its range, weekday 7
//! is Sunday, and when both day fields are restricted a day matches if
//! *either* does. "Restricted" is decided by the text, as Vixie cron does
//! with its DOM_STAR/DOW_STAR flags: a day field whose text starts with `*`
//! (`*/2` included) is unrestricted for that rule.

pub(crate) mod catch_up;
pub(crate) mod due;
pub(crate) mod node_cron;
pub(crate) mod zone;

use std::fmt;

use jiff::civil::{Date, DateTime};
use jiff::tz::{AmbiguousOffset, TimeZone};
use jiff::{Timestamp, ZonedDateTime as Zoned};

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

/// How far ahead `next_after` looks. The Gregorian calendar repeats every
/// 400 years, so a schedule that fires at all fires within one cycle; Feb 29
/// on a Sunday, for one, can be 40 years away (2088, then 2128).
const SEARCH_YEARS: i16 = 401;

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

    /// Vixie cron's day rule.
    pub(crate) fn day_matches(&self, date: Date) -> bool {
        let dom = self.days_of_month.contains(date.day() as u8);
        let dow = self
            .days_of_week
            .contains(date.weekday().to_sunday_zero_offset() as u8);
        if self.dom_restricted && self.dow_restricted {
            dom || dow
        } else {
            dom && dow
        }
    }

    #[cfg(test)]
    /// Whether the schedule fires at this local time (to the second).
    pub(crate) fn matches(&self, dt: DateTime) -> bool {
        self.months.contains(dt.month() as u8)
            && self.day_matches(dt.date())
            && self.hours.contains(dt.hour() as u8)
            && self.minutes.contains(dt.minute() as u8)
            && self.seconds.contains(dt.second() as u8)
    }

    /// The first local time at or after `from` that matches, ignoring zones.
    fn next_civil(&self, from: DateTime) -> Option<DateTime> {
        let (mut y, mut mo, mut d) = (from.year(), from.month(), from.day());
        let (mut h, mut mi, mut s) = (from.hour(), from.minute(), from.second());
        let limit = y.saturating_add(SEARCH_YEARS);
        loop {
            // Carry overflowing fields upwards.
            if s > 59 {
                s = 0;
                mi += 1;
            }
            if mi > 59 {
                mi = 0;
                h += 1;
            }
            if h > 23 {
                h = 0;
                d += 1;
            }
            if mo > 12 {
                mo = 1;
                y += 1;
            }
            if y > limit || y > 9998 {
                return None;
            }
            let first = Date::new(y, mo, 1).ok()?;
            if d > first.days_in_month() {
                d = 1;
                mo += 1;
                (h, mi, s) = (0, 0, 0);
                continue;
            }
            if !self.months.contains(mo as u8) {
                match self.months.at_or_after(mo as u8 + 1) {
                    Some(next) => mo = next as i8,
                    None => {
                        y += 1;
                        mo = self.months.first()? as i8;
                    }
                }
                d = 1;
                (h, mi, s) = (0, 0, 0);
                continue;
            }
            if !self.day_matches(Date::new(y, mo, d).ok()?) {
                d += 1;
                (h, mi, s) = (0, 0, 0);
                continue;
            }
            match self.hours.at_or_after(h as u8) {
                Some(next) if next as i8 == h => {}
                Some(next) => (h, mi, s) = (next as i8, 0, 0),
                None => {
                    (d, h, mi, s) = (d + 1, 0, 0, 0);
                    continue;
                }
            }
            match self.minutes.at_or_after(mi as u8) {
                Some(next) if next as i8 == mi => {}
                Some(next) => (mi, s) = (next as i8, 0),
                None => {
                    (h, mi, s) = (h + 1, 0, 0);
                    continue;
                }
            }
            match self.seconds.at_or_after(s as u8) {
                Some(next) => s = next as i8,
                None => {
                    (mi, s) = (mi + 1, 0);
                    continue;
                }
            }
            return DateTime::new(y, mo, d, h, mi, s, 0).ok();
        }
    }

    /// The first fire time strictly after `after`, in zone `tz`.
    ///
    /// Daylight saving time, as systemd timers and node-cron with a zone do
    /// it: a local time that does not exist (the spring-forward gap) is
    /// skipped, and one that happens twice (the fall-back fold) fires once,
    /// at its first occurrence.
    pub(crate) fn next_after(&self, after: Timestamp, tz: &TimeZone) -> Option<Zoned> {
        let local = tz.to_datetime(after);
        // Candidates start at the next whole second.
        let mut from = local
            .with()
            .subsec_nanosecond(0)
            .build()
            .ok()?
            .checked_add(jiff::SignedDuration::from_secs(1))
            .ok()?;
        // Each pass skips one gap or one second of a fold's repeat; a fold
        // lasts at most a few hours of seconds.
        for _ in 0..100_000 {
            let candidate = self.next_civil(from)?;
            let instant = match tz.to_ambiguous_timestamp(candidate).offset() {
                AmbiguousOffset::Unambiguous { offset } => offset.to_timestamp(candidate).ok()?,
                AmbiguousOffset::Gap { .. } => {
                    from = candidate
                        .checked_add(jiff::SignedDuration::from_secs(1))
                        .ok()?;
                    continue;
                }
                AmbiguousOffset::Fold { before, .. } => before.to_timestamp(candidate).ok()?,
            };
            if instant > after {
                return Some(instant.to_zoned_datetime(tz.clone()));
            }
            from = candidate
                .checked_add(jiff::SignedDuration::from_secs(1))
                .ok()?;
        }
        None
    }

    /// Fire times after `after`, in order.
    pub(crate) fn upcoming<'a>(
        &'a self,
        after: Timestamp,
        tz: &'a TimeZone,
    ) -> impl Iterator<Item = Zoned> + 'a {
        let mut last = after;
        std::iter::from_fn(move || {
            let next = self.next_after(last, tz)?;
            last = next.timestamp();
            Some(next)
        })
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
    use super::*;

    fn parse(text: &str) -> Schedule {
        Schedule::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    fn fails(text: &str) -> ScheduleError {
        Schedule::parse(text).expect_err(text)
    }

    fn values(set: FieldSet) -> Vec<u8> {
        set.iter().collect()
    }

    fn zone(name: &str) -> TimeZone {
        TimeZone::get(name).unwrap()
    }

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn next_n(schedule: &str, zone_name: &str, after: &str, n: usize) -> Vec<String> {
        let tz = zone(zone_name);
        parse(schedule)
            .upcoming(at(after), &tz)
            .take(n)
            .map(|z| z.timestamp().to_string())
            .collect()
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
    fn rare_days_are_found_decades_ahead() {
        // Feb 29 that is a Sunday: 2088, then 2128 (2100 is not a leap year).
        assert_eq!(
            next_n("0 0 29 2 */7", "UTC", "2090-01-01T00:00:00Z", 1),
            vec!["2128-02-29T00:00:00Z"]
        );
    }

    #[test]
    fn offsets_count_characters_after_leading_space() {
        let e = fails("  0 0 ? * *");
        assert_eq!(e.offset, 6);
    }

    #[test]
    fn next_fire_times_in_utc() {
        assert_eq!(
            next_n("1 13 * * 1-5", "UTC", "2025-03-07T13:01:00Z", 2),
            vec!["2025-03-10T13:01:00Z", "2025-03-11T13:01:00Z"]
        );
        assert_eq!(
            next_n("*/5 * * * * *", "UTC", "2025-01-01T00:00:00.5Z", 3),
            vec![
                "2025-01-01T00:00:05Z",
                "2025-01-01T00:00:10Z",
                "2025-01-01T00:00:15Z"
            ]
        );
        assert_eq!(
            next_n("0 0 1 1 *", "UTC", "2025-06-01T00:00:00Z", 1),
            vec!["2026-01-01T00:00:00Z"]
        );
    }

    #[test]
    fn chicago_schedule_runs_at_chicago_time_on_a_utc_clock() {
        // 13:01 CST is 19:01Z in winter, 18:01Z in summer.
        assert_eq!(
            next_n("1 13 * * 1-5", "America/Chicago", "2025-03-07T00:00:00Z", 1),
            vec!["2025-03-07T19:01:00Z"]
        );
        assert_eq!(
            next_n("1 13 * * 1-5", "America/Chicago", "2025-03-10T00:00:00Z", 1),
            vec!["2025-03-10T18:01:00Z"]
        );
    }

    #[test]
    fn spring_forward_gap_is_skipped() {
        // 02:30 does not exist in Chicago on 2025-03-09.
        assert_eq!(
            next_n("30 2 * * *", "America/Chicago", "2025-03-08T00:00:00Z", 3),
            vec![
                "2025-03-08T08:30:00Z",
                "2025-03-10T07:30:00Z",
                "2025-03-11T07:30:00Z"
            ]
        );
    }

    #[test]
    fn fall_back_fold_fires_once_at_the_first_occurrence() {
        assert_eq!(
            next_n("30 1 * * *", "America/Chicago", "2025-11-01T12:00:00Z", 2),
            vec!["2025-11-02T06:30:00Z", "2025-11-03T07:30:00Z"]
        );
        // Asked from inside the repeated hour, the next run is the next day.
        assert_eq!(
            next_n("30 1 * * *", "America/Chicago", "2025-11-02T07:10:00Z", 1),
            vec!["2025-11-03T07:30:00Z"]
        );
        // An every-15-minutes job does not run twice in the repeated hour.
        // 06:50Z is 01:50 CDT; 01:00-01:59 CST (07:00Z-07:59Z) is skipped.
        let fold = next_n("*/15 * * * *", "America/Chicago", "2025-11-02T06:50:00Z", 4);
        assert_eq!(
            fold,
            vec![
                "2025-11-02T08:00:00Z",
                "2025-11-02T08:15:00Z",
                "2025-11-02T08:30:00Z",
                "2025-11-02T08:45:00Z"
            ]
        );
    }

    #[test]
    fn half_hour_and_thirty_minute_dst_zones() {
        // Kolkata is +05:30 all year.
        assert_eq!(
            next_n("0 9 * * *", "Asia/Kolkata", "2025-01-01T00:00:00Z", 1),
            vec!["2025-01-01T03:30:00Z"]
        );
        // Lord Howe moves from +10:30 to +11:00 at 02:00 on 2025-10-05:
        // 02:15 does not exist that day.
        assert_eq!(
            next_n(
                "15 2 * * *",
                "Australia/Lord_Howe",
                "2025-10-03T12:00:00Z",
                3
            ),
            vec![
                "2025-10-03T15:45:00Z",
                "2025-10-05T15:15:00Z",
                "2025-10-06T15:15:00Z"
            ]
        );
    }

    fn searched(
        schedule: &Schedule,
        tz: &TimeZone,
        start: Timestamp,
        end: Timestamp,
    ) -> Vec<Timestamp> {
        schedule
            .upcoming(start, tz)
            .map(|z| z.timestamp())
            .take_while(|t| *t <= end)
            .collect()
    }

    /// How long from `local`, which the schedule refuses, it keeps refusing
    /// as local time runs on: to the end of the refused day, hour or minute,
    /// else one second.
    fn refused_for(schedule: &Schedule, local: DateTime) -> i64 {
        let (hour, minute, second) = (
            i64::from(local.hour()),
            i64::from(local.minute()),
            i64::from(local.second()),
        );
        if !schedule.months().contains(local.month() as u8) || !schedule.day_matches(local.date()) {
            86_400 - (hour * 3600 + minute * 60 + second)
        } else if !schedule.hours().contains(local.hour() as u8) {
            3600 - (minute * 60 + second)
        } else if !schedule.minutes().contains(local.minute() as u8) {
            60 - second
        } else {
            1
        }
    }

    /// How [`brute_force`] walks through time.
    #[derive(Clone, Copy, PartialEq)]
    enum Walk {
        /// Every step.
        Plain,
        /// Between two of the zone's transitions local time runs with real
        /// time, so from an instant whose local day, hour or minute the
        /// schedule refuses, every step before the end of that day, hour or
        /// minute (or the next transition, if that comes first) would be
        /// refused too: those are leapt over, and the answer is the same.
        Leaping,
    }

    /// Step through time and ask, at each instant, whether the schedule
    /// fires there: an oracle that shares no search code with `next_after`.
    fn brute_force(
        schedule: &Schedule,
        tz: &TimeZone,
        start: Timestamp,
        end: Timestamp,
        step: i64,
        walk: Walk,
    ) -> Vec<Timestamp> {
        let after = |secs: i64| {
            start
                .checked_add(jiff::SignedDuration::from_secs(secs))
                .unwrap()
        };
        let mut fires = Vec::new();
        // Seconds from `start` to the last step looked at.
        let mut n = 0;
        while after(n) < end {
            n += step;
            let t = after(n);
            let local = tz.to_datetime(t);
            if schedule.matches(local) {
                let first = tz.to_ambiguous_timestamp(local).earlier().unwrap();
                if first == t {
                    fires.push(t);
                }
            } else if walk == Walk::Leaping {
                let mut until = n + refused_for(schedule, local);
                if let Some(change) = tz.following(t).map(|c| c.timestamp()).find(|c| *c > t) {
                    until = until.min(change.duration_since(start).as_secs());
                }
                // The next step looked at is the first at or after `until`.
                n = (until + step - 1).div_euclid(step) * step - step;
            }
        }
        fires
    }

    #[test]
    fn next_after_agrees_with_minute_by_minute_stepping_over_two_years() {
        let schedules = [
            "30 2 * * *",
            "30 1 * * 0",
            "0 0 1-31/10 * 5",
            "15 */7 */2 * 1",
            "*/20 9-17 * jan-mar,oct mon-fri",
            "45 23 29 2 *",
        ];
        let zones = [
            "UTC",
            "America/Chicago",
            "Asia/Kolkata",
            "Australia/Lord_Howe",
            "Europe/London",
        ];
        let start = at("2024-01-01T00:00:00Z");
        let end = at("2026-01-01T00:00:00Z");
        let day = jiff::SignedDuration::from_hours(24);
        for text in schedules {
            let schedule = parse(text);
            for name in zones {
                let tz = zone(name);
                let expected = brute_force(&schedule, &tz, start, end, 60, Walk::Leaping);
                assert!(!expected.is_empty(), "{text} in {name} fires");
                assert_eq!(
                    searched(&schedule, &tz, start, end),
                    expected,
                    "{text} in {name}"
                );
                // Around each DST change, where leaping is subtlest, every
                // minute is looked at too.
                let changes = tz
                    .following(start)
                    .map(|c| c.timestamp())
                    .take_while(|c| *c < end);
                for change in changes {
                    let (from, to) = (change - day, change + day);
                    assert_eq!(
                        searched(&schedule, &tz, from, to),
                        brute_force(&schedule, &tz, from, to, 60, Walk::Plain),
                        "{text} in {name} around {change}"
                    );
                }
            }
        }
    }

    #[test]
    fn sub_minute_schedules_agree_with_second_by_second_stepping() {
        let schedule = parse("*/20 30 1,2 * * *");
        let tz = zone("America/Chicago");
        // Covers both DST changes of 2025.
        for (from, to) in [
            ("2025-03-08T06:00:00Z", "2025-03-10T10:00:00Z"),
            ("2025-11-01T05:00:00Z", "2025-11-03T10:00:00Z"),
        ] {
            let (start, end) = (at(from), at(to));
            assert_eq!(
                searched(&schedule, &tz, start, end),
                brute_force(&schedule, &tz, start, end, 1, Walk::Plain)
            );
        }
    }
}
