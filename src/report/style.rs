//! What the terminal allows the pictures: colour or not, Unicode or
//! ASCII, how many columns; and the mark and colour of each outcome.
//!
//! Each outcome has a mark of its own shape, so the timeline reads the
//! same without colour (`NO_COLOR`, a pipe, cron's mail): colour only
//! repeats what the shape says. The Unicode marks are one column wide in
//! every terminal that is not set to draw East Asian ambiguous characters
//! wide; where the locale is not UTF-8 (cron's, a Kubernetes container's:
//! often none at all), the marks are ASCII letters, as pytest writes its
//! results: `.` for a success, a capital for the rest.

use crate::state::record::Outcome;

/// How to draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Style {
    pub(crate) colour: bool,
    pub(crate) unicode: bool,
    /// Columns to fit in.
    pub(crate) width: usize,
}

/// The width when the terminal's is unknown (a pipe, cron's mail).
pub(crate) const DEFAULT_WIDTH: usize = 80;

/// The widest a picture is drawn, whatever `COLUMNS` says.
pub(crate) const MAX_WIDTH: usize = 1000;

impl Style {
    /// The style of the standard output: `colour` as decided for it, the
    /// locale's character set (`LC_ALL`, else `LC_CTYPE`, else `LANG`, as
    /// POSIX orders them), and the width: `COLUMNS` when it holds a
    /// number, else the terminal's, else 80.
    pub(crate) fn of(
        colour: bool,
        env: &dyn Fn(&str) -> Option<String>,
        terminal_columns: Option<u16>,
    ) -> Style {
        let locale = ["LC_ALL", "LC_CTYPE", "LANG"]
            .iter()
            .find_map(|name| env(name).filter(|v| !v.is_empty()))
            .unwrap_or_default()
            .to_ascii_lowercase();
        let unicode = locale.contains("utf-8") || locale.contains("utf8");
        let width = env("COLUMNS")
            .and_then(|v| v.trim().parse::<usize>().ok())
            .filter(|w| *w > 0)
            .or(terminal_columns.map(usize::from).filter(|w| *w > 0))
            .unwrap_or(DEFAULT_WIDTH)
            .min(MAX_WIDTH);
        Style {
            colour,
            unicode,
            width,
        }
    }

    /// A style as given, for tests.
    #[cfg(test)]
    pub(crate) fn fixed(width: usize, unicode: bool, colour: bool) -> Style {
        Style {
            colour,
            unicode,
            width,
        }
    }

    /// `text` in `colour`, when colour is on.
    pub(crate) fn paint(&self, colour: Colour, text: &str) -> String {
        if self.colour && colour != Colour::Plain {
            format!("\x1b[{}m{text}\x1b[0m", colour.sgr())
        } else {
            text.to_string()
        }
    }

    /// The mark of `outcome`.
    pub(crate) fn mark(&self, outcome: Outcome) -> char {
        let (unicode, ascii) = match outcome {
            Outcome::Succeeded => ('✓', '.'),
            Outcome::Failed => ('✗', 'F'),
            Outcome::Died => ('†', 'D'),
            Outcome::Interrupted => ('⊘', 'I'),
            Outcome::Busy => ('◦', 'B'),
            Outcome::Skipped => ('⋅', 'S'),
            Outcome::Running => ('▸', 'R'),
        };
        if self.unicode { unicode } else { ascii }
    }

    /// The mark of `outcome`, in its colour.
    pub(crate) fn painted_mark(&self, outcome: Outcome) -> String {
        self.paint(Colour::of(outcome), &self.mark(outcome).to_string())
    }

    /// What stands for text cut short.
    pub(crate) fn ellipsis(&self) -> &'static str {
        if self.unicode { "…" } else { "~" }
    }
}

/// The colours the pictures use (SGR codes, ECMA-48).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Colour {
    Plain,
    Green,
    Red,
    BoldRed,
    Yellow,
    Magenta,
    Cyan,
    Dim,
}

impl Colour {
    fn sgr(self) -> &'static str {
        match self {
            Colour::Plain => "0",
            Colour::Green => "32",
            Colour::Red => "31",
            Colour::BoldRed => "1;31",
            Colour::Yellow => "33",
            Colour::Magenta => "35",
            Colour::Cyan => "36",
            Colour::Dim => "2",
        }
    }

    /// An outcome's colour: green for a success, red for a failure (bold
    /// when the run died), yellow for a run stopped by a signal, magenta
    /// for one that found its job busy, dim for one `dependsOn` skipped,
    /// cyan for one still going.
    pub(crate) fn of(outcome: Outcome) -> Colour {
        match outcome {
            Outcome::Succeeded => Colour::Green,
            Outcome::Failed => Colour::Red,
            Outcome::Died => Colour::BoldRed,
            Outcome::Interrupted => Colour::Yellow,
            Outcome::Busy => Colour::Magenta,
            Outcome::Skipped => Colour::Dim,
            Outcome::Running => Colour::Cyan,
        }
    }
}

/// The marks of `outcomes`, in order, each run of one colour painted once.
pub(crate) fn marks(style: &Style, outcomes: &[Outcome]) -> String {
    let mut out = String::new();
    for group in outcomes.chunk_by(|a, b| Colour::of(*a) == Colour::of(*b)) {
        let text: String = group.iter().map(|o| style.mark(*o)).collect();
        out.push_str(&style.paint(Colour::of(group[0]), &text));
    }
    out
}

/// The outcomes in the order a legend lists them.
pub(crate) const LEGEND_ORDER: [Outcome; 7] = [
    Outcome::Succeeded,
    Outcome::Failed,
    Outcome::Died,
    Outcome::Interrupted,
    Outcome::Busy,
    Outcome::Skipped,
    Outcome::Running,
];

/// A line naming the marks of `outcomes` (those that appear), in
/// [`LEGEND_ORDER`].
pub(crate) fn legend(style: &Style, outcomes: &[Outcome]) -> String {
    LEGEND_ORDER
        .iter()
        .filter(|o| outcomes.contains(o))
        .map(|o| format!("{} {}", style.painted_mark(*o), o.as_str()))
        .collect::<Vec<_>>()
        .join("  ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::env_of as env;

    #[test]
    fn the_locale_decides_the_marks_lc_all_first() {
        let unicode = |pairs| Style::of(false, &env(pairs), None).unicode;
        assert!(unicode(&[("LANG", "en_US.UTF-8")]));
        assert!(unicode(&[("LC_CTYPE", "C.utf8"), ("LANG", "C")]));
        assert!(!unicode(&[("LC_ALL", "C"), ("LANG", "en_US.UTF-8")]));
        assert!(unicode(&[("LC_ALL", ""), ("LANG", "en_US.UTF-8")]));
        assert!(!unicode(&[]));
    }

    #[test]
    fn columns_wins_over_the_terminal_and_80_is_the_fallback() {
        let width = |pairs, terminal| Style::of(false, &env(pairs), terminal).width;
        assert_eq!(width(&[("COLUMNS", "120")], Some(60)), 120);
        assert_eq!(width(&[("COLUMNS", "wide")], Some(60)), 60);
        assert_eq!(width(&[("COLUMNS", "0")], None), 80);
        assert_eq!(width(&[], None), 80);
        assert_eq!(width(&[("COLUMNS", "99999999")], None), MAX_WIDTH);
    }

    #[test]
    fn every_outcome_has_a_mark_of_its_own_in_both_sets() {
        for unicode in [true, false] {
            let style = Style::fixed(80, unicode, false);
            let mut marks: Vec<char> = LEGEND_ORDER.iter().map(|o| style.mark(*o)).collect();
            marks.sort_unstable();
            marks.dedup();
            assert_eq!(marks.len(), LEGEND_ORDER.len());
            assert!(marks.iter().all(|c| unicode || c.is_ascii()));
        }
    }
}
