//! From a checked job and the run's variables to the exact request to
//! send: placeholders filled in, headers merged with jobrun's own, the body
//! serialised, and every secret noted for masking.

use crate::http::credential::{self, Credential, Place};
use crate::http::url;
use crate::job::template::{Rendered, Template, Unresolved};
use crate::job::{Body, Data, Job, Method, Request};
use crate::vars::mask::{self, Secrets};

/// jobrun's `User-Agent`, unless the job sets its own.
pub(crate) const USER_AGENT: &str = concat!("jobrun/", env!("CARGO_PKG_VERSION"));

/// One request, ready to send.
#[derive(Debug, Clone)]
pub(crate) struct Prepared {
    pub(crate) method: Method,
    pub(crate) url: String,
    /// The URL as filled in, its userinfo still in it: what is shown,
    /// masked whole before it is taken apart, so that a secret holding a
    /// character the URL is split at is never cut in two first.
    pub(crate) filled_url: String,
    pub(crate) headers: Vec<Header>,
    pub(crate) body: Option<String>,
    /// The text `expectBodyContains` asks for.
    pub(crate) expect_body: Option<String>,
    pub(crate) secrets: Secrets,
    /// Where the request carries credentials, and the variables they came
    /// from: what to check when the server refuses them.
    pub(crate) credentials: Vec<Credential>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Header {
    pub(crate) name: String,
    pub(crate) value: String,
    /// Written in the job file (or `defaultHeaders`), or made from the
    /// URL's userinfo, as opposed to added by jobrun. Configured headers are
    /// never sent to another origin.
    pub(crate) configured: bool,
    /// Made from the URL's `user:password@`, as curl does.
    pub(crate) from_userinfo: bool,
}

impl Prepared {
    /// Fill in the job's request. `idempotency_key` is this run's key when
    /// the job asks for one.
    pub(crate) fn new(
        job: &Job,
        lookup: &dyn Fn(&str) -> Option<String>,
        idempotency_key: Option<&str>,
    ) -> Result<Prepared, Unresolved> {
        Prepared::of(
            &job.request,
            job.expect.body_contains.as_ref(),
            lookup,
            idempotency_key,
        )
    }

    /// Fill in `request` (a job's, or a notification's), with the text
    /// its response must contain, if any.
    pub(crate) fn of(
        request: &Request,
        expect_body: Option<&Template>,
        lookup: &dyn Fn(&str) -> Option<String>,
        idempotency_key: Option<&str>,
    ) -> Result<Prepared, Unresolved> {
        let mut secrets = Secrets::default();
        let mut render_with = |template: &Template,
                               lookup: &dyn Fn(&str) -> Option<String>|
         -> Result<String, Unresolved> {
            let Rendered { text, substituted } = template.render(lookup)?;
            for (name, value) in &substituted {
                if mask::is_sensitive_variable(name) {
                    secrets.add(value);
                }
            }
            Ok(text)
        };
        // A `#` in a value put into the URL is data, not the start of a
        // fragment that would silently cut the rest of the URL off.
        let url_lookup = |name: &str| lookup(name).map(|v| v.replace('#', "%23"));
        let url = render_with(&request.url, &url_lookup)?;
        let mut url_credentials = credential::in_url(&request.url);
        let mut render = |template: &Template| render_with(template, lookup);
        let mut headers = Vec::with_capacity(request.headers.len() + 3);
        let mut credentials = Vec::new();
        for (name, template) in &request.headers {
            let value = render(template)?;
            if mask::is_sensitive_header(name) {
                credentials.push(Credential {
                    place: Place::Header(name.clone()),
                    variables: template.placeholders().map(|p| p.name.clone()).collect(),
                });
            }
            headers.push(Header {
                name: name.clone(),
                value,
                configured: true,
                from_userinfo: false,
            });
        }
        let body = match (&request.body, request.method.sends_body()) {
            (Some(Body::Json(data)), true) => {
                let mut out = String::new();
                write_json(data, &mut out, &mut render)?;
                Some(out)
            }
            (Some(Body::Text(template)), true) => Some(render(template)?),
            _ => None,
        };
        let expect_body = expect_body.map(&mut render).transpose()?;

        // `user:password@` becomes Basic authentication, as curl sends it,
        // unless the job sets its own Authorization; either way the URL
        // sent and shown no longer carries it.
        let filled_url = url.clone();
        let mut url = url;
        if let Some(info) = url::userinfo(&url).map(str::to_string) {
            url = url.replacen(&format!("{info}@"), "", 1);
            let decoded = percent_decode(&info);
            secrets.add(&info);
            secrets.add(&decoded);
            if let Some((_, password)) = decoded.split_once(':') {
                secrets.add(password);
            }
            if !headers
                .iter()
                .any(|h| h.name.eq_ignore_ascii_case("authorization"))
            {
                headers.push(Header {
                    name: "Authorization".into(),
                    value: format!("Basic {}", base64(decoded.as_bytes())),
                    configured: true,
                    from_userinfo: true,
                });
            }
        }
        for header in &headers {
            if mask::is_sensitive_header(&header.name) {
                secrets.add_credential(&header.value);
            }
        }

        let has = |headers: &[Header], name: &str| {
            headers.iter().any(|h| h.name.eq_ignore_ascii_case(name))
        };
        let add = |headers: &mut Vec<Header>, name: &str, value: &str| {
            if !has(headers, name) {
                headers.push(Header {
                    name: name.to_string(),
                    value: value.to_string(),
                    configured: false,
                    from_userinfo: false,
                });
            }
        };
        if matches!(request.body, Some(Body::Json(_))) && body.is_some() {
            add(&mut headers, "Content-Type", "application/json");
        }
        add(&mut headers, "User-Agent", USER_AGENT);
        if let Some(key) = idempotency_key {
            add(&mut headers, "Idempotency-Key", key);
        }

        secrets.add_url_pieces(&filled_url);
        Ok(Prepared {
            method: request.method,
            url,
            filled_url,
            headers,
            body,
            expect_body,
            secrets,
            credentials: {
                credentials.append(&mut url_credentials);
                credentials
            },
        })
    }

    /// The URL as it may be shown.
    pub(crate) fn shown_url(&self) -> String {
        url::masked(&self.filled_url, &self.secrets)
    }

    /// Remember `values` as secrets of the request too, and the pieces of
    /// each that the URL's parts may show alone.
    pub(crate) fn add_secrets<S: AsRef<str>>(&mut self, values: impl IntoIterator<Item = S>) {
        for value in values {
            self.secrets.add(value.as_ref());
        }
        self.secrets.add_url_pieces(&self.filled_url);
    }
}

/// `%XX` sequences decoded, as curl reads URL userinfo.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Standard base64 with padding (RFC 4648), for Basic authentication.
pub(crate) fn base64(bytes: &[u8]) -> String {
    crate::vars::base64::encode(bytes)
}

/// Write `data` as JSON, in the order written and as `JSON.stringify`
/// writes numbers, rendering each string through `render`.
pub(crate) fn write_json<E>(
    data: &Data,
    out: &mut String,
    render: &mut dyn FnMut(&Template) -> Result<String, E>,
) -> Result<(), E> {
    match data {
        Data::Null => out.push_str("null"),
        Data::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Data::Int(i) => out.push_str(&i.to_string()),
        Data::Float(f) => out.push_str(&js_number(*f)),
        Data::Str(template) => push_json_string(out, &render(template)?),
        Data::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(item, out, render)?;
            }
            out.push(']');
        }
        Data::Object(entries) => {
            out.push('{');
            for (i, (key, value)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_json_string(out, key);
                out.push(':');
                write_json(value, out, render)?;
            }
            out.push('}');
        }
    }
    Ok(())
}

fn push_json_string(out: &mut String, text: &str) {
    out.push_str(&serde_json::to_string(text).unwrap_or_else(|_| "\"\"".into()));
}

/// A finite number as JavaScript prints it: `1`, not `1.0`.
fn js_number(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e21 {
        format!("{f:.0}")
    } else {
        serde_json::Number::from_f64(f).map_or_else(|| "null".into(), |n| n.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data_json(data: &Data) -> String {
        let mut out = String::new();
        write_json::<Unresolved>(data, &mut out, &mut |t| t.render(&|_| None).map(|r| r.text))
            .unwrap();
        out
    }

    #[test]
    fn json_keeps_the_order_written_and_prints_numbers_like_javascript() {
        let data = Data::Object(vec![
            ("z".into(), Data::Int(1)),
            ("a".into(), Data::Float(2.0)),
            ("m".into(), Data::Float(0.5)),
            (
                "list".into(),
                Data::List(vec![Data::Null, Data::Bool(true)]),
            ),
            ("s".into(), Data::Str(Template::parse("a\"b").unwrap())),
        ]);
        assert_eq!(
            data_json(&data),
            r#"{"z":1,"a":2,"m":0.5,"list":[null,true],"s":"a\"b"}"#
        );
    }

    #[test]
    fn base64_pads_like_rfc_4648() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"alice:s3cr3tpw"), "YWxpY2U6czNjcjN0cHc=");
    }

    #[test]
    fn percent_decoding_keeps_what_is_not_an_escape() {
        assert_eq!(percent_decode("a%40b%3Ac%zz%"), "a@b:c%zz%");
    }
}
