//! A run's identity: its run id, which the history, the healthcheck pings
//! and the notifications share, and the `Idempotency-Key` it sends: one
//! value per run, the same on every retry, so the server can tell a retry
//! from a new request.
//!
//! A run fired by the scheduler for a scheduled instant derives its key
//! from the job's name and that instant, so a run fired twice for the same
//! instant (a retried cron line, a catch-up after a crash) sends the same
//! key. A run started by hand gets a random key.

use jiff::Timestamp;

/// The key for `job`'s run: derived when `scheduled` is known, else from
/// the 16 random bytes given. Formatted as a UUID (version 8 when derived,
/// version 4 when random), which is what servers expect to see.
pub(crate) fn key(job: &str, scheduled: Option<Timestamp>, random: [u8; 16]) -> String {
    let bytes = match scheduled {
        Some(instant) => {
            let text = format!("jobrun\n{job}\n{}", instant.as_second());
            let digest = ring::digest::digest(&ring::digest::SHA256, text.as_bytes());
            let mut bytes = [0u8; 16];
            bytes.copy_from_slice(&digest.as_ref()[..16]);
            versioned(bytes, 8)
        }
        None => versioned(random, 4),
    };
    uuid(bytes)
}

/// A run id: 128 random bits written as a UUID (version 4), the form
/// monitoring services take as a run identifier.
pub(crate) fn run_id(random: fn(&mut [u8])) -> String {
    let mut bytes = [0u8; 16];
    random(&mut bytes);
    uuid(versioned(bytes, 4))
}

/// The host a run runs on, as the history records it: `HOSTNAME` (a
/// Kubernetes pod's name, or whatever the environment says), else the
/// system's node name (uname(2)).
pub(crate) fn host(env: &dyn Fn(&str) -> Option<String>) -> String {
    if let Some(name) = env("HOSTNAME").filter(|h| !h.trim().is_empty()) {
        return name.chars().filter(|c| !c.is_control()).take(255).collect();
    }
    let mut buffer = [0u8; 256];
    // SAFETY: the buffer is writable for its whole length, and one byte
    // is kept for the terminating NUL that gethostname(2) may leave out.
    let result =
        unsafe { libc::gethostname(buffer.as_mut_ptr().cast::<libc::c_char>(), buffer.len() - 1) };
    if result != 0 {
        return "unknown".into();
    }
    let end = buffer.iter().position(|b| *b == 0).unwrap_or(buffer.len());
    String::from_utf8_lossy(&buffer[..end]).into_owned()
}

/// 16 bytes written as a UUID: 8-4-4-4-12 lowercase hex digits.
fn uuid(bytes: [u8; 16]) -> String {
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// RFC 9562: the version in the high nibble of byte 6, the variant `10`
/// in the high bits of byte 8.
fn versioned(mut bytes: [u8; 16], version: u8) -> [u8; 16] {
    bytes[6] = (bytes[6] & 0x0f) | (version << 4);
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scheduled_run_gets_the_same_key_every_time() {
        let at: Timestamp = "2026-11-27T18:30:00-06:00".parse().unwrap();
        let first = key("kpi", Some(at), [1; 16]);
        assert_eq!(first, key("kpi", Some(at), [2; 16]));
        assert_ne!(first, key("backup", Some(at), [1; 16]));
        assert_ne!(
            first,
            key(
                "kpi",
                Some(at + jiff::SignedDuration::from_secs(60)),
                [1; 16]
            )
        );
        assert_eq!(&first[14..15], "8");
    }

    #[test]
    fn a_manual_run_gets_a_random_version_4_uuid() {
        let k = key("kpi", None, [0xff; 16]);
        assert_eq!(k, "ffffffff-ffff-4fff-bfff-ffffffffffff");
        assert_ne!(k, key("kpi", None, [0xfe; 16]));
    }

    #[test]
    fn run_ids_are_version_4_uuids() {
        let id = run_id(|b| b.fill(0xff));
        assert_eq!(id, "ffffffff-ffff-4fff-bfff-ffffffffffff");
        let id = run_id(|b| b.fill(0));
        assert_eq!(id, "00000000-0000-4000-8000-000000000000");
    }
}
