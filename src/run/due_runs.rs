//! The runs of one `run --due` invocation: each fire time due now, in
//! turn, at its second.

use std::time::Duration;

use jiff::Timestamp;

use crate::context::Clock;
use crate::error::Exit;

/// Run `run` for each fire time in turn, at its second: waits on `clock`
/// for one still ahead, and skips one that came while the run before it
/// was still going. `run` is told whether it is a later run, for which
/// time has moved on. The outcome is the worst of the runs'; a signal's
/// exit ends the turn at once.
pub(crate) fn in_turn<E>(
    fires: &[Timestamp],
    clock: &dyn Clock,
    mut run: impl FnMut(Timestamp, bool) -> Result<Exit, E>,
) -> Result<Exit, E> {
    let mut outcome = Exit::Success;
    let mut busy_until: Option<Timestamp> = None;
    for &fire in fires {
        if busy_until.is_some_and(|end| end > fire) {
            continue;
        }
        let now = clock.wall();
        if fire > now {
            clock.sleep(Duration::try_from(fire.duration_since(now)).unwrap_or_default());
        }
        let exit = run(fire, busy_until.is_some())?;
        match exit {
            Exit::HungUp | Exit::Interrupted | Exit::Terminated => return Ok(exit),
            Exit::Failed => outcome = Exit::Failed,
            // A run refused by its environment (an expired token) and
            // recorded as failed.
            Exit::Config if outcome != Exit::Failed => outcome = Exit::Config,
            Exit::Busy | Exit::LogLost if outcome == Exit::Success => outcome = exit,
            _ => {}
        }
        busy_until = Some(clock.wall());
    }
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::Schedule;
    use crate::schedule::due::fire_times;
    use crate::schedule::timing::Timing;
    use jiff::SignedDuration;
    use jiff::tz::TimeZone;

    /// A clock that only moves when slept on or when a run takes time.
    struct FakeClock(std::sync::Mutex<Timestamp>);

    impl FakeClock {
        fn at(text: &str) -> FakeClock {
            FakeClock(std::sync::Mutex::new(text.parse().unwrap()))
        }
        fn advance(&self, seconds: f64) {
            let mut now = self.0.lock().unwrap();
            *now = now
                .checked_add(SignedDuration::from_secs_f64(seconds))
                .unwrap();
        }
    }

    impl Clock for FakeClock {
        fn now(&self) -> std::time::Instant {
            std::time::Instant::now()
        }
        fn wall(&self) -> Timestamp {
            *self.0.lock().unwrap()
        }
        fn sleep(&self, duration: Duration) {
            self.advance(duration.as_secs_f64());
        }
    }

    fn every_five_seconds(now: &str) -> Vec<Timestamp> {
        let schedule = Schedule::parse("*/5 * * * * *").unwrap();
        let utc = TimeZone::UTC;
        let timing = Timing::new(&schedule, &utc, Duration::ZERO);
        fire_times(&timing, now.parse().unwrap())
    }

    #[test]
    fn each_second_runs_at_its_time() {
        let clock = FakeClock::at("2025-01-01T10:00:00.2Z");
        let fires = every_five_seconds("2025-01-01T10:00:00.2Z");
        let mut started = Vec::new();
        let exit = in_turn(&fires, &clock, |fire, later| {
            started.push((fire.to_string(), clock.wall().to_string(), later));
            clock.advance(1.0);
            Ok::<_, ()>(Exit::Success)
        });
        assert_eq!(exit, Ok(Exit::Success));
        assert_eq!(started.len(), 12);
        // Late by 0.2 s for the first, which is run at once.
        assert_eq!(
            started[0],
            (
                "2025-01-01T10:00:00Z".into(),
                "2025-01-01T10:00:00.2Z".into(),
                false
            )
        );
        assert_eq!(
            started[1],
            (
                "2025-01-01T10:00:05Z".into(),
                "2025-01-01T10:00:05Z".into(),
                true
            )
        );
    }

    #[test]
    fn a_second_is_skipped_while_the_run_before_it_is_still_going() {
        let clock = FakeClock::at("2025-01-01T10:00:00Z");
        let fires = every_five_seconds("2025-01-01T10:00:00Z");
        let mut started = Vec::new();
        let mut first = true;
        let exit = in_turn(&fires, &clock, |fire, _| {
            started.push(fire.to_string());
            // The first run takes 12 s: 10:00:05 and 10:00:10 are skipped.
            clock.advance(if std::mem::take(&mut first) {
                12.0
            } else {
                1.0
            });
            Ok::<_, ()>(Exit::Success)
        });
        assert_eq!(exit, Ok(Exit::Success));
        assert_eq!(started.len(), 10);
        assert_eq!(started[0], "2025-01-01T10:00:00Z");
        assert_eq!(started[1], "2025-01-01T10:00:15Z");
    }

    #[test]
    fn a_failed_run_fails_the_turn_and_a_signal_ends_it() {
        let clock = FakeClock::at("2025-01-01T10:00:00Z");
        let fires = every_five_seconds("2025-01-01T10:00:00Z");
        let mut runs = 0;
        let exit = in_turn(&fires, &clock, |_, _| {
            runs += 1;
            Ok::<_, ()>(if runs == 2 {
                Exit::Failed
            } else {
                Exit::Success
            })
        });
        assert_eq!((exit, runs), (Ok(Exit::Failed), 12));
        let clock = FakeClock::at("2025-01-01T10:00:00Z");
        let mut runs = 0;
        let exit = in_turn(&fires, &clock, |_, _| {
            runs += 1;
            Ok::<_, ()>(if runs == 3 {
                Exit::Terminated
            } else {
                Exit::Success
            })
        });
        assert_eq!((exit, runs), (Ok(Exit::Terminated), 3));
    }
}
