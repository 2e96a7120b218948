//! Times and durations in the few columns a picture has for them: `1.2s`,
//! `1m05s`, `3h ago`, `in 21h`. Exact instants are in `--json`; a glance
//! needs the size of a thing, not its digits. Every time a run took that
//! jobrun prints (`history`, `status`, the chart, a run's lines) is
//! written by [`short_duration`]; durations the job file sets keep its
//! own spelling (`job::duration::format`).

use jiff::Timestamp;

/// A duration in at most six columns, its two largest units: `0s`,
/// `340ms`, `1.2s`, `12s`, `1m05s`, `2h03m`, `3d04h`, `123d`. Rounded down.
pub(crate) fn short_duration(ms: u64) -> String {
    let s = ms / 1000;
    match s {
        0 if ms == 0 => "0s".to_string(),
        0 => format!("{ms}ms"),
        1..=9 => format!("{s}.{}s", ms % 1000 / 100),
        10..=59 => format!("{s}s"),
        60..=3599 => format!("{}m{:02}s", s / 60, s % 60),
        3600..=86_399 => format!("{}h{:02}m", s / 3600, s % 3600 / 60),
        _ if s < 100 * 86_400 => format!("{}d{:02}h", s / 86_400, s % 86_400 / 3600),
        _ => format!("{}d", s / 86_400),
    }
}

/// How long ago `then` was, in one unit, rounded down: `45s ago`,
/// `12m ago`, `3h ago` (up to two days), `12d ago`. A time after `now`
/// (another host's clock) is `0s ago`.
pub(crate) fn ago(then: Timestamp, now: Timestamp) -> String {
    let secs = now.duration_since(then).as_secs().max(0) as u64;
    format!("{} ago", one_unit(secs, false))
}

/// How long until `then`, in one unit, rounded up, so that a run due in
/// half a second is `in 1s`: `in 45s`, `in 12m`, `in 21h`, `in 3d`.
pub(crate) fn until(then: Timestamp, now: Timestamp) -> String {
    let gap = then.duration_since(now);
    let secs = gap.as_secs().max(0) as u64 + u64::from(gap.subsec_nanos() > 0);
    format!("in {}", one_unit(secs, true))
}

fn one_unit(secs: u64, up: bool) -> String {
    let div = |unit: u64| {
        if up { secs.div_ceil(unit) } else { secs / unit }
    };
    if secs < 60 {
        return format!("{secs}s");
    }
    let minutes = div(60);
    if minutes < 60 {
        return format!("{minutes}m");
    }
    let hours = div(3600);
    if hours < 48 {
        return format!("{hours}h");
    }
    format!("{}d", div(86_400))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_keep_to_six_columns() {
        let cases = [
            (0, "0s"),
            (1, "1ms"),
            (340, "340ms"),
            (1_250, "1.2s"),
            (9_999, "9.9s"),
            (12_000, "12s"),
            (65_000, "1m05s"),
            (3_599_999, "59m59s"),
            (86_399_999, "23h59m"),
            (99 * 86_400_000 + 82_800_000, "99d23h"),
            (7_380_000, "2h03m"),
            (273_600_000, "3d04h"),
            (123 * 86_400_000, "123d"),
        ];
        for (ms, text) in cases {
            assert_eq!(short_duration(ms), text, "{ms}");
            assert!(text.len() <= 6);
        }
    }

    #[test]
    fn the_past_rounds_down_and_the_future_up() {
        let now: Timestamp = "2025-03-07T18:30:00Z".parse().unwrap();
        let before = |s: i64| now - jiff::SignedDuration::from_secs(s);
        let after = |ms: i64| now + jiff::SignedDuration::from_millis(ms);
        assert_eq!(ago(before(3 * 3600 + 59 * 60), now), "3h ago");
        assert_eq!(ago(before(59), now), "59s ago");
        assert_eq!(ago(before(3 * 86_400), now), "3d ago");
        assert_eq!(ago(after(5_000), now), "0s ago");
        assert_eq!(until(after(400), now), "in 1s");
        assert_eq!(until(after(20 * 3_600_000 + 1), now), "in 21h");
        assert_eq!(until(after(59 * 60_000 + 1), now), "in 1h");
        assert_eq!(until(after(3 * 86_400_000), now), "in 3d");
    }
}
