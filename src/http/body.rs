//! A response body as it is read: in pieces, up to the job's limit;
//! written to the `--output` file as it arrives; searched for
//! `expectBodyContains` as it goes; and kept in memory whole only when it
//! is to be shown whole (`--print-body`), else only its head, for the
//! failure line's excerpt. A 300 MB body costs a few buffers, not its size
//! twice over.

use std::fs::File;
use std::io::{Seek as _, Write as _};

/// How much of a body is kept when it is not kept whole: the failure
/// line's excerpt is 500 characters once runs of whitespace are
/// collapsed, and masking needs the text around them.
pub(crate) const HEAD_BYTES: usize = 64 * 1024;

/// What becomes of the bodies a client reads.
#[derive(Debug, Default)]
pub(crate) struct BodySink {
    /// Keep each body whole in memory: it is to be printed, or written
    /// somewhere that cannot be rewound, once the run is over.
    pub(crate) keep_whole: bool,
    /// Write each body to this file, from its start, as it arrives: a
    /// later attempt's response replaces an earlier one's.
    pub(crate) file: Option<File>,
}

/// A body, read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Body {
    /// The whole body, or its first [`HEAD_BYTES`] bytes.
    pub(crate) kept: Vec<u8>,
    /// How many bytes it had (those read, for a body cut short).
    pub(crate) len: u64,
    /// Whether the text the job expects was in it, when it expects one.
    pub(crate) found: Option<bool>,
    /// Why it could not be written to the file, if it could not.
    pub(crate) unwritten: Option<String>,
    /// Read to its end, as opposed to cut short (too large, the
    /// connection lost).
    pub(crate) complete: bool,
}

impl Body {
    /// Whether [`Body::kept`] is all of it.
    pub(crate) fn is_whole(&self) -> bool {
        self.kept.len() as u64 == self.len
    }
}

/// A body being read, piece by piece.
pub(crate) struct Reading<'a> {
    sink: &'a BodySink,
    body: Body,
    wanted: Option<memchr::memmem::Finder<'a>>,
    /// The end of what was read so far, as long as `wanted` less a byte:
    /// the text a piece may complete.
    tail: Vec<u8>,
}

impl<'a> Reading<'a> {
    /// Start reading a body for `sink`, looking for `wanted`. The file, if
    /// any, is emptied: it is to hold this body.
    pub(crate) fn start(sink: &'a BodySink, wanted: Option<&'a str>) -> Reading<'a> {
        let mut reading = Reading {
            sink,
            body: Body {
                found: wanted.map(str::is_empty),
                ..Body::default()
            },
            wanted: wanted
                .filter(|w| !w.is_empty())
                .map(|w| memchr::memmem::Finder::new(w.as_bytes())),
            tail: Vec::new(),
        };
        if let Some(mut file) = sink.file.as_ref()
            && let Err(e) = file.set_len(0).and_then(|()| file.rewind())
        {
            reading.body.unwritten = Some(crate::files::io_reason(&e));
        }
        reading
    }

    /// The next piece of the body.
    pub(crate) fn push(&mut self, piece: &[u8]) {
        self.body.len += piece.len() as u64;
        let room = if self.sink.keep_whole {
            piece.len()
        } else {
            HEAD_BYTES
                .saturating_sub(self.body.kept.len())
                .min(piece.len())
        };
        self.body.kept.extend_from_slice(&piece[..room]);
        self.search(piece);
        if let (Some(mut file), None) = (self.sink.file.as_ref(), &self.body.unwritten)
            && let Err(e) = file.write_all(piece)
        {
            self.body.unwritten = Some(crate::files::io_reason(&e));
        }
    }

    fn search(&mut self, piece: &[u8]) {
        let Some(finder) = &self.wanted else {
            return;
        };
        if self.body.found == Some(true) {
            return;
        }
        let keep = finder.needle().len() - 1;
        // Only the joint needs the tail before it: the piece itself is
        // searched where it lies.
        let joint_len = keep.min(piece.len());
        self.tail.extend_from_slice(&piece[..joint_len]);
        if finder.find(&self.tail).is_some() || finder.find(piece).is_some() {
            self.body.found = Some(true);
            return;
        }
        self.body.found = Some(false);
        let mut tail = std::mem::take(&mut self.tail);
        if piece.len() >= keep {
            tail.clear();
            tail.extend_from_slice(&piece[piece.len() - keep..]);
        } else {
            // `tail` already ends with the whole piece.
            let excess = tail.len().saturating_sub(keep);
            tail.drain(..excess);
        }
        self.tail = tail;
    }

    /// The body read. One cut short (too large, the connection lost) is
    /// not passed on as if it were the body: nothing of it is kept, and
    /// the file is emptied.
    pub(crate) fn finish(mut self, complete: bool) -> Body {
        self.body.complete = complete;
        if !complete {
            self.body.kept = Vec::new();
            if let Some(file) = self.sink.file.as_ref() {
                let _ = file.set_len(0);
            }
        }
        if let Some(mut file) = self.sink.file.as_ref()
            && self.body.unwritten.is_none()
            && let Err(e) = file.flush()
        {
            self.body.unwritten = Some(crate::files::io_reason(&e));
        }
        self.body
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(sink: &BodySink, wanted: Option<&str>, pieces: &[&[u8]]) -> Body {
        let mut reading = Reading::start(sink, wanted);
        for piece in pieces {
            reading.push(piece);
        }
        reading.finish(true)
    }

    #[test]
    fn only_the_head_is_kept_unless_the_body_is_kept_whole() {
        let big = vec![b'x'; HEAD_BYTES + 10];
        let head = read(&BodySink::default(), None, &[&big, b"end"]);
        assert_eq!(head.kept.len(), HEAD_BYTES);
        assert_eq!(head.len, HEAD_BYTES as u64 + 13);
        assert!(!head.is_whole());
        let sink = BodySink {
            keep_whole: true,
            file: None,
        };
        let whole = read(&sink, None, &[&big, b"end"]);
        assert!(whole.is_whole());
        assert!(whole.kept.ends_with(b"xend"));
    }

    #[test]
    fn the_expected_text_is_found_across_pieces_and_anywhere_in_a_large_body() {
        for pieces in [
            &[&b"abc done"[..]][..],
            &[b"ab", b"c d", b"one"],
            &[b"abc d", b"o", b"n", b"e!"],
            &[b"d", b"o", b"ne"],
        ] {
            let body = read(&BodySink::default(), Some("done"), pieces);
            assert_eq!(body.found, Some(true), "{pieces:?}");
        }
        for pieces in [&[&b"don"[..], b"x", b"e"][..], &[b"d", b"on"], &[]] {
            let body = read(&BodySink::default(), Some("done"), pieces);
            assert_eq!(body.found, Some(false), "{pieces:?}");
        }
        let far = vec![b'y'; 3 * HEAD_BYTES];
        let body = read(
            &BodySink::default(),
            Some("needle"),
            &[&far, b"nee", b"dle"],
        );
        assert_eq!(body.found, Some(true));
        assert_eq!(read(&BodySink::default(), None, &[b"x"]).found, None);
    }

    #[test]
    fn the_file_holds_the_last_body_and_none_cut_short() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out");
        let sink = BodySink {
            keep_whole: false,
            file: Some(File::create(&path).unwrap()),
        };
        read(&sink, None, &[b"first attempt's longer body"]);
        read(&sink, None, &[b"second", b" body"]);
        assert_eq!(std::fs::read(&path).unwrap(), b"second body");
        let mut cut = Reading::start(&sink, None);
        cut.push(b"half a bo");
        assert_eq!(cut.finish(false).kept, b"");
        assert_eq!(std::fs::read(&path).unwrap(), b"");
    }
}
