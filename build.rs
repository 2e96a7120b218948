//! The version `jobrun --version` prints: the package's, and when built
//! from a git clone of jobrun itself, the commit and its date
//! (`0.1.0 (3f2a9c1d0e4b 2025-03-07)`), so a bug report names the exact
//! source. No build-dependencies: git is asked directly, and when it is
//! missing or this is not a clone (a source tarball, a crate), the version
//! is the package's alone.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let version = std::env::var("CARGO_PKG_VERSION").unwrap_or_default();
    println!("cargo:rerun-if-changed=build.rs");
    let commit = clone_of(&manifest_dir).and_then(|git_dir| {
        watch(&manifest_dir, &git_dir);
        let commit = git(&manifest_dir, &["rev-parse", "--short=12", "HEAD"])?;
        let date = git(&manifest_dir, &["log", "-1", "--format=%cs", "HEAD"])?;
        Some((commit, date))
    });
    match commit {
        Some((commit, date)) => {
            println!("cargo:rustc-env=JOBRUN_VERSION={version} ({commit} {date})");
            println!("cargo:rustc-env=JOBRUN_COMMIT_DATE={date}");
        }
        None => {
            println!("cargo:rustc-env=JOBRUN_VERSION={version}");
            println!("cargo:rustc-env=JOBRUN_COMMIT_DATE=");
        }
    }
}

/// The git directory, when `dir` is the top of a git work tree (not a
/// folder inside someone else's repository).
fn clone_of(dir: &Path) -> Option<PathBuf> {
    let top = git(dir, &["rev-parse", "--show-toplevel"])?;
    let same = Path::new(&top).canonicalize().ok()? == dir.canonicalize().ok()?;
    same.then(|| git(dir, &["rev-parse", "--absolute-git-dir"]).map(PathBuf::from))?
}

/// Build again when HEAD moves: a checkout changes `HEAD`, a commit the
/// branch's ref (loose, or in `packed-refs` once packed).
fn watch(dir: &Path, git_dir: &Path) {
    println!("cargo:rerun-if-changed={}", git_dir.join("HEAD").display());
    let common = git(dir, &["rev-parse", "--git-common-dir"])
        .map(|c| dir.join(c))
        .unwrap_or_else(|| git_dir.to_path_buf());
    if let Some(branch) = git(dir, &["symbolic-ref", "-q", "HEAD"]) {
        let loose = common.join(&branch);
        if loose.exists() {
            println!("cargo:rerun-if-changed={}", loose.display());
        }
    }
    let packed = common.join("packed-refs");
    if packed.exists() {
        println!("cargo:rerun-if-changed={}", packed.display());
    }
}

fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .ok()?;
    let text = String::from_utf8(output.stdout).ok()?;
    let text = text.trim();
    (output.status.success() && !text.is_empty()).then(|| text.to_string())
}
