//! The index of a large job file, kept between runs in the user's cache
//! directory: where `global` and each job are written, and the jobs'
//! names. With it, `run` of one job parses and checks that job and
//! `global` (and looks its name and its `dependsOn` target up among the
//! names) instead of the whole file: one run's cost grows with the job,
//! not with the file.
//!
//! It is safe to trust because of what it is, where it is, and when it is
//! used:
//!
//! - It is keyed by the file's content: the hash of the text read for
//!   this run must equal the one the index was made from, so an edited
//!   file is never read through an old index, whatever its mtime says.
//! - It holds positions, node counts and job names: never a value of the
//!   file, so never a secret written in it.
//! - It lives in the user's own cache directory (`$XDG_CACHE_HOME/jobrun`,
//!   else `~/.cache/jobrun`), made `0700`, written `0600` by rename, and is
//!   only read when it is a regular file owned by this user that no one
//!   else can write to.
//! - Its directory must be one only this user controls (the state
//!   directory's rules, and not a link), or it is neither read nor written.
//! - Its parts must be where the text's jobs are (see `laid_out`): the
//!   text around each part is checked, in time linear in the number of
//!   jobs before it, so an index cannot point a job at text inside
//!   another job's value.
//! - It is made only from a file whose YAML parsed whole and whose shared
//!   parts (the top level, `global`) have no error, and a part cut out
//!   with it must parse to a value of the same size holding the same name,
//!   without aliases, or the run falls back to reading the whole file.
//!   Anything unexpected (no index, another version's, a damaged one, a
//!   job with an error) means the same: the whole file is read and checked,
//!   and the index is made again.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::diagnostic::Diagnostic;
use crate::jobfile::layout::{Layout, Part};

/// The first line of an index: its format and the jobrun that wrote it.
const HEADER: &str = concat!("jobrun-index 2 ", env!("CARGO_PKG_VERSION"));
/// An index larger than this is not read: a 16 MiB job file's is smaller.
const MAX_INDEX_BYTES: u64 = 8 * 1024 * 1024;

/// Where indexes are kept: `$XDG_CACHE_HOME/jobrun`, else
/// `~/.cache/jobrun` (the XDG base directory specification); `None`
/// without either, and then every run reads the whole file.
pub(crate) fn cache_dir(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    let absolute = |name: &str| {
        env(name)
            .map(PathBuf::from)
            .filter(|path| path.is_absolute())
    };
    absolute("XDG_CACHE_HOME")
        .or_else(|| absolute("HOME").map(|home| home.join(".cache")))
        .map(|dir| dir.join("jobrun"))
}

/// The text's 128-bit XXH3 hash, in hex: what an index is keyed by. Not a
/// cryptographic hash, and need not be one: two versions of the file are
/// told apart unless they collide by chance (one in 2^128), and whoever
/// could make them collide on purpose can write the job file itself. It
/// reads a 4 MiB file in a fraction of a millisecond, where SHA-256 took
/// 3 ms, a third of such a run.
pub(super) fn digest(text: &str) -> String {
    hex(&xxhash_rust::xxh3::xxh3_128(text.as_bytes()).to_le_bytes())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A part of the file: whole lines, from byte `start` to byte `end`, the
/// first of them line `line`; what stands before column `col` on it (a
/// list item's `- `) is left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Piece {
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) line: u32,
    pub(super) col: u32,
    /// How many values the part holds, to tell it was cut right.
    pub(super) nodes: usize,
}

impl Piece {
    /// The part's text, the start of its first line blanked out, so that
    /// its lines and columns are those of the file.
    pub(super) fn cut(&self, text: &str) -> Option<String> {
        let part = text.get(self.start..self.end)?;
        // The column must be on the part's first line.
        let (blank, _) = part.char_indices().nth(self.col as usize - 1)?;
        if part[..blank].contains('\n') {
            return None;
        }
        let mut out = String::with_capacity(part.len());
        out.extend(std::iter::repeat_n(' ', self.col as usize - 1));
        out.push_str(&part[blank..]);
        Some(out)
    }
}

/// What an index says about the job to run.
#[derive(Debug)]
pub(super) struct Found<'i> {
    pub(super) jobs_line: u32,
    pub(super) global: Option<Piece>,
    pub(super) job: Piece,
    /// The index's list of jobs, for [`Found::names`].
    jobs: &'i str,
}

impl<'i> Found<'i> {
    /// Whether the file has a job named `name`.
    pub(super) fn names(&self, name: &str) -> bool {
        name != "?"
            && self.jobs.lines().any(|line| {
                line.strip_prefix("job ").and_then(|l| l.split(' ').next()) == Some(name)
            })
    }
}

/// The index of `text` (whose hash is `digest`), or `None` when it
/// cannot have one: its YAML does not parse (no `layout`), its shared
/// parts have an error, or they are not written one key per line from the
/// first column, as nearly every job file is.
pub(super) fn build(
    text: &str,
    digest: &str,
    layout: &Layout,
    diagnostics: &[Diagnostic],
) -> Option<String> {
    if text.contains('\r') {
        return None;
    }
    let shared_error = diagnostics
        .iter()
        .any(|d| d.is_error() && d.span.is_none_or(|s| layout.part(s) == Part::Shared));
    if shared_error {
        return None;
    }
    let mut line_starts = vec![0];
    line_starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
    let lines = line_starts.len() as u32;
    // Where line `n` (1-based) starts; the end of the text past the last.
    let start_of = |line: u32| {
        line_starts
            .get(line as usize - 1)
            .copied()
            .unwrap_or(text.len())
    };
    let key_lines: Vec<u32> = layout.keys.iter().map(|(_, s)| s.line).collect();
    let one_per_line =
        layout.keys.iter().all(|(_, s)| s.col == 1) && key_lines.windows(2).all(|w| w[0] < w[1]);
    if !one_per_line {
        return None;
    }
    // The key after the one on `line`, or the end of the text.
    let next_key = |line: u32| {
        key_lines
            .iter()
            .copied()
            .find(|l| *l > line)
            .unwrap_or(lines + 1)
    };
    let has_alias = |from: u32, to: u32| {
        let first = layout.alias_lines.partition_point(|l| *l < from);
        layout.alias_lines.get(first).is_some_and(|l| *l < to)
    };

    let jobs_line = layout.jobs_key()?.line;
    let mut out = format!("{HEADER}\ndigest {digest}\njobs {jobs_line}\n");
    match layout.keys.iter().find(|(k, _)| k == "global") {
        Some((_, key)) => {
            let end = next_key(key.line);
            if has_alias(key.line, end) {
                return None;
            }
            let piece = Piece {
                start: start_of(key.line),
                end: start_of(end),
                line: key.line,
                col: 1,
                nodes: layout.global_nodes?,
            };
            out.push_str(&format!("global {}\n", piece_text(&piece)));
        }
        None => out.push_str("global -\n"),
    }
    let jobs_end = next_key(jobs_line);
    for (i, item) in layout.items.iter().enumerate() {
        let line = item.span.line;
        let end = layout
            .items
            .get(i + 1)
            .map_or(jobs_end, |next| next.span.line);
        let name = item
            .name
            .as_deref()
            .filter(|n| {
                !n.is_empty()
                    && n.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            })
            .unwrap_or("?");
        let alone = line > jobs_line && line < end && end <= jobs_end && !has_alias(line, end);
        if alone {
            let piece = Piece {
                start: start_of(line),
                end: start_of(end),
                line,
                col: item.span.col,
                nodes: item.nodes,
            };
            out.push_str(&format!("job {name} {}\n", piece_text(&piece)));
        } else {
            out.push_str(&format!("job {name} -\n"));
        }
    }
    Some(out)
}

fn piece_text(piece: &Piece) -> String {
    format!(
        "{} {} {} {} {}",
        piece.start, piece.end, piece.line, piece.col, piece.nodes
    )
}

fn parse_piece(fields: &[&str]) -> Option<Piece> {
    let [start, end, line, col, nodes] = fields else {
        return None;
    };
    let piece = Piece {
        start: start.parse().ok()?,
        end: end.parse().ok()?,
        line: line.parse().ok()?,
        col: col.parse().ok()?,
        nodes: nodes.parse().ok()?,
    };
    (piece.start <= piece.end && piece.line >= 1 && piece.col >= 1).then_some(piece)
}

/// What `index` says about job `name` of `text`, whose hash is `digest`:
/// `None` unless the index is of this text, by this jobrun, names the job
/// exactly once, with a part of its own, and its parts are where the
/// text's jobs are ([`laid_out`]).
pub(super) fn find<'i>(index: &'i str, text: &str, digest: &str, name: &str) -> Option<Found<'i>> {
    let (header, rest) = index.split_once('\n')?;
    let (digest_line, rest) = rest.split_once('\n')?;
    if header != HEADER || digest_line.strip_prefix("digest ")? != digest {
        return None;
    }
    let (jobs_line, rest) = rest.split_once('\n')?;
    let jobs_line = jobs_line.strip_prefix("jobs ")?.parse().ok()?;
    let (global, jobs) = rest.split_once('\n')?;
    let global = match global.strip_prefix("global ")? {
        "-" => None,
        fields => Some(parse_piece(&fields.split(' ').collect::<Vec<_>>())?),
    };
    let mut job = None;
    let mut seen = 0;
    // The parts of the jobs up to this one, in order.
    let mut before = Vec::new();
    for line in jobs.lines() {
        let mut fields = line.strip_prefix("job ")?.split(' ');
        let this = fields.next()? == name;
        let rest: Vec<&str> = fields.collect();
        let piece = match rest[..] {
            ["-"] => None,
            _ => Some(parse_piece(&rest)?),
        };
        if seen == 0 {
            before.push(piece);
        }
        if this {
            seen += 1;
            job = piece;
        }
    }
    let job = job.filter(|_| seen == 1)?;
    let before: Vec<Piece> = before.into_iter().collect::<Option<_>>()?;
    laid_out(text.as_bytes(), &before).then_some(Found {
        jobs_line,
        global,
        job,
        jobs,
    })
}

/// Whether `pieces`, the parts of the first jobs of `text` in order, are
/// where the text's jobs are: the first starts after the `jobs:` line
/// (blank and comment lines between), each starts where the one before
/// ends, each starts with a `- ` at the first's indentation, and the last
/// ends where another such item or a top-level key starts (or the text
/// ends).
///
/// A line that starts with a `-` at the list's indentation cannot be inside
/// a job's value: a block scalar, a quoted or plain scalar running over
/// lines, or a flow collection must be indented further than the job's
/// keys (YAML 1.2 sections 8.1.1.1 and 7.3; saphyr refuses a file that does
/// not), so such a line is an item of the list. An index pointing a job
/// at text inside another job's `body: |` fails here.
fn laid_out(text: &[u8], pieces: &[Piece]) -> bool {
    let Some(first) = pieces.first() else {
        return false;
    };
    let Some(indent) = text
        .get(first.start..)
        .map(|line| line.iter().take_while(|b| **b == b' ').count())
    else {
        return false;
    };
    let begins_item = |at: usize, col: Option<u32>| {
        let dash = at + indent;
        let line_start = at == 0 || text.get(at - 1) == Some(&b'\n');
        let spaces = |from: usize, to: usize| {
            text.get(from..to)
                .is_some_and(|s| s.iter().all(|b| *b == b' '))
        };
        let content = match col {
            Some(col) => (col as usize).checked_sub(1).filter(|c| *c >= indent + 2),
            None => Some(dash + 2 - at),
        };
        line_start
            && spaces(at, dash)
            && text.get(dash) == Some(&b'-')
            && content.is_some_and(|c| spaces(dash + 1, at + c))
    };
    let tiled = pieces.windows(2).all(|w| w[0].end == w[1].start);
    let starts = pieces.iter().all(|p| begins_item(p.start, Some(p.col)));
    let last = pieces[pieces.len() - 1].end;
    let ends = last == text.len()
        || last > 0
            && text.get(last - 1) == Some(&b'\n')
            && (begins_item(last, None) || !matches!(text[last], b' ' | b'-' | b'#' | b'\t'));
    tiled && starts && ends && after_jobs_key(text, first.start)
}

/// Whether the lines before byte `at` (a line's start) are blank or
/// comments back to a `jobs:` line at the first column.
fn after_jobs_key(text: &[u8], at: usize) -> bool {
    let mut end = at;
    while end > 0 {
        let start = memchr::memrchr(b'\n', &text[..end - 1]).map_or(0, |i| i + 1);
        let line = text[start..end - 1].trim_ascii();
        if line.is_empty() || line.starts_with(b"#") {
            end = start;
            continue;
        }
        let Some(rest) = text[start..end - 1].strip_prefix(b"jobs:") else {
            return false;
        };
        let rest = rest.trim_ascii();
        return rest.is_empty() || rest.starts_with(b"#");
    }
    false
}

/// The index file of the job file at `path`: named after the SHA-256 of
/// its absolute path.
fn index_path(dir: &Path, path: &Path) -> Option<PathBuf> {
    use std::os::unix::ffi::OsStrExt as _;
    let absolute = std::path::absolute(path).ok()?;
    let key = ring::digest::digest(&ring::digest::SHA256, absolute.as_os_str().as_bytes());
    Some(dir.join(format!("{}.index", hex(&key.as_ref()[..16]))))
}

/// The index kept for the job file at `path`, if there is one this user
/// can trust: a regular file (not a link) of this user's that no one else
/// can write to, and not too large.
pub(super) fn read(dir: &Path, path: &Path) -> Option<String> {
    use std::io::Read as _;
    use std::os::unix::fs::{MetadataExt as _, OpenOptionsExt as _};
    if !trusted_dir(dir) {
        return None;
    }
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(index_path(dir, path)?)
        .ok()?;
    let meta = file.metadata().ok()?;
    // SAFETY: geteuid has no preconditions and cannot fail.
    let owner = unsafe { libc::geteuid() };
    let trusted = meta.file_type().is_file()
        && meta.uid() == owner
        && meta.mode() & 0o022 == 0
        && meta.len() <= MAX_INDEX_BYTES;
    if !trusted {
        return None;
    }
    let mut text = String::new();
    file.take(MAX_INDEX_BYTES).read_to_string(&mut text).ok()?;
    Some(text)
}

/// Whether the cache directory `dir` is one only this user controls, by
/// the state directory's rules (owned by the user or root, not writable
/// by group or others), and not a symbolic link: else another user could
/// plant an index in it, or take the ones written there.
fn trusted_dir(dir: &Path) -> bool {
    use std::os::unix::fs::MetadataExt as _;
    std::fs::symlink_metadata(dir).is_ok_and(|meta| {
        meta.is_dir()
            && crate::state::dir::judge_dir(meta.uid(), meta.mode(), crate::state::dir::user())
                .is_none()
    })
}

/// Keep `index` for the job file at `path`. Best effort: an index that
/// cannot be written only means the next run reads the whole file too.
pub(super) fn write(dir: &Path, path: &Path, index: &str) {
    use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _};
    let Some(target) = index_path(dir, path) else {
        return;
    };
    if std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .is_err()
        || !trusted_dir(dir)
    {
        return;
    }
    let temporary = target.with_extension(format!("index.{}", std::process::id()));
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW)
        .open(&temporary)
        .and_then(|mut file| file.write_all(index.as_bytes()));
    if written.is_err() || std::fs::rename(&temporary, &target).is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Span;
    use crate::jobfile::yaml::parse_part;

    const TEXT: &str = "global:\n  timezone: UTC\njobs:\n  - name: a\n    url: x\n  # a comment\n  - name: b\n    data: {k: v}\n";

    fn index_of(text: &str) -> Option<String> {
        let layout = Layout::of(&parse_part(text, 1).unwrap().unwrap(), Vec::new());
        build(text, &digest(text), &layout, &[])
    }

    #[test]
    fn an_index_cuts_each_job_out_whole() {
        let index = index_of(TEXT).unwrap();
        let found = find(&index, TEXT, &digest(TEXT), "b").unwrap();
        assert_eq!(found.jobs_line, 3);
        assert!(found.names("a") && found.names("b") && !found.names("c") && !found.names("?"));
        let part = found.job.cut(TEXT).unwrap();
        assert_eq!(part, "    name: b\n    data: {k: v}\n");
        let global = found.global.unwrap().cut(TEXT).unwrap();
        assert_eq!(global, "global:\n  timezone: UTC\n");
        let a = find(&index, TEXT, &digest(TEXT), "a").unwrap().job;
        assert_eq!(
            a.cut(TEXT).unwrap(),
            "    name: a\n    url: x\n  # a comment\n"
        );
        assert_eq!(a.nodes, 5);
    }

    #[test]
    fn a_piece_out_of_its_text_cuts_nothing() {
        let piece = Piece {
            start: 0,
            end: TEXT.len(),
            line: 1,
            col: u32::MAX,
            nodes: 1,
        };
        assert_eq!(piece.cut(TEXT), None);
        assert_eq!(
            Piece { col: 30, ..piece }.cut(TEXT),
            None,
            "past the first line"
        );
        let past_the_end = Piece {
            end: TEXT.len() + 1,
            col: 1,
            ..piece
        };
        assert_eq!(past_the_end.cut(TEXT), None);
        let inside = Piece {
            start: 2,
            end: 4,
            ..past_the_end
        };
        assert_eq!(inside.cut("a\u{e9}b"), None, "inside a character");
        assert_eq!(
            Piece { start: 1, ..inside }.cut("a\u{e9}b").as_deref(),
            Some("\u{e9}b")
        );
    }

    #[test]
    fn an_index_is_only_for_the_text_it_was_made_from() {
        let index = index_of(TEXT).unwrap();
        let edited = TEXT.replace("url: x", "url: y");
        assert!(find(&index, &edited, &digest(&edited), "a").is_none());
        assert!(find(&index, TEXT, &digest(TEXT), "c").is_none());
        let older = index.replacen("jobrun-index 2", "jobrun-index 1", 1);
        assert!(find(&older, TEXT, &digest(TEXT), "a").is_none());
    }

    #[test]
    fn jobs_that_cannot_be_cut_out_are_not_found() {
        // Two jobs named alike, a job using an alias, two jobs on a line.
        let text = "jobs:\n  - name: a\n    data: &d {k: v}\n  - name: a\n  - name: c\n    data: *d\n  - {name: d}\n  - {name: e}\n";
        let index = index_of(text).unwrap();
        let digest = digest(text);
        assert!(find(&index, text, &digest, "a").is_none());
        assert!(find(&index, text, &digest, "c").is_none());
        // After a job that cannot be cut out, where a job starts cannot
        // be checked either.
        assert!(find(&index, text, &digest, "d").is_none());
        let flow = "jobs: [{name: d}, {name: e}]\n";
        assert!(find(&index_of(flow).unwrap(), flow, &super::digest(flow), "d").is_none());
    }

    #[test]
    fn a_file_whose_shared_parts_have_an_error_has_no_index() {
        let layout = Layout::of(&parse_part(TEXT, 1).unwrap().unwrap(), Vec::new());
        let in_global = Diagnostic::error("x", Span::new(2, 13, 3));
        assert!(build(TEXT, &digest(TEXT), &layout, &[in_global]).is_none());
        let in_job = Diagnostic::error("x", Span::new(5, 10, 1));
        assert!(build(TEXT, &digest(TEXT), &layout, &[in_job]).is_some());
        let indented = "jobs:\n - name: a\n   url: x\n  \n";
        assert!(index_of(indented).is_some());
        assert!(index_of("{jobs: [{name: a}]}\n").is_none());
        assert!(index_of("jobs:\r\n  - name: a\r\n").is_none());
    }

    #[test]
    fn only_this_users_own_index_is_read() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("cache");
        let jobs = dir.path().join("jobs.yaml");
        write(&cache, &jobs, "an index\n");
        assert_eq!(read(&cache, &jobs).as_deref(), Some("an index\n"));
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&cache), 0o700);
        let file = index_path(&cache, &jobs).unwrap();
        assert_eq!(mode(&file), 0o600);
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o622)).unwrap();
        assert_eq!(read(&cache, &jobs), None, "writable by others");
        std::fs::remove_file(&file).unwrap();
        let elsewhere = dir.path().join("elsewhere");
        std::fs::write(&elsewhere, "planted\n").unwrap();
        std::os::unix::fs::symlink(&elsewhere, &file).unwrap();
        assert_eq!(read(&cache, &jobs), None, "a link");
    }

    #[test]
    fn an_index_in_a_directory_others_control_is_neither_read_nor_written() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let jobs = dir.path().join("jobs.yaml");
        // A directory anyone can write to, and a link to one.
        let open = dir.path().join("open");
        std::fs::create_dir(&open).unwrap();
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).unwrap();
        let linked = dir.path().join("linked");
        std::os::unix::fs::symlink(&open, &linked).unwrap();
        for cache in [&open, &linked] {
            write(cache, &jobs, "an index\n");
            assert_eq!(std::fs::read_dir(&open).unwrap().count(), 0, "{cache:?}");
        }
        let file = index_path(&open, &jobs).unwrap();
        std::fs::write(&file, "planted\n").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(read(&open, &jobs), None);
        assert_eq!(read(&linked, &jobs), None);
        // Its own directory, once made safe, is used.
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o700)).unwrap();
        assert_eq!(read(&open, &jobs).as_deref(), Some("planted\n"));
    }

    #[test]
    fn an_index_pointing_into_a_jobs_value_is_not_followed() {
        // `victim` is text in `a`'s block scalar, at a deeper indentation
        // than the list's; a forged index says it is a job.
        let text = "jobs:\n  - name: a\n    schedule: \"* * * * *\"\n    body: |\n      - name: victim\n        url: https://e.com/\n  - name: b\n    url: x\n";
        let at = |needle: &str| text.find(needle).unwrap();
        let line = |byte: usize| text[..byte].matches('\n').count() as u32 + 1;
        let victim = at("      - name: victim");
        let b = at("  - name: b");
        let forged = |pieces: &[(&str, usize, usize, u32)]| {
            let mut index = format!("{HEADER}\ndigest {}\njobs 1\nglobal -\n", digest(text));
            for (name, start, end, col) in pieces {
                index.push_str(&format!(
                    "job {name} {start} {end} {} {col} 5\n",
                    line(*start)
                ));
            }
            index
        };
        let a = at("  - name: a");
        // Tiled, each at a `- `, but the victim's `-` is not at the list's.
        let index = forged(&[
            ("a", a, victim, 5),
            ("victim", victim, b, 9),
            ("b", b, text.len(), 5),
        ]);
        assert!(find(&index, text, &digest(text), "victim").is_none());
        // `a`, said to end where its body goes on, is not found either.
        assert!(find(&index, text, &digest(text), "a").is_none());
        // The honest index of the same text finds `a` and `b`, not `victim`.
        let honest = index_of(text).unwrap();
        assert!(find(&honest, text, &digest(text), "b").is_some());
        assert!(find(&honest, text, &digest(text), "victim").is_none());
        // A forged end that stops inside `a`.
        let short = forged(&[("a", a, at("    body"), 5)]);
        assert!(find(&short, text, &digest(text), "a").is_none());
    }
}
