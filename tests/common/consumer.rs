//! The consumers group: tests that hand jobrun's output to a real outside
//! program (cron, systemd-analyze, kubernetes-validate, curl, node...) or
//! need root. Each is marked `#[ignore = "consumer: needs TOOL"]`, so the
//! README's `cargo test --locked` passes with Rust alone and lists them as
//! ignored; `.ci/run` installs the tools and runs them with
//! `cargo test --locked -- --ignored`. There a missing tool fails the test
//! with the reason: a check that silently did not run proves nothing.

use std::os::unix::fs::PermissionsExt as _;
use std::path::PathBuf;

/// The executable `name` found on PATH, as a shell would find it.
pub fn require(name: &str) -> PathBuf {
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join(name))
        .find(|path| {
            path.metadata()
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
        .unwrap_or_else(|| panic!("consumer test needs `{name}` on PATH; .ci/run installs it"))
}

/// Fail unless the test runs as root; `why` says what needs it.
pub fn require_root(why: &str) {
    // SAFETY: geteuid has no preconditions and cannot fail.
    let root = unsafe { libc::geteuid() } == 0;
    assert!(
        root,
        "consumer test needs root ({why}); .ci/run runs the consumers group as root"
    );
}
