//! `ENCRYPTED_<NAME>` values, in the Node scheduler's format exactly:
//! base64 of iv (12 bytes) || GCM tag (16 bytes) || ciphertext, the cipher
//! AES-256-GCM with no associated data, the key the SHA-256 of the raw
//! text of `JWT_ENCRYPTION_KEY`.
//!
//! ring keeps the tag after the ciphertext; the format puts it before, so
//! both directions move it.

use ring::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey};
use ring::digest;

use crate::vars::base64;

pub(crate) const IV_LEN: usize = 12;
pub(crate) const TAG_LEN: usize = 16;

/// Why a value cannot be opened. Carries no part of the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum OpenError {
    #[error("it is not base64")]
    NotBase64,
    #[error("it is too short: {}, where the iv and tag alone are 28 bytes", crate::wording::plural(*.len, "byte"))]
    TooShort { len: usize },
    #[error("`JWT_ENCRYPTION_KEY` is not the key it was encrypted with, or the value is damaged")]
    Rejected,
    #[error("the decrypted value is not UTF-8 text")]
    NotUtf8,
}

fn key(key_text: &str) -> LessSafeKey {
    let hash = digest::digest(&digest::SHA256, key_text.as_bytes());
    // A 32-byte key is always accepted for AES-256.
    let unbound = UnboundKey::new(&aead::AES_256_GCM, hash.as_ref())
        .unwrap_or_else(|_| unreachable!("SHA-256 gives 32 bytes"));
    LessSafeKey::new(unbound)
}

/// The plain text of `value`, sealed with `key_text`.
pub(crate) fn open(key_text: &str, value: &str) -> Result<String, OpenError> {
    let bytes = base64::decode(value.trim()).ok_or(OpenError::NotBase64)?;
    if bytes.len() < IV_LEN + TAG_LEN {
        return Err(OpenError::TooShort { len: bytes.len() });
    }
    let (iv, rest) = bytes.split_at(IV_LEN);
    let (tag, ciphertext) = rest.split_at(TAG_LEN);
    let mut in_out = Vec::with_capacity(ciphertext.len() + TAG_LEN);
    in_out.extend_from_slice(ciphertext);
    in_out.extend_from_slice(tag);
    let nonce = Nonce::try_assume_unique_for_key(iv).map_err(|_| OpenError::Rejected)?;
    let plain = key(key_text)
        .open_in_place(nonce, Aad::empty(), &mut in_out)
        .map_err(|_| OpenError::Rejected)?;
    String::from_utf8(plain.to_vec()).map_err(|_| OpenError::NotUtf8)
}

/// `plain` sealed with `key_text` under `iv`, which must never be used
/// twice with one key: callers pass 12 fresh random bytes.
pub fn seal(key_text: &str, plain: &[u8], iv: [u8; IV_LEN]) -> String {
    let mut ciphertext = plain.to_vec();
    let tag = key(key_text)
        .seal_in_place_separate_tag(
            Nonce::assume_unique_for_key(iv),
            Aad::empty(),
            &mut ciphertext,
        )
        .unwrap_or_else(|_| unreachable!("AES-GCM seals anything under 64 GiB"));
    let mut out = Vec::with_capacity(IV_LEN + TAG_LEN + ciphertext.len());
    out.extend_from_slice(&iv);
    out.extend_from_slice(tag.as_ref());
    out.extend_from_slice(&ciphertext);
    base64::encode(&out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values made by Node's own crypto module (`make.js` beside them).
    const NODE: &str = include_str!("../../tests/fixtures/encrypted/values.json");

    #[test]
    fn opens_what_nodes_crypto_sealed() {
        let fixtures: serde_json::Value = serde_json::from_str(NODE).unwrap();
        let cases = fixtures["values"].as_array().unwrap();
        assert!(cases.len() >= 4);
        for case in cases {
            let key = case["key"].as_str().unwrap();
            let value = case["encrypted"].as_str().unwrap();
            assert_eq!(
                open(key, value).as_deref(),
                Ok(case["plain"].as_str().unwrap()),
                "{case}"
            );
        }
    }

    #[test]
    fn seals_as_node_does_for_the_same_iv() {
        let fixtures: serde_json::Value = serde_json::from_str(NODE).unwrap();
        for case in fixtures["values"].as_array().unwrap() {
            let value = case["encrypted"].as_str().unwrap();
            let iv: [u8; IV_LEN] = base64::decode(value).unwrap()[..IV_LEN].try_into().unwrap();
            let plain = case["plain"].as_str().unwrap();
            assert_eq!(
                seal(case["key"].as_str().unwrap(), plain.as_bytes(), iv),
                value
            );
        }
    }

    #[test]
    fn a_round_trip_gives_the_value_back() {
        let sealed = seal("k", "pässwörd".as_bytes(), [7; IV_LEN]);
        assert_eq!(open("k", &sealed).as_deref(), Ok("pässwörd"));
        assert_eq!(
            open("k", &format!(" {sealed}\n")).as_deref(),
            Ok("pässwörd")
        );
    }

    #[test]
    fn a_wrong_key_or_a_damaged_value_is_rejected() {
        let sealed = seal("right", b"secret", [1; IV_LEN]);
        assert_eq!(open("wrong", &sealed), Err(OpenError::Rejected));
        let mut bytes = base64::decode(&sealed).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        assert_eq!(
            open("right", &base64::encode(&bytes)),
            Err(OpenError::Rejected)
        );
    }

    #[test]
    fn bad_base64_and_short_values_say_so() {
        assert_eq!(open("k", "not base64!"), Err(OpenError::NotBase64));
        assert_eq!(
            open("k", &base64::encode(&[0; 27])),
            Err(OpenError::TooShort { len: 27 })
        );
        assert_eq!(
            open("k", &base64::encode(&[0; 28])),
            Err(OpenError::Rejected)
        );
        assert_eq!(
            OpenError::TooShort { len: 1 }.to_string(),
            "it is too short: 1 byte, where the iv and tag alone are 28 bytes"
        );
    }

    #[test]
    fn errors_never_hold_the_value() {
        let sealed = seal("k", b"SENTINEL", [2; IV_LEN]);
        for error in [
            open("x", &sealed).unwrap_err(),
            open("k", &sealed[..20]).unwrap_err(),
        ] {
            let text = format!("{error} {error:?}");
            assert!(
                !text.contains("SENTINEL") && !text.contains(&sealed[..20]),
                "{text}"
            );
        }
    }
}
