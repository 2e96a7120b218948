//! `history NAME --chart`: how long a job's recent runs took, as a bar
//! per run (newest on the right) eight rows high, each row in eighths
//! with Unicode's block elements (in halves with `.` and `#` in ASCII),
//! on a scale from nothing to the slowest run shown. Under the bars, each
//! run's outcome mark, so a failure is marked whether or not colour shows
//! it; a run that sent no request or has no time (skipped, busy, died,
//! still going) has a mark and no bar.

use jiff::tz::TimeZone;

use crate::report::layout::{push_line, shorten, wrap};
use crate::report::style::{self, Colour, Style};
use crate::report::summary::Spread;
use crate::report::units::short_duration;
use crate::state::record::{Outcome, Record};
use crate::wording::plural;

/// Rows of bars.
const HEIGHT: usize = 8;
/// Steps of one row: Unicode's eighth blocks.
const STEPS: usize = 8;
const BLOCKS: [char; STEPS] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// What to draw: `runs` of job `name`, newest first; `asked` is `-n`.
pub(crate) struct Chart<'a> {
    pub(crate) name: &'a str,
    pub(crate) runs: &'a [Record],
    pub(crate) asked: Option<usize>,
    /// The zone the first and last runs' times are written in.
    pub(crate) zone: &'a TimeZone,
}

pub(crate) fn render(chart: &Chart, style: &Style) -> String {
    let mut out = String::new();
    if chart.runs.is_empty() {
        out.push_str(&format!("no runs of `{}` are recorded\n", chart.name));
        return out;
    }
    // Scale labels take up to six columns (`59m59s`), then a space and
    // the axis.
    let label_width = 6;
    let fit = style.width.saturating_sub(label_width + 2).max(1);
    let shown = chart
        .asked
        .unwrap_or(usize::MAX)
        .min(fit)
        .min(chart.runs.len());
    let Some(spread) = Spread::of(&chart.runs[..shown]) else {
        return nothing_to_draw(chart, shown, style);
    };
    let worst = spread.worst_ms;
    let labels = [
        short_duration(worst),
        short_duration(worst / 2),
        short_duration(0),
    ];
    // Oldest first, left to right.
    let runs: Vec<&Record> = chart.runs[..shown].iter().rev().collect();

    let last = if shown == 1 {
        "run".to_string()
    } else {
        plural(shown, "run")
    };
    let title = format!(": run times of the last {last}");
    let name = shorten(
        chart.name,
        style.width.saturating_sub(title.len()).max(6),
        style,
    );
    push_line(&mut out, &format!("{name}{title}"));
    if chart.asked.is_some_and(|asked| asked > shown) && chart.runs.len() > shown {
        push_line(
            &mut out,
            &format!("(as many as fit in {} columns)", style.width),
        );
    }

    let levels: Vec<Option<usize>> = runs.iter().map(|r| level(r, worst)).collect();
    let (axis, tick, corner, rule) = if style.unicode {
        ('│', '┤', '└', '─')
    } else {
        ('|', '+', '+', '-')
    };
    for row in 0..HEIGHT {
        let label = match row {
            0 => labels[0].as_str(),
            r if r == HEIGHT / 2 => labels[1].as_str(),
            _ => "",
        };
        let mark = if label.is_empty() { axis } else { tick };
        let floor = (HEIGHT - 1 - row) * STEPS;
        let cells: Vec<(Colour, char)> = runs
            .iter()
            .zip(&levels)
            .map(|(run, level)| {
                let fill = level.map_or(0, |l| l.saturating_sub(floor).min(STEPS));
                (Colour::of(run.outcome), cell(fill, style.unicode))
            })
            .collect();
        push_line(
            &mut out,
            &format!("{label:>label_width$} {mark}{}", paint_cells(&cells, style)),
        );
    }
    push_line(
        &mut out,
        &format!(
            "{:>label_width$} {corner}{}",
            labels[2],
            rule.to_string().repeat(shown)
        ),
    );
    let indent = " ".repeat(label_width + 2);
    let outcomes: Vec<Outcome> = runs.iter().map(|r| r.outcome).collect();
    push_line(
        &mut out,
        &format!("{indent}{}", style::marks(style, &outcomes)),
    );
    let when = |r: &Record| {
        r.started
            .to_zoned_datetime(chart.zone.clone())
            .strftime("%Y-%m-%d %H:%M")
            .to_string()
    };
    let (first, last) = (when(runs[0]), when(runs[shown - 1]));
    if shown == 1 {
        push_line(&mut out, &format!("{indent}{first}"));
    } else if first.len() + last.len() < shown {
        let between = " ".repeat(shown - first.len() - last.len());
        push_line(&mut out, &format!("{indent}{first}{between}{last}"));
    } else if indent.len() + first.len() + last.len() + 9 <= style.width {
        push_line(&mut out, &format!("{indent}from {first} to {last}"));
    } else {
        push_line(&mut out, &format!("{indent}from {first}"));
        push_line(&mut out, &format!("{indent}to   {last}"));
    }
    out.push('\n');
    push_line(
        &mut out,
        &format!(
            "median {}, worst {}",
            short_duration(spread.median_ms),
            short_duration(spread.worst_ms)
        ),
    );
    let legend = format!("{}  (newest on the right)", style::legend(style, &outcomes));
    for line in wrap(&legend, "  ", style.width) {
        push_line(&mut out, &line);
    }
    out
}

/// None of the runs shown took a time to draw (skipped, busy, died, still
/// going): one line saying so and what they were, not an empty scale.
fn nothing_to_draw(chart: &Chart, shown: usize, style: &Style) -> String {
    let mut counts: Vec<(Outcome, usize)> = Vec::new();
    for run in &chart.runs[..shown] {
        match counts
            .iter_mut()
            .find(|(outcome, _)| *outcome == run.outcome)
        {
            Some((_, n)) => *n += 1,
            None => counts.push((run.outcome, 1)),
        }
    }
    let counts: Vec<String> = counts
        .iter()
        .map(|(outcome, n)| format!("{n} {}", outcome.as_str()))
        .collect();
    let last = if shown == 1 {
        "the last run".to_string()
    } else {
        format!("the last {}", plural(shown, "run"))
    };
    let text = format!(
        ": no timed runs among {last} ({}): nothing to draw",
        counts.join(", ")
    );
    let name = shorten(
        chart.name,
        style.width.saturating_sub(text.len()).max(6),
        style,
    );
    let mut out = String::new();
    push_line(&mut out, &format!("{name}{text}"));
    out
}

/// How many eighths of the chart's height a run's bar takes: at least
/// one for a run that sent its request and took any time, so that it
/// shows; none for a run with no time to show.
fn level(run: &Record, worst: u64) -> Option<usize> {
    if !matches!(
        run.outcome,
        Outcome::Succeeded | Outcome::Failed | Outcome::Interrupted
    ) {
        return None;
    }
    let ms = run.duration_ms?;
    let total = (HEIGHT * STEPS) as u128;
    let eighths = if worst == 0 {
        1
    } else {
        (u128::from(ms) * total).div_ceil(u128::from(worst))
    };
    Some(eighths.clamp(1, total) as usize)
}

/// One cell of a bar filled `fill` eighths.
fn cell(fill: usize, unicode: bool) -> char {
    match (fill, unicode) {
        (0, _) => ' ',
        (n, true) => BLOCKS[n - 1],
        (n, false) if n <= STEPS / 2 => '.',
        (_, false) => '#',
    }
}

/// Cells in their colours, each run of one colour painted once; blank
/// cells are not painted.
fn paint_cells(cells: &[(Colour, char)], style: &Style) -> String {
    let mut out = String::new();
    let key = |(colour, c): &(Colour, char)| if *c == ' ' { Colour::Plain } else { *colour };
    for group in cells.chunk_by(|a, b| key(a) == key(b)) {
        let text: String = group.iter().map(|(_, c)| *c).collect();
        out.push_str(&style.paint(key(&group[0]), &text));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::layout::visible_width;
    use crate::report::summary::tests::ran;

    #[test]
    fn a_bar_is_as_tall_as_its_share_of_the_slowest_run_and_never_nothing() {
        let at = |outcome, ms| ran(outcome, Some(ms), 0);
        assert_eq!(level(&at(Outcome::Succeeded, 1000), 1000), Some(64));
        assert_eq!(level(&at(Outcome::Failed, 500), 1000), Some(32));
        assert_eq!(level(&at(Outcome::Succeeded, 1), 1000), Some(1));
        assert_eq!(level(&at(Outcome::Succeeded, 0), 0), Some(1));
        assert_eq!(level(&at(Outcome::Skipped, 0), 1000), None);
        assert_eq!(level(&ran(Outcome::Died, None, 0), 1000), None);
        assert_eq!(level(&at(Outcome::Succeeded, u64::MAX), u64::MAX), Some(64));
    }

    #[test]
    fn the_chart_fits_the_width_and_keeps_the_newest_runs() {
        let runs: Vec<Record> = (0..200)
            .map(|i| ran(Outcome::Succeeded, Some(2000 - i as u64), 200 - i))
            .collect();
        for width in [40, 80, 120] {
            for unicode in [true, false] {
                let style = Style::fixed(width, unicode, false);
                let chart = Chart {
                    name: "kpi-evening-report-with-a-long-name",
                    runs: &runs,
                    asked: Some(150),
                    zone: &TimeZone::UTC,
                };
                let text = render(&chart, &style);
                for line in text.lines() {
                    assert!(visible_width(line) <= width, "{width}: {line:?}");
                }
                // The newest run (the first given) is the slowest: its
                // bar reaches the top row, at the right edge.
                let lines: Vec<&str> = text.lines().collect();
                let base = lines
                    .iter()
                    .position(|l| l.trim_start().starts_with("0s "))
                    .unwrap();
                let top = lines[base - HEIGHT];
                let full = if unicode { '█' } else { '#' };
                assert!(top.ends_with(full), "{top:?}");
            }
        }
    }
}
