//! The request a job makes, as checked but with its placeholders still
//! unresolved: method, URL, headers, body, and what makes its response a
//! success.

use std::path::PathBuf;

use crate::diagnostic::Span;
use crate::job::template::Template;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
    Head,
    Options,
}

impl Method {
    pub(crate) const NAMES: &'static [&'static str] =
        &["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

    /// Any case, as axios took it.
    pub(crate) fn parse(text: &str) -> Option<Method> {
        Some(match text.to_ascii_uppercase().as_str() {
            "GET" => Method::Get,
            "POST" => Method::Post,
            "PUT" => Method::Put,
            "PATCH" => Method::Patch,
            "DELETE" => Method::Delete,
            "HEAD" => Method::Head,
            "OPTIONS" => Method::Options,
            _ => return None,
        })
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
            Method::Head => "HEAD",
            Method::Options => "OPTIONS",
        }
    }

    /// Whether a body is sent with this method (axios dropped `data` on
    /// GET and HEAD).
    pub(crate) fn sends_body(self) -> bool {
        !matches!(self, Method::Get | Method::Head)
    }
}

/// The request a job makes, with its placeholders still unresolved.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    pub(crate) method: Method,
    pub(crate) url: Template,
    /// `global.defaultHeaders` merged with the job's own, case-insensitively,
    /// the job's winning; in the order written.
    pub(crate) headers: Vec<(String, Template)>,
    pub(crate) body: Option<Body>,
    /// Extra trusted certificates (PEM), resolved against the job file's
    /// directory, with where the file names them.
    pub(crate) ca_file: Option<(PathBuf, Span)>,
    pub(crate) max_response_bytes: u64,
    pub(crate) redirects: Redirects,
    /// Send `Idempotency-Key`, one value per run.
    pub(crate) idempotency_key: bool,
}

impl Request {
    /// The template of header `name` as written, names compared without case.
    pub(crate) fn header(&self, name: &str) -> Option<&Template> {
        self.headers
            .iter()
            .find(|(header, _)| header.eq_ignore_ascii_case(name))
            .map(|(_, template)| template)
    }
}

/// What a job sends.
#[derive(Debug, Clone)]
pub(crate) enum Body {
    /// `data:`, sent as JSON.
    Json(Data),
    /// `body:`, sent as written.
    Text(Template),
}

/// Which redirects a job follows (`followRedirects`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Redirects {
    /// None: a 3xx is the response.
    None,
    /// Within the same origin, and from http to https on the same host.
    #[default]
    SameOrigin,
    /// Also to other origins, without the job's configured headers.
    CrossOrigin,
}

impl Redirects {
    pub(crate) const NAMES: &'static [&'static str] = &["none", "same-origin", "cross-origin"];

    pub(crate) fn parse(text: &str) -> Option<Redirects> {
        Some(match text {
            "none" => Redirects::None,
            "same-origin" => Redirects::SameOrigin,
            "cross-origin" => Redirects::CrossOrigin,
            _ => return None,
        })
    }
}

/// What makes a response a success.
#[derive(Debug, Clone, Default)]
pub(crate) struct Expect {
    /// Inclusive status ranges (`200`, `"2xx"`, `"200-204"`); empty means
    /// any 2xx.
    pub(crate) status: Vec<(u16, u16)>,
    /// Text the body must contain.
    pub(crate) body_contains: Option<Template>,
}

impl Expect {
    pub(crate) fn status_ok(&self, status: u16) -> bool {
        if self.status.is_empty() {
            (200..300).contains(&status)
        } else {
            self.status
                .iter()
                .any(|(lo, hi)| (*lo..=*hi).contains(&status))
        }
    }
}

/// The JSON body as written, with placeholders in its string values.
#[derive(Debug, Clone)]
pub(crate) enum Data {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Template),
    List(Vec<Data>),
    Object(Vec<(String, Data)>),
}

impl Data {
    pub(crate) fn templates<'a>(&'a self, out: &mut Vec<&'a Template>) {
        match self {
            Data::Str(t) => out.push(t),
            Data::List(items) => items.iter().for_each(|d| d.templates(out)),
            Data::Object(entries) => entries.iter().for_each(|(_, d)| d.templates(out)),
            Data::Null | Data::Bool(_) | Data::Int(_) | Data::Float(_) => {}
        }
    }
}
