//! Which redirects a job follows, and where they lead. jobrun follows
//! redirects itself rather than letting the HTTP library do it, because a
//! library that follows a redirect to another host forwards the job's
//! headers there, credentials included.

use crate::http::url::Url;
use crate::job::Redirects;

/// A URL's origin: scheme, host and port (RFC 6454).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Origin {
    pub(crate) scheme: String,
    pub(crate) host: String,
    pub(crate) port: u16,
}

impl Origin {
    pub(crate) fn of(url: &str) -> Option<Origin> {
        let parts = Url::parse(url)?;
        let scheme = parts.scheme.to_ascii_lowercase();
        let default_port = match scheme.as_str() {
            "http" => 80,
            "https" => 443,
            _ => return None,
        };
        let (host, port) = match parts.host_and_port() {
            (host, Some(port)) => (host, port.parse().ok()?),
            (host, None) => (host, default_port),
        };
        if host.is_empty() {
            return None;
        }
        Some(Origin {
            scheme,
            host: host.to_ascii_lowercase(),
            port,
        })
    }
}

/// What to do with a redirect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Follow it with the job's headers.
    Follow,
    /// Follow it without the job's configured headers.
    FollowStripped,
    /// Do not follow it; the reason says what would allow it.
    Refuse(String),
}

/// Whether a redirect from `from` to `to` may be followed under `policy`.
pub(crate) fn decide(policy: Redirects, from: &Origin, to: &Origin) -> Decision {
    let same = from == to;
    // An upgrade to https on the same host keeps the request at the same
    // server, now encrypted.
    let upgrade = from.scheme == "http" && to.scheme == "https" && from.host == to.host;
    match policy {
        Redirects::None => Decision::Refuse("`followRedirects` is `none`".into()),
        _ if same || upgrade => Decision::Follow,
        Redirects::CrossOrigin => Decision::FollowStripped,
        Redirects::SameOrigin => Decision::Refuse(
            "it leads to another origin; set `followRedirects: cross-origin` to follow it (the job's headers are not sent there)"
                .into(),
        ),
    }
}

/// `location` resolved against `base` (RFC 3986 section 5.2, for the forms
/// servers send: absolute, scheme-relative, absolute-path, relative-path and
/// query-only).
pub(crate) fn resolve(base: &str, location: &str) -> Option<String> {
    let location = location.trim();
    if let Some((scheme, _)) = location.split_once("://")
        && !scheme.is_empty()
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    {
        return Some(location.to_string());
    }
    let Url {
        scheme,
        authority,
        rest: path_and_query,
    } = Url::parse(base)?;
    let path = &path_and_query[..path_and_query
        .find(['?', '#'])
        .unwrap_or(path_and_query.len())];
    let joined = if let Some(rest) = location.strip_prefix("//") {
        return Some(format!("{scheme}://{rest}"));
    } else if location.starts_with('/') {
        location.to_string()
    } else if location.starts_with('?') {
        format!("{}{location}", if path.is_empty() { "/" } else { path })
    } else if location.is_empty() || location.starts_with('#') {
        return Some(base.to_string());
    } else {
        let dir = &path[..path.rfind('/').map_or(0, |i| i + 1)];
        let dir = if dir.is_empty() { "/" } else { dir };
        format!("{dir}{location}")
    };
    Some(format!(
        "{scheme}://{authority}{}",
        remove_dot_segments(&joined)
    ))
}

/// RFC 3986 section 5.2.4, on the path part only.
fn remove_dot_segments(target: &str) -> String {
    let split = target.find(['?', '#']).unwrap_or(target.len());
    let (path, tail) = target.split_at(split);
    let mut out: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.split('/').collect();
    for (i, segment) in segments.iter().enumerate() {
        let last = i == segments.len() - 1;
        match *segment {
            "." => {
                if last {
                    out.push("");
                }
            }
            ".." => {
                if out.len() > 1 {
                    out.pop();
                }
                if last {
                    out.push("");
                }
            }
            s => out.push(s),
        }
    }
    let mut path = out.join("/");
    if !path.starts_with('/') {
        path.insert(0, '/');
    }
    format!("{path}{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin(url: &str) -> Origin {
        Origin::of(url).unwrap()
    }

    #[test]
    fn origins_compare_scheme_host_and_port() {
        assert_eq!(
            origin("http://a.example/x"),
            origin("HTTP://A.example:80/y")
        );
        assert_ne!(origin("http://a.example/"), origin("https://a.example/"));
        assert_ne!(
            origin("http://a.example:8080/"),
            origin("http://a.example/")
        );
        assert_eq!(origin("https://u:p@h.example:8443/").port, 8443);
        assert_eq!(origin("http://[::1]/").host, "[::1]");
        assert_eq!(origin("http://[::1]:81/").port, 81);
    }

    #[test]
    fn same_origin_and_https_upgrades_are_followed() {
        let from = origin("http://h.example/a");
        assert_eq!(
            decide(Redirects::SameOrigin, &from, &origin("http://h.example/b")),
            Decision::Follow
        );
        assert_eq!(
            decide(
                Redirects::SameOrigin,
                &from,
                &origin("https://h.example:8443/b")
            ),
            Decision::Follow
        );
    }

    #[test]
    fn another_origin_needs_cross_origin_and_loses_the_headers() {
        let from = origin("https://h.example/a");
        let to = origin("https://other.example/b");
        assert!(matches!(
            decide(Redirects::SameOrigin, &from, &to),
            Decision::Refuse(_)
        ));
        assert_eq!(
            decide(Redirects::CrossOrigin, &from, &to),
            Decision::FollowStripped
        );
        // A downgrade to http is another origin.
        assert_eq!(
            decide(Redirects::CrossOrigin, &from, &origin("http://h.example/a")),
            Decision::FollowStripped
        );
        assert!(matches!(
            decide(Redirects::None, &from, &from),
            Decision::Refuse(_)
        ));
    }

    #[test]
    fn locations_resolve_like_a_browser() {
        let base = "http://h.example:8080/a/b/c?q=1";
        for (location, expected) in [
            ("https://x.example/y", "https://x.example/y"),
            ("//x.example/y", "http://x.example/y"),
            ("/y?z=2", "http://h.example:8080/y?z=2"),
            ("d", "http://h.example:8080/a/b/d"),
            ("../d", "http://h.example:8080/a/d"),
            ("./d/", "http://h.example:8080/a/b/d/"),
            ("?r=3", "http://h.example:8080/a/b/c?r=3"),
            ("../../../../d", "http://h.example:8080/d"),
        ] {
            assert_eq!(
                resolve(base, location).as_deref(),
                Some(expected),
                "{location}"
            );
        }
        assert_eq!(
            resolve("http://h.example", "x").as_deref(),
            Some("http://h.example/x")
        );
    }
}
