//! `status` as a person reads it: a line per job with its recent runs as
//! a row of marks (newest on the right), when it last ran, how long its
//! recent runs took (median and worst) and when it runs next; then what
//! the marks mean and which jobs are failing, so that the exit code of
//! `status` explains itself in cron's mail.
//!
//! Fits the width it is given (80 columns when it is not a terminal's):
//! long names give way first, down to 16 columns, losing their middle
//! (`kpi-even…-backup`: job names that share a start usually differ at
//! the end); then the marks, down to ten; then names again.

use jiff::Timestamp;

use crate::report::layout::{pad, push_line, shorten, wrap};
use crate::report::style::{self, Colour, Style};
use crate::report::summary::Summary;
use crate::report::units::{ago, short_duration, until};
use crate::state::record::Outcome;

/// One job's line.
pub(crate) struct Line<'a> {
    pub(crate) name: &'a str,
    pub(crate) enabled: bool,
    pub(crate) summary: &'a Summary<'a>,
    pub(crate) next: Option<Timestamp>,
    /// Enabled, and its last run that sent its request did not succeed.
    pub(crate) failing: bool,
}

const HEADER: [&str; 6] = ["NAME", "RECENT", "LAST RUN", "MEDIAN", "WORST", "NEXT"];
const GAP: usize = 2;
/// The fewest marks shown before names are cut short.
const MIN_MARKS: usize = 10;
/// The fewest characters of a name shown before marks give way.
const NAME_FLOOR: usize = 16;
/// The fewest characters of a name shown.
const MIN_NAME: usize = 12;

/// The whole of `status`'s text.
pub(crate) fn render(lines: &[Line], style: &Style, now: Timestamp) -> String {
    let cells: Vec<[String; 4]> = lines.iter().map(|l| fixed_cells(l, now)).collect();
    let mut widths = [0usize; 4];
    for (i, width) in widths.iter_mut().enumerate() {
        *width = cells
            .iter()
            .map(|c| c[i].chars().count())
            .chain([HEADER[i + 2].len()])
            .max()
            .unwrap_or(0);
    }
    // Five gaps: after the name, the marks, and three fixed columns.
    let fixed: usize = widths.iter().sum::<usize>() + 5 * GAP;
    let room = style.width.saturating_sub(fixed);
    let marks_wanted = lines
        .iter()
        .map(|l| l.summary.recent.len())
        .max()
        .unwrap_or(0)
        .max(HEADER[1].len());
    let name_wanted = lines
        .iter()
        .map(|l| l.name.chars().count())
        .max()
        .unwrap_or(0)
        .max(HEADER[0].len());
    // Long names give way first, down to NAME_FLOOR columns; then the
    // marks, down to MIN_MARKS; then names again, down to MIN_NAME.
    let (name_width, marks) = if name_wanted + marks_wanted <= room {
        (name_wanted, marks_wanted)
    } else if room.saturating_sub(marks_wanted) >= NAME_FLOOR.min(name_wanted) {
        (room - marks_wanted, marks_wanted)
    } else {
        let marks = room
            .saturating_sub(NAME_FLOOR.min(name_wanted))
            .max(MIN_MARKS.min(marks_wanted));
        let name = room.saturating_sub(marks).max(MIN_NAME).min(name_wanted);
        (name, marks)
    };

    let mut out = String::new();
    let header = [
        pad(HEADER[0], name_width),
        pad(HEADER[1], marks),
        pad(HEADER[2], widths[0]),
        pad(HEADER[3], widths[1]),
        pad(HEADER[4], widths[2]),
        HEADER[5].to_string(),
    ];
    push_line(&mut out, &header.join(&" ".repeat(GAP)));
    let mut shown: Vec<Outcome> = Vec::new();
    for (line, cells) in lines.iter().zip(&cells) {
        let name = pad(&shorten(line.name, name_width, style), name_width);
        let name = if line.failing {
            style.paint(Colour::BoldRed, &name)
        } else {
            name
        };
        // Newest on the right, and the column's right edge is the newest
        // run of every job.
        let recent: Vec<Outcome> = line
            .summary
            .recent
            .iter()
            .take(marks)
            .rev()
            .map(|r| r.outcome)
            .collect();
        shown.extend(&recent);
        let mut row = format!(
            "{name}{}{}",
            " ".repeat(GAP + marks - recent.len()),
            style::marks(style, &recent)
        );
        for (i, cell) in cells.iter().enumerate() {
            row.push_str(&" ".repeat(GAP));
            if i + 1 < cells.len() {
                row.push_str(&pad(cell, widths[i]));
            } else {
                row.push_str(cell);
            }
        }
        push_line(&mut out, &row);
    }
    if !shown.is_empty() {
        out.push('\n');
        let legend = format!("{}  (newest on the right)", style::legend(style, &shown));
        for line in wrap(&legend, "  ", style.width) {
            push_line(&mut out, &line);
        }
    }
    let failing: Vec<&Line> = lines.iter().filter(|l| l.failing).collect();
    if !failing.is_empty() {
        out.push('\n');
        for line in failing {
            let since = match line.summary.last_success {
                Some(success) => format!("since its last success {}", ago(success.started, now)),
                None => "and no success recorded".to_string(),
            };
            let failures = match line.summary.consecutive_failures {
                1 => "1 failure".to_string(),
                n => format!("{n} failures"),
            };
            push_line(
                &mut out,
                &format!(
                    "{}: {failures} {since}",
                    style.paint(Colour::BoldRed, line.name)
                ),
            );
        }
    }
    out
}

/// LAST RUN, MEDIAN, WORST and NEXT.
fn fixed_cells(line: &Line, now: Timestamp) -> [String; 4] {
    let last = match line.summary.last {
        Some(run) => ago(run.started, now),
        None => "never".to_string(),
    };
    let (median, worst) = match line.summary.spread {
        Some(spread) => (
            short_duration(spread.median_ms),
            short_duration(spread.worst_ms),
        ),
        None => (String::new(), String::new()),
    };
    let next = match (line.next, line.enabled) {
        (Some(next), _) => until(next, now),
        (None, false) => "disabled".to_string(),
        (None, true) => "never".to_string(),
    };
    [last, median, worst, next]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::layout::visible_width;
    use crate::report::summary::tests::ran;
    use crate::state::record::Record;

    #[test]
    fn every_line_fits_the_width_however_long_the_names() {
        let now: Timestamp = "2025-03-07T21:00:00Z".parse().unwrap();
        let runs: Vec<Record> = (0..20)
            .map(|i| ran(Outcome::Succeeded, Some(1200), i))
            .rev()
            .collect();
        let summary = Summary::of(&runs);
        let names = [
            "a-job-with-a-name-far-longer-than-any-column-would-give-it",
            "kpi-evening-report-backup",
        ];
        let lines: Vec<Line> = names
            .iter()
            .map(|name| Line {
                name,
                enabled: true,
                summary: &summary,
                next: Some(now + jiff::SignedDuration::from_hours(21)),
                failing: false,
            })
            .collect();
        for width in [80, 60, 100] {
            for colour in [false, true] {
                let text = render(&lines, &Style::fixed(width, true, colour), now);
                for line in text.lines() {
                    assert!(
                        visible_width(line) <= width,
                        "{width}: {line:?} is {} wide",
                        visible_width(line)
                    );
                }
            }
        }
    }
}
