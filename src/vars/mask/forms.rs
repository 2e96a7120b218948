//! The forms a secret takes when a server transforms it rather than
//! escapes it: hex, and base64 inside a longer base64 text (RFC 4648
//! sections 4 and 5), as a server echoes `Basic` credentials or a token it
//! was given inside an encoded field.
//!
//! Base64 writes three bytes as four characters, so a secret inside a
//! longer text is encoded one of three ways, by where it starts in a group
//! of three. Whichever it is, the characters made of the secret's bits
//! alone are the same for every text around it: those are what is searched
//! for, and the characters at either end that hold some of its bits and
//! some of its neighbours' are masked with them.

use std::ops::Range;

use crate::vars::base64;

/// One form of a secret, as searched for (letters in lower case: the
/// search ignores case).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) struct Form {
    pub(super) bytes: Vec<u8>,
    /// For a base64 form: whether a character before it, and one after,
    /// holds bits of the secret too.
    pub(super) partial: Option<(bool, bool)>,
}

impl Form {
    pub(super) fn plain(bytes: Vec<u8>) -> Form {
        Form {
            bytes: bytes.to_ascii_lowercase(),
            partial: None,
        }
    }

    /// `range`, where this form was found in `text`, widened to the
    /// base64 characters on either side that hold bits of the secret, and
    /// the padding after them.
    pub(super) fn widened(&self, text: &[u8], range: Range<usize>) -> Range<usize> {
        let Some((before, after)) = self.partial else {
            return range;
        };
        let Range { mut start, mut end } = range;
        let alphabet = |b: &u8| b.is_ascii_alphanumeric() || b"+/-_".contains(b);
        if before && start > 0 && alphabet(&text[start - 1]) {
            start -= 1;
        }
        if after && text.get(end).is_some_and(alphabet) {
            end += 1;
        }
        while end < text.len() && text[end] == b'=' && end - range.end < 3 {
            end += 1;
        }
        start..end
    }
}

/// `value`'s bytes in hex.
pub(super) fn hex(value: &str) -> Form {
    Form::plain(
        value
            .bytes()
            .flat_map(|b| format!("{b:02x}").into_bytes())
            .collect(),
    )
}

/// The characters of `value` in base64 that hold its bits alone, for each
/// place it can start in a group of three bytes, in the standard alphabet
/// (`standard`) or the URL-safe one.
pub(super) fn base64_cores(value: &str, standard: bool) -> Vec<Form> {
    let n = value.len();
    (0..3)
        .filter_map(|skew| {
            let mut bytes = vec![0u8; skew];
            bytes.extend_from_slice(value.as_bytes());
            let encoded = if standard {
                base64::encode(&bytes)
            } else {
                base64::encode_url(&bytes)
            };
            // Character i holds bits 6i to 6i + 6; the value's are 8 * skew
            // to 8 * (skew + n).
            let first = (8 * skew).div_ceil(6);
            let end = 8 * (skew + n) / 6;
            let core = encoded.get(first..end)?;
            Some(Form {
                bytes: core.to_ascii_lowercase().into_bytes(),
                partial: Some((
                    !(8 * skew).is_multiple_of(6),
                    !(8 * (skew + n)).is_multiple_of(6),
                )),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_has_the_same_base64_core_whatever_surrounds_it() {
        let secret = "SENTINEL-tok/+1";
        let cores = base64_cores(secret, true);
        for before in ["", "a", "ab", "Bearer ", "Basic u:"] {
            for after in ["", "x", " and more"] {
                let text = base64::encode(format!("{before}{secret}{after}").as_bytes())
                    .to_ascii_lowercase();
                let found = cores
                    .iter()
                    .filter(|c| text.contains(std::str::from_utf8(&c.bytes).unwrap()))
                    .count();
                assert!(found >= 1, "{before:?} {after:?}: {text}");
            }
        }
        assert_eq!(base64_cores(secret, false).len(), 3);
    }

    #[test]
    fn a_found_core_is_widened_to_the_characters_sharing_its_bits() {
        let secret = "abcdefghij";
        let text = base64::encode(format!("x{secret}").as_bytes()).into_bytes();
        let lower = text.to_ascii_lowercase();
        let core = base64_cores(secret, true)
            .into_iter()
            .find(|c| lower.windows(c.bytes.len()).any(|w| w == c.bytes))
            .unwrap();
        let at = lower
            .windows(core.bytes.len())
            .position(|w| w == core.bytes)
            .unwrap();
        let widened = core.widened(&lower, at..at + core.bytes.len());
        // Only the first character, made of bits of `x` alone, is left.
        assert_eq!(widened, 1..text.len());
    }
}
