//! How long to wait before each retry: exponential backoff with full jitter
//! (each wait is uniformly random between zero and a ceiling that doubles
//! per retry), so many jobs failing together do not retry together.

use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Backoff {
    /// The first retry's ceiling (`retryDelay`).
    pub(crate) base: Duration,
    /// The largest ceiling (`maxRetryDelay`).
    pub(crate) max: Duration,
}

impl Backoff {
    /// The ceiling for retry number `retry` (1 for the first retry):
    /// `base * 2^(retry - 1)`, at most `max`.
    pub(crate) fn ceiling(&self, retry: u32) -> Duration {
        let factor = 1u32
            .checked_shl(retry.saturating_sub(1))
            .unwrap_or(u32::MAX);
        self.base.saturating_mul(factor).min(self.max)
    }

    /// The wait before retry number `retry`, for a random `fraction` in
    /// [0, 1).
    pub(crate) fn delay(&self, retry: u32, fraction: f64) -> Duration {
        self.ceiling(retry).mul_f64(fraction.clamp(0.0, 1.0))
    }
}

/// A uniform fraction in [0, 1) from eight random bytes.
pub(crate) fn fraction(bytes: [u8; 8]) -> f64 {
    (u64::from_le_bytes(bytes) >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: Backoff = Backoff {
        base: Duration::from_secs(1),
        max: Duration::from_secs(30),
    };

    #[test]
    fn the_ceiling_doubles_from_one_second_to_thirty() {
        let ceilings: Vec<u64> = (1..=7).map(|r| SEED.ceiling(r).as_secs()).collect();
        assert_eq!(ceilings, [1, 2, 4, 8, 16, 30, 30]);
        assert_eq!(SEED.ceiling(200), Duration::from_secs(30));
    }

    #[test]
    fn full_jitter_spans_zero_to_the_ceiling() {
        assert_eq!(SEED.delay(3, 0.0), Duration::ZERO);
        assert_eq!(SEED.delay(3, 0.5), Duration::from_secs(2));
        assert!(SEED.delay(3, 0.999_999) < Duration::from_secs(4));
    }

    #[test]
    fn fractions_stay_below_one() {
        assert_eq!(fraction([0; 8]), 0.0);
        assert!(fraction([0xff; 8]) < 1.0);
    }
}
