//! Golden files: what a command printed, kept under tests/golden and
//! compared byte for byte. `JOBRUN_UPDATE_GOLDEN=1` rewrites them from the
//! run instead; review the diff before committing it.

use std::path::{Path, PathBuf};

use super::Sandbox;

/// The variable that rewrites golden files instead of comparing them.
const UPDATE: &str = "JOBRUN_UPDATE_GOLDEN";

pub fn path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name)
}

/// Compare `actual` with the golden file `name` (a path under
/// tests/golden), and note a difference in `mismatches`, so that a test
/// over many files reports them all at once.
pub fn check(name: &str, actual: &str, mismatches: &mut Vec<String>) {
    let path = path(name);
    if std::env::var_os(UPDATE).is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let Ok(expected) = std::fs::read_to_string(&path) else {
        mismatches.push(format!(
            "{name} is missing: {UPDATE}=1 writes it from this run; review it before committing"
        ));
        return;
    };
    if expected != actual {
        mismatches.push(format!(
            "{name} differs ({UPDATE}=1 rewrites it):\n--- expected\n{expected}\n--- actual\n{actual}"
        ));
    }
}

/// [`check`] for a test with one golden file: fail at once on a difference.
pub fn assert(name: &str, actual: &str) {
    let mut mismatches = Vec::new();
    check(name, actual, &mut mismatches);
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

/// `text` with the sandbox's path written as `$DIR`, so golden files do not
/// depend on where the temp dir is.
pub fn portable(sandbox: &Sandbox, text: &str) -> String {
    let dir = sandbox.dir.path().to_str().expect("utf-8 temp dir");
    text.replace(dir, "$DIR")
}
