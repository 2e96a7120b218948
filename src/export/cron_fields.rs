//! A schedule's fields written back out as plain numbers, in the forms
//! every cron dialect, Kubernetes and systemd read alike; and the minutes
//! and hours of the host's clock that cover a job kept in another zone.
//!
//! Only ascending numbers, `a-b`, `a-b/n` and `*` are written: no names, no
//! weekday 7, no `%`, which Vixie cron, cronie, robfig/cron (Kubernetes)
//! and systemd all read the same way. The day fields keep the meaning of
//! Vixie cron's rule (crontab(5)): when both are restricted a day matches
//! if either does, otherwise both must.

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

use crate::schedule::{DAY_OF_MONTH, DAY_OF_WEEK, Field, FieldSet, HOUR, MINUTE, MONTH, SECOND};

/// Which days a schedule fires on, within its months.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Days {
    /// Every day.
    Every,
    /// Days in both sets; one of them may be full.
    Both { dom: FieldSet, dow: FieldSet },
    /// Days in either set; neither is full.
    Either { dom: FieldSet, dow: FieldSet },
}

fn full(field: Field) -> FieldSet {
    // Weekday 7 is folded into 0 by the parser, so a full week is 0-6.
    let max = if field == DAY_OF_WEEK { 6 } else { field.max };
    (field.min..=max).fold(FieldSet::default(), FieldSet::with)
}

pub(crate) fn is_full(set: FieldSet, field: Field) -> bool {
    set == full(field)
}

impl Days {
    pub(crate) fn of(schedule: &crate::schedule::Schedule) -> Days {
        let (dom, dow) = (schedule.days_of_month(), schedule.days_of_week());
        let (dom_full, dow_full) = (is_full(dom, DAY_OF_MONTH), is_full(dow, DAY_OF_WEEK));
        if schedule.dom_restricted() && schedule.dow_restricted() {
            if dom_full || dow_full {
                Days::Every
            } else {
                Days::Either { dom, dow }
            }
        } else if dom_full && dow_full {
            Days::Every
        } else {
            Days::Both { dom, dow }
        }
    }
}

/// How a dialect writes a range and pads a number.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Style {
    pub(crate) range: &'static str,
    pub(crate) pad: bool,
}

pub(crate) const CRON: Style = Style {
    range: "-",
    pad: false,
};
/// systemd.time(7): `a..b`, `a..b/n`, two digits.
pub(crate) const SYSTEMD: Style = Style {
    range: "..",
    pad: true,
};

/// A set as comma-separated items, `*` for the full set. Runs of three or
/// more evenly spaced values become one range item; shorter ones stay a
/// list, as `systemd-analyze calendar` itself writes them.
pub(crate) fn render(set: FieldSet, field: Field, style: Style) -> String {
    if is_full(set, field) {
        return "*".into();
    }
    items(&set.iter().collect::<Vec<u8>>(), style).join(",")
}

fn number(value: u8, style: Style) -> String {
    if style.pad {
        format!("{value:02}")
    } else {
        value.to_string()
    }
}

fn items(values: &[u8], style: Style) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < values.len() {
        let mut end = i;
        if i + 1 < values.len() {
            let step = values[i + 1] - values[i];
            end = i + 1;
            while end + 1 < values.len() && values[end + 1] - values[end] == step {
                end += 1;
            }
            if end - i < 2 {
                end = i;
            }
        }
        if end == i {
            out.push(number(values[i], style));
            i += 1;
            continue;
        }
        let step = values[i + 1] - values[i];
        let range = format!(
            "{}{}{}",
            number(values[i], style),
            style.range,
            number(values[end], style)
        );
        out.push(if step == 1 {
            range
        } else {
            format!("{range}/{step}")
        });
        i = end + 1;
    }
    out
}

/// A day field written so that it starts with `*`, which Vixie cron reads
/// as unrestricted: `*/n` and then whatever values `*/n` leaves out. The
/// set must hold the field's first value, as every `*/n` does.
pub(crate) fn starred(set: FieldSet, field: Field) -> String {
    if is_full(set, field) {
        return "*".into();
    }
    // Cron's `*/n` on the weekday field counts over 0-7, 7 being Sunday.
    let progression = |n: u8| {
        (field.min..=field.max)
            .step_by(n as usize)
            .map(|v| if field == DAY_OF_WEEK && v == 7 { 0 } else { v })
            .fold(FieldSet::default(), FieldSet::with)
    };
    let span = field.max - field.min + 1;
    let n = (2..=span)
        .find(|&n| progression(n).iter().all(|v| set.contains(v)))
        .unwrap_or(span);
    let rest: Vec<u8> = set
        .iter()
        .filter(|v| !progression(n).contains(*v))
        .collect();
    let mut text = format!("*/{n}");
    for item in items(&rest, CRON) {
        text.push(',');
        text.push_str(&item);
    }
    text
}

/// The two day fields for Vixie cron (Debian cron, cronie, busybox),
/// keeping each field's star-ness where it decides the day rule.
pub(crate) fn cron_days(schedule: &crate::schedule::Schedule) -> (String, String) {
    match Days::of(schedule) {
        Days::Every => ("*".into(), "*".into()),
        Days::Either { dom, dow } => (
            render(dom, DAY_OF_MONTH, CRON),
            render(dow, DAY_OF_WEEK, CRON),
        ),
        Days::Both { dom, dow } => {
            let field = |set, field, restricted: bool| {
                if restricted {
                    render(set, field, CRON)
                } else {
                    starred(set, field)
                }
            };
            (
                field(dom, DAY_OF_MONTH, schedule.dom_restricted()),
                field(dow, DAY_OF_WEEK, schedule.dow_restricted()),
            )
        }
    }
}

/// The two day fields for Kubernetes' parser (robfig/cron), which treats
/// only a bare `*` as unrestricted; `None` when it cannot say the days
/// (both fields must match and neither is every day).
pub(crate) fn robfig_days(schedule: &crate::schedule::Schedule) -> Option<(String, String)> {
    match Days::of(schedule) {
        Days::Every => Some(("*".into(), "*".into())),
        Days::Either { dom, dow } => Some((
            render(dom, DAY_OF_MONTH, CRON),
            render(dow, DAY_OF_WEEK, CRON),
        )),
        Days::Both { dom, dow } => {
            let (dom_full, dow_full) = (is_full(dom, DAY_OF_MONTH), is_full(dow, DAY_OF_WEEK));
            (dom_full || dow_full).then(|| {
                (
                    render(dom, DAY_OF_MONTH, CRON),
                    render(dow, DAY_OF_WEEK, CRON),
                )
            })
        }
    }
}

/// `m h dom mon dow` for a Vixie cron reading the schedule in its own zone.
pub(crate) fn cron_line(schedule: &crate::schedule::Schedule) -> String {
    let (dom, dow) = cron_days(schedule);
    format!(
        "{} {} {dom} {} {dow}",
        render(schedule.minutes(), MINUTE, CRON),
        render(schedule.hours(), HOUR, CRON),
        render(schedule.months(), MONTH, CRON),
    )
}

/// Every UTC offset `tz` uses from `now` to `years` ahead, in order.
pub(crate) fn offsets_ahead(tz: &TimeZone, now: Timestamp, years: i64) -> Vec<i32> {
    let end = now
        .checked_add(SignedDuration::from_hours(24 * 366 * years))
        .unwrap_or(now);
    let mut offsets = vec![tz.to_offset(now).seconds()];
    for transition in tz.following(now) {
        if transition.timestamp() > end {
            break;
        }
        offsets.push(transition.offset().seconds());
    }
    offsets.sort_unstable();
    offsets.dedup();
    offsets
}

/// The minutes and hours of the host's clock at which a job in `job_zone`
/// can fire: its local times, delayed by its splay offset (`splay`,
/// seconds), moved by every difference between the zones' offsets in the
/// coming years. A superset: `run --due` decides at run time.
pub(crate) fn host_minutes_hours(
    schedule: &crate::schedule::Schedule,
    splay: i32,
    job_offsets: &[i32],
    host_offsets: &[i32],
) -> (FieldSet, FieldSet) {
    let mut shifts: Vec<i32> = job_offsets
        .iter()
        .flat_map(|job| host_offsets.iter().map(move |host| host - job))
        .collect();
    shifts.sort_unstable();
    shifts.dedup();
    let (mut minutes, mut hours) = (FieldSet::default(), FieldSet::default());
    for h in schedule.hours().iter() {
        for m in schedule.minutes().iter() {
            for s in schedule.seconds().iter() {
                let local = i32::from(h) * 3600 + i32::from(m) * 60 + i32::from(s) + splay;
                for shift in &shifts {
                    let host = (local + shift).rem_euclid(86_400);
                    hours = hours.with((host / 3600) as u8);
                    minutes = minutes.with((host % 3600 / 60) as u8);
                }
            }
        }
    }
    (minutes, hours)
}

/// `m h * * *` at the host minutes covering a job kept in another zone.
pub(crate) fn shifted_cron_line(minutes: FieldSet, hours: FieldSet) -> String {
    format!(
        "{} {} * * *",
        render(minutes, MINUTE, CRON),
        render(hours, HOUR, CRON)
    )
}

/// The same cron fields with `*` for the hour.
pub(crate) fn with_every_hour(fields: &str) -> String {
    fields
        .split(' ')
        .enumerate()
        .map(|(i, field)| if i == 1 { "*" } else { field })
        .collect::<Vec<_>>()
        .join(" ")
}

/// systemd's weekday names, Monday first as it prints them.
const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

fn systemd_weekdays(dow: FieldSet) -> String {
    // Monday = 1 ... Sunday = 7, the order systemd lists them in.
    let iso: Vec<u8> = (1..=7u8).filter(|d| dow.contains(d % 7)).collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < iso.len() {
        let mut end = i;
        while end + 1 < iso.len() && iso[end + 1] == iso[end] + 1 {
            end += 1;
        }
        let name = |d: u8| WEEKDAYS[d as usize - 1];
        if end - i >= 2 {
            out.push(format!("{}..{}", name(iso[i]), name(iso[end])));
        } else {
            out.extend(iso[i..=end].iter().map(|d| name(*d).to_string()));
        }
        i = end + 1;
    }
    out.join(",")
}

/// The `OnCalendar=` expressions for a schedule (systemd.time(7)), with
/// the zone suffix given. Weekday and date are ANDed there, so a schedule
/// firing on either of its day fields takes two expressions.
pub(crate) fn on_calendar(schedule: &crate::schedule::Schedule, zone: Option<&str>) -> Vec<String> {
    let time = format!(
        "{}:{}:{}",
        render(schedule.hours(), HOUR, SYSTEMD),
        render(schedule.minutes(), MINUTE, SYSTEMD),
        render(schedule.seconds(), SECOND, SYSTEMD),
    );
    let month = render(schedule.months(), MONTH, SYSTEMD);
    let suffix = zone.map(|z| format!(" {z}")).unwrap_or_default();
    let line = |dow: Option<FieldSet>, dom: Option<FieldSet>| {
        let weekdays = dow
            .filter(|d| !is_full(*d, DAY_OF_WEEK))
            .map(|d| format!("{} ", systemd_weekdays(d)))
            .unwrap_or_default();
        let day = dom.map_or("*".into(), |d| render(d, DAY_OF_MONTH, SYSTEMD));
        format!("{weekdays}*-{month}-{day} {time}{suffix}")
    };
    match Days::of(schedule) {
        Days::Every => vec![line(None, None)],
        Days::Both { dom, dow } => vec![line(Some(dow), Some(dom))],
        Days::Either { dom, dow } => vec![line(Some(dow), None), line(None, Some(dom))],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::Schedule;

    fn parse(text: &str) -> Schedule {
        Schedule::parse(text).unwrap()
    }

    fn zone(name: &str) -> TimeZone {
        TimeZone::get(name).unwrap()
    }

    fn now() -> Timestamp {
        "2025-06-01T00:00:00Z".parse().unwrap()
    }

    /// The crontab line for a job in `zone_name` on a UTC host.
    fn crontab_on_utc_host(text: &str, zone_name: &str) -> String {
        let schedule = parse(text);
        let job = offsets_ahead(&zone(zone_name), now(), 10);
        let (m, h) = host_minutes_hours(&schedule, 0, &job, &[0]);
        shifted_cron_line(m, h)
    }

    /// Reference schedules, each with the crontab fields and the
    /// `OnCalendar=` it must give, host zone UTC.
    #[test]
    fn the_reference_vectors_give_the_reference_crontab_and_calendar() {
        for (text, cron, calendar) in [
            ("0 1 13 * * 1-5", "1 13 * * 1-5", "Mon..Fri *-*-* 13:01:00"),
            ("1 13 * * 1-5", "1 13 * * 1-5", "Mon..Fri *-*-* 13:01:00"),
            ("0 */30 * * * *", "0,30 * * * *", "*-*-* *:00,30:00"),
            ("*/15 * * * *", "0-45/15 * * * *", "*-*-* *:00..45/15:00"),
            ("0 */7 * * *", "0 0-21/7 * * *", "*-*-* 00..21/7:00:00"),
            ("0 0 3-30/3 * *", "0 0 3-30/3 * *", "*-*-03..30/3 00:00:00"),
            ("0 0 * * 7", "0 0 * * 0", "Sun *-*-* 00:00:00"),
            ("0 0 * * sat,sun", "0 0 * * 0,6", "Sat,Sun *-*-* 00:00:00"),
            ("0 0 1 may-sep *", "0 0 1 5-9 *", "*-05..09-01 00:00:00"),
            ("0 0 1-31 * 1", "0 0 * * *", "*-*-* 00:00:00"),
            ("0 0 */2 * 1", "0 0 */2 * 1", "Mon *-*-01..31/2 00:00:00"),
            ("0 0 */2 * *", "0 0 */2 * *", "*-*-01..31/2 00:00:00"),
            ("*/5 * * * * *", "* * * * *", "*-*-* *:*:00..55/5"),
        ] {
            let schedule = parse(text);
            assert_eq!(cron_line(&schedule), cron, "{text}");
            assert_eq!(on_calendar(&schedule, None), vec![calendar], "{text}");
        }
    }

    #[test]
    fn chicago_jobs_on_a_utc_host_cover_both_offsets() {
        assert_eq!(
            crontab_on_utc_host("1 13 * * 1-5", "America/Chicago"),
            "1 18,19 * * *"
        );
        assert_eq!(
            crontab_on_utc_host("30 2 * * *", "America/Chicago"),
            "30 7,8 * * *"
        );
        assert_eq!(
            crontab_on_utc_host("30 1 * * *", "America/Chicago"),
            "30 6,7 * * *"
        );
        assert_eq!(
            on_calendar(&parse("1 13 * * 1-5"), Some("America/Chicago")),
            vec!["Mon..Fri *-*-* 13:01:00 America/Chicago"]
        );
    }

    #[test]
    fn half_hour_zones_shift_the_minutes() {
        // Kolkata is +05:30 all year; Kathmandu +05:45.
        assert_eq!(
            crontab_on_utc_host("0 9 * * *", "Asia/Kolkata"),
            "30 3 * * *"
        );
        assert_eq!(
            crontab_on_utc_host("0 9 * * *", "Asia/Kathmandu"),
            "15 3 * * *"
        );
        // Lord Howe moves between +10:30 and +11:00: two minutes, one hour.
        assert_eq!(
            crontab_on_utc_host("15 2 * * *", "Australia/Lord_Howe"),
            "15,45 15 * * *"
        );
        // Midnight local is the day before in UTC; the days stay `*`.
        assert_eq!(crontab_on_utc_host("0 0 1 1 *", "Asia/Tokyo"), "0 15 * * *");
    }

    #[test]
    fn a_host_with_its_own_offsets_shifts_by_each_difference() {
        let schedule = parse("0 12 * * *");
        // Job at +01:00/+02:00 (Berlin), host at -06:00/-05:00 (Chicago).
        let (m, h) = host_minutes_hours(&schedule, 0, &[3600, 7200], &[-21600, -18000]);
        assert_eq!(shifted_cron_line(m, h), "0 4-6 * * *");
    }

    #[test]
    fn offsets_ahead_lists_each_offset_once() {
        assert_eq!(
            offsets_ahead(&zone("America/Chicago"), now(), 10),
            vec![-6 * 3600, -5 * 3600]
        );
        assert_eq!(offsets_ahead(&zone("Asia/Kolkata"), now(), 10), vec![19800]);
        assert_eq!(
            offsets_ahead(&zone("Australia/Lord_Howe"), now(), 10),
            vec![37800, 39600]
        );
        assert_eq!(offsets_ahead(&TimeZone::UTC, now(), 10), vec![0]);
    }

    #[test]
    fn star_fields_keep_their_star_and_restricted_ones_their_numbers() {
        // Both restricted: either matches, written as numbers.
        assert_eq!(cron_line(&parse("0 0 1,15 * 1")), "0 0 1,15 * 1");
        assert_eq!(
            on_calendar(&parse("0 0 1,15 * 1"), None),
            vec!["Mon *-*-* 00:00:00", "*-*-01,15 00:00:00"]
        );
        // `*/2` in day of week keeps its star beside a restricted day.
        assert_eq!(cron_line(&parse("0 0 1 * */2")), "0 0 1 * */2");
        // A starred list keeps the star and lists the rest.
        assert_eq!(cron_line(&parse("0 0 */10,5 * 1")), "0 0 */10,5 * 1");
        // A restricted full week beside a starred day of month: every day
        // of the starred set.
        assert_eq!(cron_line(&parse("0 0 */2 * 0-6")), "0 0 */2 * *");
        // Weekday 7 and names never appear.
        assert_eq!(cron_line(&parse("0 0 * JAN-MAR 5-7")), "0 0 * 1-3 0,5,6");
    }

    #[test]
    fn kubernetes_refuses_a_starred_step_beside_a_restricted_day() {
        assert_eq!(robfig_days(&parse("0 0 */2 * 1")), None);
        assert_eq!(robfig_days(&parse("0 0 */2 * */2")), None);
        assert_eq!(
            robfig_days(&parse("0 0 */2 * *")),
            Some(("1-31/2".into(), "*".into()))
        );
        assert_eq!(
            robfig_days(&parse("0 0 1,15 * 1-5")),
            Some(("1,15".into(), "1-5".into()))
        );
        assert_eq!(
            robfig_days(&parse("0 0 * * 1-5")),
            Some(("*".into(), "1-5".into()))
        );
        assert_eq!(
            robfig_days(&parse("0 0 1-31 * 1")),
            Some(("*".into(), "*".into()))
        );
    }

    /// Random schedules from the grammar's items: the normalised line,
    /// read back, fires at the same times, and the Kubernetes fields, read
    /// as robfig/cron reads them (only a bare `*` unrestricted), on the
    /// same days.
    #[test]
    fn random_schedules_keep_their_meaning_when_normalised() {
        let mut state = 12345u64;
        let mut below = |n: u64| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) % n
        };
        let mut item = |min: u64, max: u64| -> String {
            let a = min + below(max - min + 1);
            let b = a + below(max - a + 1);
            let step = 1 + below(7);
            match below(6) {
                0 => "*".into(),
                1 => format!("*/{step}"),
                2 => a.to_string(),
                3 => format!("{a}-{b}"),
                4 => format!("{a}-{b}/{step}"),
                _ => format!("{a},{b}"),
            }
        };
        // A field is one item, or two as a list (`*/10,5`).
        let mut calls = 0u32;
        let mut field = |min: u64, max: u64| -> String {
            let first = item(min, max);
            let second = item(min, max);
            calls += 1;
            if calls.is_multiple_of(3) {
                format!("{first},{second}")
            } else {
                first
            }
        };
        let start: jiff::civil::Date = "2024-01-01".parse().unwrap();
        let mut checked = 0;
        for _ in 0..3000 {
            let text = format!(
                "{} {} {} {} {}",
                field(0, 59),
                field(0, 23),
                field(1, 31),
                field(1, 12),
                field(0, 7)
            );
            let Ok(original) = Schedule::parse(&text) else {
                continue;
            };
            let line = cron_line(&original);
            let rendered = parse(&line);
            assert_eq!(original.minutes(), rendered.minutes(), "{text} -> {line}");
            assert_eq!(original.hours(), rendered.hours(), "{text} -> {line}");
            assert_eq!(original.months(), rendered.months(), "{text} -> {line}");
            let robfig = robfig_days(&original).map(|(dom, dow)| {
                let star = dom == "*" || dow == "*";
                let dom_set = parse(&format!("0 0 {dom} * *")).days_of_month();
                let dow_set = parse(&format!("0 0 * * {dow}")).days_of_week();
                (star, dom_set, dow_set)
            });
            for offset in 0..400 {
                let date = start.checked_add(jiff::Span::new().days(offset)).unwrap();
                let expected = original.day_matches(date);
                assert_eq!(
                    rendered.day_matches(date),
                    expected,
                    "{text} -> {line} on {date}"
                );
                if let Some((star, dom_set, dow_set)) = robfig {
                    let (d, w) = (
                        dom_set.contains(date.day() as u8),
                        dow_set.contains(date.weekday().to_sunday_zero_offset() as u8),
                    );
                    let robfig_reads = if star { d && w } else { d || w };
                    assert_eq!(robfig_reads, expected, "{text}: Kubernetes on {date}");
                }
            }
            checked += 1;
        }
        assert!(checked > 1000, "only {checked} schedules parsed");
    }

    /// The rendered line, read back by jobrun's own parser, fires on the
    /// same days: the day rule survives normalisation.
    #[test]
    fn rendered_days_mean_the_same_days() {
        let start: jiff::civil::Date = "2024-01-01".parse().unwrap();
        for text in [
            "0 0 */2 * 1",
            "0 0 1-31 * 1",
            "0 0 */3 * */2",
            "0 0 5,10 * sat",
            "0 0 */10,5 * 1",
            "0 0 1 * */3",
            "0 0 13 * 5",
            "0 0 * * 1-7",
        ] {
            let original = parse(text);
            let rendered = parse(&cron_line(&original));
            for offset in 0..800 {
                let date = start.checked_add(jiff::Span::new().days(offset)).unwrap();
                assert_eq!(
                    original.day_matches(date),
                    rendered.day_matches(date),
                    "{text} -> {} on {date}",
                    cron_line(&original)
                );
            }
        }
    }
}
