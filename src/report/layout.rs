//! Laying text out in columns: padding, cutting a name short, breaking a
//! line of items to a width, and what a line's width is on a terminal
//! once colour's escape sequences are left out.

use crate::report::style::Style;

/// `text` padded with spaces to `width` columns.
pub(crate) fn pad(text: &str, width: usize) -> String {
    let len = text.chars().count();
    format!("{text}{}", " ".repeat(width.saturating_sub(len)))
}

/// `text` in at most `width` columns: its middle replaced by an ellipsis
/// when it is longer.
pub(crate) fn shorten(text: &str, width: usize, style: &Style) -> String {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= width || width == 0 {
        return text.to_string();
    }
    let keep = width - 1;
    let head = keep - keep / 2;
    let tail = keep / 2;
    let mut out: String = chars[..head].iter().collect();
    out.push_str(style.ellipsis());
    out.extend(&chars[chars.len() - tail..]);
    out
}

/// `items`, joined by `gap`, broken into lines of at most `width` visible
/// columns (escape sequences do not count).
pub(crate) fn wrap(joined: &str, gap: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut current_width = 0;
    for item in joined.split(gap) {
        let item_width = visible_width(item);
        if current_width > 0 && current_width + gap.len() + item_width > width {
            lines.push(std::mem::take(&mut current));
            current_width = 0;
        }
        if current_width > 0 {
            current.push_str(gap);
            current_width += gap.len();
        }
        current.push_str(item);
        current_width += item_width;
    }
    if !current.is_empty() {
        lines.push(current);
    }
    lines
}

/// Columns `text` takes on a terminal: its characters, less the SGR
/// sequences colour adds.
pub(crate) fn visible_width(text: &str) -> usize {
    let mut width = 0;
    let mut in_escape = false;
    for c in text.chars() {
        match (in_escape, c) {
            (false, '\x1b') => in_escape = true,
            (true, 'm') => in_escape = false,
            (true, _) => {}
            (false, _) => width += 1,
        }
    }
    width
}

pub(crate) fn push_line(out: &mut String, line: &str) {
    out.push_str(line.trim_end());
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::style;

    #[test]
    fn a_long_name_loses_its_middle() {
        let s = Style::fixed(80, true, false);
        assert_eq!(
            shorten("kpi-evening-report-backup", 16, &s),
            "kpi-even…-backup"
        );
        assert_eq!(shorten("short", 16, &s), "short");
        let ascii = Style::fixed(80, false, false);
        assert_eq!(
            shorten("kpi-evening-report-backup", 12, &ascii),
            "kpi-ev~ackup"
        );
    }

    #[test]
    fn the_legend_wraps_between_its_entries() {
        let all = style::LEGEND_ORDER;
        let s = Style::fixed(40, true, true);
        let legend = style::legend(&s, &all);
        let lines = wrap(&legend, "  ", 40);
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| visible_width(l) <= 40), "{lines:?}");
        assert_eq!(
            lines.join("  "),
            legend,
            "nothing lost or added but the breaks"
        );
    }
}
