//! Sizes as the job file writes them: a number of bytes (`1048576`) or a
//! string with a unit (`"512 KiB"`, `"1 MB"`, `"10kB"`).
//!
//! Units follow IEC 80000-13: `kB`, `MB`, `GB` are powers of 1000, `KiB`,
//! `MiB`, `GiB` powers of 1024. The case is exact, and a bare `K`, `M` or
//! `G` is refused: each is read as 1000 by some tools and 1024 by others,
//! and a limit should not depend on which the reader had in mind.

/// Every unit, with its bytes.
pub(crate) const UNITS: &[(&str, u64)] = &[
    ("B", 1),
    ("kB", 1000),
    ("MB", 1000 * 1000),
    ("GB", 1000 * 1000 * 1000),
    ("KiB", 1024),
    ("MiB", 1024 * 1024),
    ("GiB", 1024 * 1024 * 1024),
];

const UNITS_HELP: &str =
    "use B, kB, MB, GB (powers of 1000) or KiB, MiB, GiB (powers of 1024), such as `512 KiB`";

/// Why a size string was not understood, with messages fit for a user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub(crate) struct SizeError {
    pub(crate) message: String,
    pub(crate) help: String,
}

fn error(message: String, help: impl Into<String>) -> SizeError {
    SizeError {
        message,
        help: help.into(),
    }
}

/// Parse `<whole number><unit>`, with or without a space between. A size
/// too large to count saturates at `u64::MAX`, for the caller's own limit
/// to refuse with its own reason.
pub(crate) fn parse(text: &str) -> Result<u64, SizeError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(error("an empty size".into(), UNITS_HELP));
    }
    let digits = trimmed.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return Err(error(format!("`{trimmed}` is not a size"), UNITS_HELP));
    }
    let number = trimmed[..digits].parse::<u64>().unwrap_or(u64::MAX);
    let rest = &trimmed[digits..];
    if rest.starts_with(['.', ',']) {
        return Err(error(
            format!("`{trimmed}` is not a whole number"),
            "write a whole number of a smaller unit, such as `1536 KiB` for 1.5 MiB",
        ));
    }
    let unit = rest.trim_start();
    if unit.is_empty() {
        return Err(error(
            format!("`{trimmed}` has no unit"),
            format!(
                "write `{number} B` or `{number} KiB`, or the bare number {number} (bytes) without quotes"
            ),
        ));
    }
    if let Some((_, bytes)) = UNITS.iter().find(|(u, _)| *u == unit) {
        return Ok(number.saturating_mul(*bytes));
    }
    let help = if matches!(unit, "K" | "k" | "M" | "m" | "G" | "g") {
        format!("`{unit}` could mean powers of 1000 or of 1024: {UNITS_HELP}")
    } else if let Some((close, _)) = UNITS.iter().find(|(u, _)| u.eq_ignore_ascii_case(unit)) {
        format!("units are case-sensitive: did you mean `{number} {close}`?")
    } else {
        UNITS_HELP.to_string()
    };
    Err(error(
        format!("`{trimmed}` has an unknown unit `{unit}`"),
        help,
    ))
}

/// Render a size in the largest unit that holds it exactly, for messages.
pub(crate) fn format(bytes: u64) -> String {
    let order = ["GiB", "MiB", "KiB", "GB", "MB", "kB"];
    for name in order {
        let (_, unit) = UNITS.iter().find(|(u, _)| *u == name).expect("a unit");
        if bytes >= *unit && bytes.is_multiple_of(*unit) {
            return format!("{} {name}", bytes / unit);
        }
    }
    format!("{bytes} B")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_and_decimal_units() {
        assert_eq!(parse("512 KiB"), Ok(512 * 1024));
        assert_eq!(parse("2MiB"), Ok(2 * 1024 * 1024));
        assert_eq!(parse("1 GiB"), Ok(1 << 30));
        assert_eq!(parse("1 MB"), Ok(1_000_000));
        assert_eq!(parse("10kB"), Ok(10_000));
        assert_eq!(parse("3 GB"), Ok(3_000_000_000));
        assert_eq!(parse("100 B"), Ok(100));
        assert_eq!(parse("  7B  "), Ok(7));
    }

    #[test]
    fn ambiguous_single_letters_are_refused_with_the_units() {
        for text in ["10K", "10 M", "1G", "5k"] {
            let e = parse(text).unwrap_err();
            assert!(e.message.contains("has an unknown unit"), "{e:?}");
            assert!(
                e.help.contains("could mean powers of 1000 or of 1024"),
                "{e:?}"
            );
            assert!(e.help.contains("KiB, MiB, GiB"), "{e:?}");
        }
    }

    #[test]
    fn units_in_the_wrong_case_suggest_the_right_one() {
        let e = parse("10 mb").unwrap_err();
        assert_eq!(e.message, "`10 mb` has an unknown unit `mb`");
        assert_eq!(e.help, "units are case-sensitive: did you mean `10 MB`?");
        assert_eq!(
            parse("1KB").unwrap_err().help,
            "units are case-sensitive: did you mean `1 kB`?"
        );
        assert_eq!(
            parse("1 mib").unwrap_err().help,
            "units are case-sensitive: did you mean `1 MiB`?"
        );
    }

    #[test]
    fn other_units_and_words_are_refused() {
        assert_eq!(parse("1 TB").unwrap_err().help, UNITS_HELP);
        assert_eq!(parse("lots").unwrap_err().message, "`lots` is not a size");
        assert_eq!(parse("").unwrap_err().message, "an empty size");
        assert_eq!(parse("KiB").unwrap_err().message, "`KiB` is not a size");
    }

    #[test]
    fn bare_digits_in_a_string_ask_for_a_unit() {
        let e = parse("1024").unwrap_err();
        assert_eq!(e.message, "`1024` has no unit");
        assert!(e.help.contains("`1024 B`"), "{e:?}");
    }

    #[test]
    fn fractions_are_refused() {
        assert_eq!(
            parse("1.5 MiB").unwrap_err().message,
            "`1.5 MiB` is not a whole number"
        );
    }

    #[test]
    fn sizes_too_large_to_count_saturate() {
        assert_eq!(parse("99999999999999999999 B"), Ok(u64::MAX));
        assert_eq!(parse("99999999999 GiB"), Ok(u64::MAX));
    }

    #[test]
    fn format_picks_the_largest_exact_unit() {
        assert_eq!(format(1024 * 1024), "1 MiB");
        assert_eq!(format(1536 * 1024), "1536 KiB");
        assert_eq!(format(2_000_000), "2 MB");
        assert_eq!(format(1500), "1500 B");
        assert_eq!(format(3 << 30), "3 GiB");
        for text in ["512 KiB", "2 MiB", "1 MB", "10 kB", "7 B"] {
            assert_eq!(format(parse(text).unwrap()), text);
        }
    }
}
