//! Durations as the job file writes them: a number of milliseconds (the Node
//! scheduler's form, `timeout: 30000`) or a string with units (`"30s"`,
//! `"1m 30s"`, `"500ms"`, `"2h"`, `"14d"`).

use std::time::Duration;

/// Why a duration string was not understood, with a message fit for a user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub(crate) struct DurationError(pub(crate) String);

/// Parse `"1h 2m 3s 4ms"`-style text: one or more `<number><unit>` parts,
/// units `ms`, `s`, `m`, `h`, `d` (24 hours), optionally separated by
/// spaces.
pub(crate) fn parse(text: &str) -> Result<Duration, DurationError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(DurationError("an empty duration".into()));
    }
    if trimmed.bytes().all(|b| b.is_ascii_digit()) {
        return Err(DurationError(format!(
            "`{trimmed}` has no unit: write `{trimmed}ms` or `{trimmed}s`, or the bare number {trimmed} (milliseconds) without quotes"
        )));
    }
    let mut total = Duration::ZERO;
    let mut rest = trimmed;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(invalid(trimmed));
        }
        // Digits only, so the one way to fail is a number past u64: as
        // large as can be, for the caller's bound to refuse by name.
        let number: u64 = rest[..digits].parse().unwrap_or(u64::MAX);
        rest = &rest[digits..];
        let unit_len = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
        let unit = match &rest[..unit_len] {
            "ms" => Duration::from_millis(number),
            "s" => Duration::from_secs(number),
            "m" | "min" => Duration::from_secs(number.saturating_mul(60)),
            "h" => Duration::from_secs(number.saturating_mul(3600)),
            "d" => Duration::from_secs(number.saturating_mul(86_400)),
            _ => return Err(invalid(trimmed)),
        };
        total = total.saturating_add(unit);
        rest = rest[unit_len..].trim_start();
    }
    Ok(total)
}

fn invalid(text: &str) -> DurationError {
    DurationError(format!(
        "`{text}` is not a duration: use numbers with units ms, s, m, h, d, such as `30s`, `1m 30s` or `500ms`"
    ))
}

/// Render a duration the way the file would write it, for listings.
pub(crate) fn format(duration: Duration) -> String {
    let ms = duration.as_millis();
    if ms == 0 {
        return "0s".into();
    }
    let mut out = String::new();
    let mut push = |value: u128, unit: &str| {
        if value > 0 {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&format!("{value}{unit}"));
        }
    };
    push(ms / 3_600_000, "h");
    push(ms / 60_000 % 60, "m");
    push(ms / 1000 % 60, "s");
    push(ms % 1000, "ms");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_add_up() {
        assert_eq!(parse("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse("1m 30s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse("1m30s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse("2h"), Ok(Duration::from_secs(7200)));
        assert_eq!(parse("14d"), Ok(Duration::from_secs(14 * 86_400)));
        assert_eq!(parse("1d 12h"), Ok(Duration::from_secs(36 * 3600)));
    }

    #[test]
    fn bare_digits_in_a_string_ask_for_a_unit() {
        let error = parse("30").unwrap_err();
        assert!(error.0.contains("has no unit"), "{error}");
    }

    #[test]
    fn unknown_units_are_refused() {
        assert!(parse("3 weeks").is_err());
        assert!(parse("5x").is_err());
        assert!(parse("s").is_err());
        assert!(parse("").is_err());
    }

    #[test]
    fn format_round_trips() {
        for text in ["30s", "1m 30s", "500ms", "2h", "1h 1m 1s 1ms"] {
            assert_eq!(format(parse(text).unwrap()), text);
        }
    }
}
