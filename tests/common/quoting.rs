//! What every message jobrun prints must hold to: backticks that pair up,
//! each quoting something (never a quote inside a quote, as in
//! "given with `the `--output` path`"), and no control character but the
//! line breaks between lines.

/// The lines of `text` that break the rules, each with why. The lines a
/// diagnostic quotes from a file (`12 |     url: ...`) are the file's, not a
/// message, and are left out; so is a line of a diff or a listing.
pub fn badly_quoted(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for line in text.lines() {
        if let Some(c) = line.chars().find(|c| c.is_control() && *c != '\t') {
            found.push(format!("a raw {c:?} in {line:?}"));
            continue;
        }
        if is_quoted_source(line) {
            continue;
        }
        // `\`` is a backtick inside a quote, written escaped.
        let unescaped = line.replace("\\`", "");
        let pieces: Vec<&str> = unescaped.split('`').collect();
        if pieces.len().is_multiple_of(2) {
            found.push(format!("an odd number of backticks in {line:?}"));
            continue;
        }
        for quoted in pieces.iter().skip(1).step_by(2) {
            if quoted.is_empty() || quoted.starts_with(' ') || quoted.ends_with(' ') {
                found.push(format!("a quote inside a quote in {line:?}"));
                break;
            }
        }
    }
    found
}

/// A line of a file quoted under a diagnostic: `NN | text`, or the caret
/// line under it (`   |     ^^^`).
fn is_quoted_source(line: &str) -> bool {
    let rest = line
        .trim_start()
        .trim_start_matches(|c: char| c.is_ascii_digit());
    rest.starts_with(" |") || rest.starts_with('|')
}

/// Fail, naming `what` ran, if [`badly_quoted`] finds anything.
pub fn assert_well_quoted(what: &str, text: &str) {
    let found = badly_quoted(text);
    assert!(
        found.is_empty(),
        "{what}:\n{}\n--- printed\n{text}",
        found.join("\n")
    );
}
