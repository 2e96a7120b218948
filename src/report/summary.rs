//! What a job's runs say about it, as `status` and the metrics show it:
//! its last run, its last success, its failures in a row, its recent runs
//! and how long they took.

use crate::state::record::{Outcome, Record};

/// How many of a job's newest runs `status`'s timeline and the run time
/// spread look at.
pub(crate) const RECENT_RUNS: usize = 20;

/// A job's runs, read: from its rows, newest first, after
/// `state::liveness` has settled which `running` rows are of runs that died.
#[derive(Debug)]
pub(crate) struct Summary<'a> {
    /// The newest run, whatever its outcome (one still going included).
    pub(crate) last: Option<&'a Record>,
    /// The newest run that has ended.
    pub(crate) last_ended: Option<&'a Record>,
    pub(crate) last_success: Option<&'a Record>,
    /// Runs since the last success that failed, were interrupted or died.
    pub(crate) consecutive_failures: u32,
    /// The last run that sent its request and ended failed, was
    /// interrupted or died (`skipped` and `busy` runs did nothing).
    pub(crate) last_decisive_failed: bool,
    /// Runs going now.
    pub(crate) in_progress: u32,
    /// The newest [`RECENT_RUNS`] runs, newest first.
    pub(crate) recent: &'a [Record],
    /// How long the recent runs that sent their request and ended took.
    pub(crate) spread: Option<Spread>,
}

/// The run time of a few runs: the median and the slowest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Spread {
    pub(crate) median_ms: u64,
    pub(crate) worst_ms: u64,
}

impl<'a> Summary<'a> {
    pub(crate) fn of(runs: &'a [Record]) -> Summary<'a> {
        let recent = &runs[..runs.len().min(RECENT_RUNS)];
        Summary {
            last: runs.first(),
            last_ended: runs.iter().find(|r| r.outcome != Outcome::Running),
            last_success: runs.iter().find(|r| r.outcome == Outcome::Succeeded),
            consecutive_failures: runs
                .iter()
                .take_while(|r| r.outcome != Outcome::Succeeded)
                .filter(|r| r.outcome.failed())
                .count() as u32,
            last_decisive_failed: runs
                .iter()
                .find(|r| r.outcome == Outcome::Succeeded || r.outcome.failed())
                .is_some_and(|r| r.outcome.failed()),
            in_progress: runs
                .iter()
                .filter(|r| r.outcome == Outcome::Running)
                .count() as u32,
            recent,
            spread: Spread::of(recent),
        }
    }
}

impl Spread {
    /// Over the runs that sent their request and ended with a time taken
    /// (succeeded, failed, interrupted): a skipped or busy run took no
    /// time worth counting, and one that died or is going has none.
    pub(crate) fn of(runs: &[Record]) -> Option<Spread> {
        let mut took: Vec<u64> = runs
            .iter()
            .filter(|r| {
                matches!(
                    r.outcome,
                    Outcome::Succeeded | Outcome::Failed | Outcome::Interrupted
                )
            })
            .filter_map(|r| r.duration_ms)
            .collect();
        took.sort_unstable();
        let n = took.len();
        let median_ms = match n {
            0 => return None,
            n if n % 2 == 1 => took[n / 2],
            // The mean of the middle two, rounded down.
            n => {
                took[n / 2 - 1] / 2 + took[n / 2] / 2 + (took[n / 2 - 1] % 2 + took[n / 2] % 2) / 2
            }
        };
        Some(Spread {
            median_ms,
            worst_ms: took[n - 1],
        })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::state::record::Trigger;

    /// A run of `a` that ended with `outcome` after `ms`, `minutes` past
    /// 18:00 on 2025-03-07.
    pub(crate) fn ran(outcome: Outcome, ms: Option<u64>, minutes: i64) -> Record {
        let started: jiff::Timestamp = "2025-03-07T18:00:00Z".parse().unwrap();
        let mut run = Record::start(
            format!("r{minutes}"),
            "a",
            Trigger::Scheduled,
            None,
            started + jiff::SignedDuration::from_mins(minutes),
        );
        run.outcome = outcome;
        run.duration_ms = ms;
        run
    }

    #[test]
    fn failures_in_a_row_count_back_to_the_last_success() {
        use Outcome::*;
        let runs = vec![
            ran(Running, None, 6),
            ran(Busy, Some(0), 5),
            ran(Died, None, 4),
            ran(Skipped, Some(0), 3),
            ran(Failed, Some(30), 2),
            ran(Succeeded, Some(10), 1),
            ran(Failed, Some(20), 0),
        ];
        let s = Summary::of(&runs);
        assert_eq!(s.last.unwrap().outcome, Running);
        assert_eq!(s.last_ended.unwrap().outcome, Busy);
        assert_eq!(s.last_success.unwrap().run_id, "r1");
        assert_eq!(s.consecutive_failures, 2);
        assert!(s.last_decisive_failed);
        assert_eq!(s.in_progress, 1);
        assert_eq!(s.recent.len(), 7);
        // 30, 10 and 20 ms: the skipped and busy runs' zeros are not counted.
        assert_eq!(
            s.spread,
            Some(Spread {
                median_ms: 20,
                worst_ms: 30
            })
        );
    }

    #[test]
    fn the_median_of_an_even_count_is_the_mean_of_the_middle_two() {
        let runs: Vec<Record> = [1, 4, 9, u64::MAX]
            .iter()
            .enumerate()
            .map(|(i, ms)| ran(Outcome::Succeeded, Some(*ms), i as i64))
            .collect();
        assert_eq!(Spread::of(&runs[..3]).unwrap().median_ms, 4);
        assert_eq!(Spread::of(&runs[..2]).unwrap().median_ms, 2);
        // (4 + 9) / 2, without overflowing beside u64::MAX.
        assert_eq!(
            Spread::of(&runs).unwrap(),
            Spread {
                median_ms: 6,
                worst_ms: u64::MAX
            }
        );
        assert_eq!(Spread::of(&runs[3..]).unwrap().median_ms, u64::MAX);
        assert_eq!(Spread::of(&[]), None);
    }

    #[test]
    fn only_the_newest_runs_are_recent() {
        let runs: Vec<Record> = (0..30)
            .map(|i| ran(Outcome::Succeeded, Some(i as u64), 30 - i))
            .collect();
        let s = Summary::of(&runs);
        assert_eq!(s.recent.len(), RECENT_RUNS);
        assert_eq!(s.spread.unwrap().worst_ms, 19);
    }
}
