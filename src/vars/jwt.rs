//! The token jobrun mints for `${JWT_TOKEN}` when `JWT_SECRET` is set and
//! `JWT_TOKEN` is not, as the Node scheduler did with `jsonwebtoken`: HS256
//! (RFC 7518 section 3.2) over `{"sub", "iat", "exp"}` (RFC 7519 section 4.1).
//!
//! The HMAC is ring's, already linked through the TLS stack: a JWT crate
//! would bring RSA and elliptic curves for one symmetric signature.

use ring::hmac;

use crate::vars::base64;

/// `sub` when `JWT_SUB` is not set.
pub(crate) const DEFAULT_SUBJECT: &str = "scheduler-app";
/// Lifetime when `JWT_TTL_SECONDS` is not set: 60 days.
pub(crate) const DEFAULT_TTL_SECONDS: u64 = 5_184_000;

/// `{"alg":"HS256","typ":"JWT"}`, as jsonwebtoken writes it.
const HEADER: &str = r#"{"alg":"HS256","typ":"JWT"}"#;

/// An HS256 token for `subject`, issued at `now` (seconds since 1970) and
/// expiring `ttl` seconds later, signed with the bytes of `secret`.
pub fn mint(secret: &[u8], subject: &str, now: i64, ttl: u64) -> String {
    let expires = now.saturating_add(i64::try_from(ttl).unwrap_or(i64::MAX));
    // The claims in jsonwebtoken's order; serde_json escapes the subject.
    let subject = serde_json::to_string(subject).unwrap_or_else(|_| "\"\"".into());
    let claims = format!(r#"{{"sub":{subject},"iat":{now},"exp":{expires}}}"#);
    let signed = format!(
        "{}.{}",
        base64::encode_url(HEADER.as_bytes()),
        base64::encode_url(claims.as_bytes())
    );
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret);
    let signature = hmac::sign(&key, signed.as_bytes());
    format!("{signed}.{}", base64::encode_url(signature.as_ref()))
}

/// The longest `JWT_TTL_SECONDS`: ten years. A longer one is a token that
/// never expires in practice, and an `exp` past 2^53 loses precision in
/// the JavaScript servers that read it.
pub(crate) const MAX_TTL_SECONDS: u64 = 10 * 365 * 24 * 3600;

/// `JWT_TTL_SECONDS` read as a whole number of seconds, from 1 to
/// [`MAX_TTL_SECONDS`].
pub(crate) fn ttl(text: &str) -> Option<u64> {
    text.trim()
        .parse()
        .ok()
        .filter(|seconds| (1..=MAX_TTL_SECONDS).contains(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ttl_is_a_whole_number_of_seconds_up_to_ten_years() {
        assert_eq!(ttl(" 60 "), Some(60));
        assert_eq!(ttl("315360000"), Some(MAX_TTL_SECONDS));
        for text in ["0", "315360001", "18446744073709551615", "2d", "-1", ""] {
            assert_eq!(ttl(text), None, "{text}");
        }
    }

    #[test]
    fn matches_a_token_signed_by_nodes_crypto() {
        // node: createHmac("sha256", secret) over base64url(header) "."
        // base64url(claims), the way jsonwebtoken 9 signs HS256.
        assert_eq!(
            mint(
                b"s3cr3t-signing-key",
                "scheduler-app",
                1_700_000_000,
                5_184_000
            ),
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJzY2hlZHVsZXItYXBwIiwiaWF0IjoxNzAwMDAwMDAwLCJleHAiOjE3MDUxODQwMDB9.s06Htxa8rpREysYUArBy2BoB9uA3CRMrWJh_cdQGNAo"
        );
    }

    #[test]
    fn the_signature_verifies_and_the_claims_read_back() {
        let token = mint(b"k", "a \"quoted\" sub", 10, 20);
        let (signed, signature) = token.rsplit_once('.').unwrap();
        let key = hmac::Key::new(hmac::HMAC_SHA256, b"k");
        let signature = base64_url_decode(signature);
        assert!(hmac::verify(&key, signed.as_bytes(), &signature).is_ok());
        let claims = base64_url_decode(signed.split('.').nth(1).unwrap());
        let claims: serde_json::Value = serde_json::from_slice(&claims).unwrap();
        assert_eq!(
            claims,
            serde_json::json!({"sub": "a \"quoted\" sub", "iat": 10, "exp": 30})
        );
    }

    fn base64_url_decode(text: &str) -> Vec<u8> {
        base64::decode(&text.replace('-', "+").replace('_', "/")).unwrap()
    }

    #[test]
    fn ttl_is_a_positive_number_of_seconds() {
        assert_eq!(ttl("3600"), Some(3600));
        assert_eq!(ttl(" 60 "), Some(60));
        for bad in ["0", "-5", "1h", "", "1.5"] {
            assert_eq!(ttl(bad), None, "{bad}");
        }
    }
}
