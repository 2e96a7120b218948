//! URLs taken apart the one way jobrun does it everywhere: the scheme, the
//! authority (userinfo, host, port) and the rest, as RFC 3986 section 3
//! splits them; and URLs as they may be shown.
//!
//! This is a splitter, not a validator: the HTTP library checks a URL
//! before it is sent. It finds the authority's end at the first `/`, `?`
//! or `#`, and the userinfo's end at the authority's last `@`.

use crate::vars::mask::{MASK, Secrets};

/// A URL's parts, borrowed from its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Url<'a> {
    /// As written, without `://`.
    pub(crate) scheme: &'a str,
    /// Between `://` and the first `/`, `?` or `#`.
    pub(crate) authority: &'a str,
    /// From the first `/`, `?` or `#` on: path, query and fragment.
    pub(crate) rest: &'a str,
}

impl<'a> Url<'a> {
    /// `None` when there is no `://`.
    pub(crate) fn parse(text: &'a str) -> Option<Url<'a>> {
        let (scheme, after) = text.split_once("://")?;
        let end = after.find(['/', '?', '#']).unwrap_or(after.len());
        Some(Url {
            scheme,
            authority: &after[..end],
            rest: &after[end..],
        })
    }

    /// Where the authority starts in the text, in bytes.
    pub(crate) fn authority_start(&self) -> usize {
        self.scheme.len() + 3
    }

    /// The `user:password` before the authority's last `@`.
    pub(crate) fn userinfo(&self) -> Option<&'a str> {
        self.authority.rsplit_once('@').map(|(info, _)| info)
    }

    /// The host and port, after the userinfo.
    pub(crate) fn host_port(&self) -> &'a str {
        self.authority
            .rsplit_once('@')
            .map_or(self.authority, |(_, host)| host)
    }

    /// The host as written (an IPv6 address keeps its brackets), and the
    /// port when one is written.
    pub(crate) fn host_and_port(&self) -> (&'a str, Option<&'a str>) {
        let host_port = self.host_port();
        match host_port.rsplit_once(':') {
            // `[::1]` alone has colons but no port.
            Some((host, port)) if !port.contains(']') => (host, Some(port)),
            _ => (host_port, None),
        }
    }

    /// The host without the brackets of an IPv6 address.
    pub(crate) fn bare_host(&self) -> &'a str {
        let (host, _) = self.host_and_port();
        host.strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host)
    }
}

/// The `user:password` of `scheme://user:password@host/...`.
pub(crate) fn userinfo(url: &str) -> Option<&str> {
    Url::parse(url)?.userinfo()
}

/// `url` as it may be shown in a line about the job's own request: its
/// userinfo replaced by `***`, and every secret of the run masked.
///
/// The secrets are masked first, in the URL as filled in: a secret that
/// holds a character the URL is split at (`@`, `/`) would otherwise be
/// cut by the split, and the piece left outside the userinfo shown.
pub(crate) fn masked(url: &str, secrets: &Secrets) -> String {
    let url = secrets.mask(url);
    match Url::parse(&url).and_then(|u| u.userinfo()) {
        Some(info) => url.replacen(&format!("{info}@"), &format!("{MASK}@"), 1),
        None => url.into_owned(),
    }
}

/// A notification's or ping's URL as it may be shown: its origin only. A
/// webhook or ping URL is a credential in itself (whoever has it can post
/// to the channel, or report the job healthy), whatever its variable is
/// called. The host is masked like the job's own URL: `secrets` are
/// masked in the whole URL first, so one that runs from the host into the
/// path (a `/` in its value) is hidden whole, not cut at the host's end.
pub(crate) fn origin_only(url: &str, secrets: &Secrets) -> String {
    bare_origin(&secrets.mask(url))
}

fn bare_origin(url: &str) -> String {
    let Some(parts) = Url::parse(url) else {
        return MASK.to_string();
    };
    let scheme = &url[..parts.authority_start()];
    // An `@` past the authority may end a password with an unencoded `/`,
    // `?` or `#` in it (`https://user:pa/ss@host/`), which would put the
    // user and half the password where the host is looked for: show the
    // scheme alone.
    if parts.rest.contains('@') {
        return format!("{scheme}{MASK}");
    }
    let mut shown = format!("{scheme}{}", parts.host_port());
    if !parts.rest.is_empty() && parts.rest != "/" {
        shown.push_str("/***");
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_splits_into_scheme_authority_and_the_rest() {
        let u = Url::parse("https://user:pw@Example.com:8443/a/b?q=1#f").unwrap();
        assert_eq!(u.scheme, "https");
        assert_eq!(u.authority, "user:pw@Example.com:8443");
        assert_eq!(u.rest, "/a/b?q=1#f");
        assert_eq!(u.userinfo(), Some("user:pw"));
        assert_eq!(u.host_and_port(), ("Example.com", Some("8443")));
        let v6 = Url::parse("http://[::1]/x").unwrap();
        assert_eq!(v6.host_and_port(), ("[::1]", None));
        assert_eq!(v6.bare_host(), "::1");
        let v6_port = Url::parse("http://[::1]:9/").unwrap();
        assert_eq!(v6_port.host_and_port(), ("[::1]", Some("9")));
        assert_eq!(Url::parse("http://h?x").unwrap().rest, "?x");
        assert_eq!(Url::parse("no scheme"), None);
        // The last `@` ends the userinfo: an unencoded `@` in a password.
        let at = Url::parse("https://u:p@ss@host/").unwrap();
        assert_eq!(at.userinfo(), Some("u:p@ss"));
        assert_eq!(at.host_port(), "host");
    }

    #[test]
    fn userinfo_is_found_and_masked() {
        assert_eq!(userinfo("https://u:p@h/x"), Some("u:p"));
        assert_eq!(userinfo("https://h/x@y"), None);
        assert_eq!(userinfo("https://h?x=a@b"), None);
        assert_eq!(
            masked("https://u:p@h/x", &Secrets::default()),
            "https://***@h/x"
        );
    }

    #[test]
    fn a_secret_cut_by_the_urls_split_is_masked_whole() {
        let mut secrets = Secrets::default();
        secrets.add("SENTINEL@LEAKED:/TAIL");
        // Split as written, the userinfo would end at the secret's `@`,
        // and `LEAKED:/TAIL` would be shown as host and path.
        assert_eq!(
            masked("http://u:SENTINEL@LEAKED:/TAIL@127.0.0.1:1/p", &secrets),
            "http://***@127.0.0.1:1/p"
        );
        // What a part of the URL shows alone of it.
        secrets.add_url_pieces("http://u:SENTINEL@LEAKED:/TAIL@127.0.0.1:1/p");
        assert_eq!(
            secrets.mask("host: LEAKED, path /TAIL@127.0.0.1:1/p"),
            "host: ***, path /***@127.0.0.1:1/p"
        );
    }

    #[test]
    fn urls_are_shown_by_their_bare_origin() {
        assert_eq!(
            bare_origin("https://hooks.slack.com/services/T0/B0/XYZ"),
            "https://hooks.slack.com/***"
        );
        assert_eq!(
            bare_origin("https://u:p@hc-ping.com:8443/uuid?create=1"),
            "https://hc-ping.com:8443/***"
        );
        assert_eq!(bare_origin("http://127.0.0.1:9/"), "http://127.0.0.1:9");
        assert_eq!(bare_origin("http://127.0.0.1:9"), "http://127.0.0.1:9");
        assert_eq!(bare_origin("not a url"), "***");
        assert_eq!(
            bare_origin("https://user:pa/ss@hc-ping.com/uuid"),
            "https://***"
        );
        assert_eq!(bare_origin("https://user:p#ss@hc-ping.com/"), "https://***");
    }

    #[test]
    fn a_secret_in_a_shown_origin_is_masked_whole() {
        let mut secrets = Secrets::default();
        secrets.add("tok/en-value");
        secrets.add("hooks-key-1234");
        assert_eq!(
            origin_only("http://tok/en-value.invalid/ping", &secrets),
            "http://***.invalid/***"
        );
        assert_eq!(
            origin_only("https://a.hooks-key-1234.example:8443/x", &secrets),
            "https://a.***.example:8443/***"
        );
    }
}
