//! No input may panic: thousands of damaged versions of real job files go
//! through decoding, checking and rendering, and every diagnostic must
//! point inside the file it is about.

use std::path::Path;

use crate::diagnostic::{Palette, Report};
use crate::jobfile::decode::decode;
use crate::jobfile::validate;

/// A small deterministic generator, so a failure can be replayed.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

const NOISE: &[&str] = &[
    ":", "-", "\"", "'", "{", "}", "[", "]", "*", "&a", "*a", "$", "${", "}", "\t", "\n", " ", "#",
    "?", "|", ">", "!!str ", "!x ", "<<: ", "---\n", "é", "\u{feff}", "\r", "0", "@", "%", "\\",
];

fn damage(text: &str, rng: &mut Lcg) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(chars.len() + 1);
        match rng.below(4) {
            0 if at < chars.len() => {
                chars.remove(at);
            }
            1 => chars.truncate(at),
            _ => {
                let noise = NOISE[rng.below(NOISE.len())];
                for (i, c) in noise.chars().enumerate() {
                    chars.insert((at + i).min(chars.len()), c);
                }
            }
        }
    }
    chars.into_iter().collect()
}

#[test]
fn damaged_job_files_never_panic_and_point_inside_the_file() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/node-scheduler");
    let mut rng = Lcg(7);
    let mut checked = 0;
    for name in [
        "jobs.yaml",
        "jobs-local.yaml",
        "jobs-test.yaml",
        "sample-jobs.yaml",
    ] {
        let original = std::fs::read_to_string(dir.join(name)).unwrap();
        for _ in 0..1500 {
            let text = damage(&original, &mut rng);
            let (config, mut diagnostics) = decode(&text);
            let checked_jobs = validate::check(
                &config,
                &jiff::tz::TimeZone::UTC,
                &dir,
                validate::Purpose::Validate,
            );
            diagnostics.extend(checked_jobs.diagnostics);
            let lines = crate::diagnostic::lines(&text).len() as u32;
            for d in &diagnostics {
                if let Some(span) = d.span {
                    assert!(
                        span.line >= 1 && span.line <= lines && span.col >= 1,
                        "{d:?} outside {lines} lines\n{text:?}"
                    );
                }
            }
            // As every command shows them: credentials on the quoted
            // lines concealed, which must not panic on any damage either.
            let shown = crate::jobfile::snippet::conceal(&text, &mut diagnostics);
            assert_eq!(
                crate::diagnostic::lines(&shown).len(),
                lines as usize,
                "concealing changed the lines"
            );
            let report = Report {
                path: Path::new(name),
                source: Some(&shown),
                diagnostics: &diagnostics,
            };
            let _ = report.render(Palette { enabled: false });
            checked += 1;
        }
    }
    assert_eq!(checked, 6000);
}
