//! Time zones by name, read straight from the system's zoneinfo files.
//!
//! jiff's database lists the whole zoneinfo directory the first time it is
//! used: some 600 files and 2 ms, which every cron-fired run would pay to
//! use the one or two zones it could read directly. So a zone is read from
//! its own file first, and the database (with its case-insensitive names,
//! `TZDIR` and the bundled copy for hosts without tzdata) is the fallback.

use std::path::Path;

use jiff::tz::TimeZone;

/// Where systems keep their zoneinfo files.
const DIRS: &[&str] = &[
    "/usr/share/zoneinfo",
    "/usr/lib/zoneinfo",
    "/usr/share/lib/zoneinfo",
    "/etc/zoneinfo",
];

/// The zone called `name` (an IANA name such as `America/Chicago`).
pub(crate) fn get(name: &str) -> Option<TimeZone> {
    read_named(name).or_else(|| jiff::tz::db().get(name).ok())
}

/// The host's zone, as cron reads it: `TZ`, else `/etc/localtime`; UTC when
/// neither can be read, as cron itself would run.
///
/// Files are read here, each a regular file of at most [`MAX_ZONE_BYTES`],
/// never through jiff's own reading of the system zone, which opens
/// whatever `TZ` names: `TZ=/dev/zero` read without end, and a fifo
/// there was waited on for ever.
pub(crate) fn host(env: &dyn Fn(&str) -> Option<String>) -> TimeZone {
    let found = match env("TZ") {
        // An empty TZ means UTC to every Unix tool.
        Some(tz) if tz.is_empty() => return TimeZone::UTC,
        Some(tz) => {
            let spec = tz.strip_prefix(':').unwrap_or(&tz);
            let name = after_zoneinfo(spec);
            if spec.starts_with('/') {
                // A file by its path (POSIX's `:path`): the zone named by
                // its place under a zoneinfo directory, else the file.
                read_named(name).or_else(|| read_file(Path::new(spec), name))
            } else {
                // A name, which without zoneinfo files the bundled
                // database has; else a POSIX rule (`EST5EDT`).
                read_named(name)
                    .or_else(|| jiff::tz::db().get(name).ok())
                    .or_else(|| TimeZone::posix(spec).ok())
            }
        }
        None => std::fs::read_link(LOCALTIME)
            .ok()
            .and_then(|target| read_named(after_zoneinfo(&target.to_string_lossy())))
            // A copied file rather than a link.
            .or_else(|| read_file(Path::new(LOCALTIME), "Local")),
    };
    found.unwrap_or(TimeZone::UTC)
}

/// Where the host's zone is when `TZ` is not set.
const LOCALTIME: &str = "/etc/localtime";

/// The zone in the TZif file at `path`, called `name`.
fn read_file(path: &Path, name: &str) -> Option<TimeZone> {
    let bytes = crate::files::read(path, MAX_ZONE_BYTES, crate::files::Pipes::Refused).ok()?;
    if !bytes.starts_with(b"TZif") {
        return None;
    }
    TimeZone::tzif(name, &bytes).ok()
}

/// `America/Chicago` from `/usr/share/zoneinfo/America/Chicago`.
fn after_zoneinfo(path: &str) -> &str {
    const NEEDLE: &str = "zoneinfo/";
    path.rfind(NEEDLE)
        .map_or(path, |i| &path[i + NEEDLE.len()..])
}

/// The largest zone file read: TZif files are a few KiB.
const MAX_ZONE_BYTES: u64 = 1024 * 1024;

fn read_named(name: &str) -> Option<TimeZone> {
    let plain = !name.is_empty()
        && !name.starts_with('/')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/_-+".contains(c))
        && name.split('/').all(|part| !part.is_empty());
    if !plain {
        return None;
    }
    DIRS.iter().find_map(|dir| {
        let path = Path::new(dir).join(name);
        let bytes = crate::files::read(&path, MAX_ZONE_BYTES, crate::files::Pipes::Refused).ok()?;
        if !bytes.starts_with(b"TZif") {
            return None;
        }
        TimeZone::tzif(name, &bytes).ok()
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_container_image_carries_the_zone_files_read_first() {
        let dockerfile = include_str!("../../Dockerfile");
        assert!(
            dockerfile
                .lines()
                .any(|l| l.starts_with("COPY ") && l.ends_with(&format!(" {}", DIRS[0]))),
            "the Dockerfile copies no {}",
            DIRS[0]
        );
    }

    use super::*;

    fn env(tz: Option<&'static str>) -> impl Fn(&str) -> Option<String> {
        move |name| (name == "TZ").then_some(tz).flatten().map(str::to_string)
    }

    #[test]
    fn zones_read_from_their_files_match_the_database() {
        let at: jiff::Timestamp = "2025-07-01T12:00:00Z".parse().unwrap();
        for name in [
            "America/Chicago",
            "Asia/Kolkata",
            "Australia/Lord_Howe",
            "UTC",
        ] {
            let direct = get(name).unwrap();
            let database = jiff::tz::db().get(name).unwrap();
            assert_eq!(direct.iana_name(), Some(name));
            assert_eq!(direct.to_offset(at), database.to_offset(at), "{name}");
        }
    }

    #[test]
    fn odd_names_still_resolve_through_the_database() {
        assert!(get("america/chicago").is_some());
        assert!(get("../../etc/passwd").is_none());
        assert!(get("Not/AZone").is_none());
    }

    #[test]
    fn the_host_zone_follows_tz() {
        assert_eq!(
            host(&env(Some("America/Chicago"))).iana_name(),
            Some("America/Chicago")
        );
        assert_eq!(
            host(&env(Some(":/usr/share/zoneinfo/Europe/London"))).iana_name(),
            Some("Europe/London")
        );
        assert_eq!(host(&env(Some(""))), TimeZone::UTC);
        let at: jiff::Timestamp = "2025-01-15T12:00:00Z".parse().unwrap();
        assert_eq!(
            host(&env(Some("EST5EDT"))).to_offset(at),
            jiff::tz::offset(-5)
        );
    }

    #[test]
    fn a_tz_naming_a_device_a_fifo_or_a_copied_file_is_read_with_a_bound() {
        // Read without end or waited on for ever before: now UTC, as
        // cron runs when the zone cannot be read.
        assert_eq!(host(&env(Some("/dev/zero"))), TimeZone::UTC);
        assert_eq!(host(&env(Some(":/dev/zero"))), TimeZone::UTC);
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("zone");
        crate::files::tests::mkfifo(&fifo);
        let fifo = fifo.display().to_string();
        assert_eq!(
            host(&env(Some(Box::leak(fifo.into_boxed_str())))),
            TimeZone::UTC
        );
        // A zone file copied elsewhere.
        let Some(kolkata) = DIRS
            .iter()
            .map(|d| Path::new(d).join("Asia/Kolkata"))
            .find(|p| p.is_file())
        else {
            return;
        };
        let copy = dir.path().join("copied");
        std::fs::copy(kolkata, &copy).unwrap();
        let copy: &'static str = Box::leak(copy.display().to_string().into_boxed_str());
        let at: jiff::Timestamp = "2025-01-15T12:00:00Z".parse().unwrap();
        assert_eq!(
            host(&env(Some(copy))).to_offset(at),
            jiff::tz::Offset::from_seconds(5 * 3600 + 1800).unwrap()
        );
    }
}
