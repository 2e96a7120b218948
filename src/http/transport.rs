//! One attempt of a request over the network: send it, follow the
//! redirects the job allows, read the response within the size limit, and
//! turn whatever went wrong into a [`Failure`] with its class.
//!
//! Every call has a deadline: ureq waits forever by default.

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use ureq::http;
use ureq::tls::{Certificate, RootCerts, TlsConfig, TlsProvider};
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{
    Buffers, ConnectionDetails, Connector, DefaultConnector, LazyBuffers, NextTimeout, Transport,
};
use ureq::{Agent, Proxy};

use crate::files::io_reason;
use crate::http::body::{Body, BodySink, Reading};
use crate::http::failure::{Class, Failure};
use crate::http::redirect::{self, Decision, Origin};
use crate::http::request::{Header, Prepared};
use crate::http::url::Url;
use crate::job::{MAX_REDIRECTS, Method, Redirects};

/// A response as read: the final one, after any redirects.
#[derive(Debug, Clone, Default)]
pub(crate) struct Response {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    /// Its body: whole, or its head (see [`body`](crate::http::body)).
    pub(crate) body: Body,
}

impl Response {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The status and headers alone, for what reports each attempt: a
    /// body is held once, by whoever reads it last.
    pub(crate) fn head(&self) -> Response {
        Response {
            status: self.status,
            headers: self.headers.clone(),
            body: Body::default(),
        }
    }
}

/// What a failed exchange leaves: why, and the response if there was one.
#[derive(Debug)]
pub(crate) struct Failed {
    pub(crate) failure: Failure,
    pub(crate) response: Option<Response>,
}

pub(crate) type Exchange = Result<Response, Box<Failed>>;

fn failed(failure: Failure, response: Option<Response>) -> Box<Failed> {
    Box::new(Failed { failure, response })
}

/// The trusted certificates, loaded when the first https address is met.
pub(crate) type Roots = Box<dyn Fn() -> Vec<Certificate<'static>> + Send + Sync>;

pub(crate) struct Client {
    /// For http: no certificates loaded.
    plain: Agent,
    /// For https, made on first use: a plain-http job never reads the
    /// system's certificate store.
    secure: OnceLock<Agent>,
    roots: Roots,
    proxy: Option<Proxy>,
    /// The variable that named the proxy, for failures to mention it.
    proxy_variable: Option<&'static str>,
    max_response_bytes: u64,
    redirects: Redirects,
    /// What becomes of the bodies read.
    bodies: BodySink,
}

impl Client {
    /// `roots` gives the trusted certificates for https; `proxy` is the
    /// proxy to go through, if any.
    pub(crate) fn new(
        roots: Roots,
        proxy: Option<ProxyChoice>,
        max_response_bytes: u64,
        redirects: Redirects,
    ) -> Client {
        let proxy_variable = proxy.as_ref().map(|p| p.variable);
        let proxy = proxy.map(|p| p.proxy);
        Client {
            plain: agent(Vec::new(), proxy.clone()),
            secure: OnceLock::new(),
            roots,
            proxy,
            proxy_variable,
            max_response_bytes,
            redirects,
            bodies: BodySink::default(),
        }
    }

    /// Keep each body whole, or write it to a file as it arrives (see
    /// [`BodySink`]); by default only a body's head is kept.
    pub(crate) fn keep_bodies(&mut self, bodies: BodySink) {
        self.bodies = bodies;
    }

    fn agent_for(&self, url: &str) -> &Agent {
        let https = url
            .get(..8)
            .is_some_and(|s| s.eq_ignore_ascii_case("https://"));
        if https {
            self.secure
                .get_or_init(|| agent((self.roots)(), self.proxy.clone()))
        } else {
            &self.plain
        }
    }

    /// Send `request`, finishing by `end`.
    pub(crate) fn exchange(&self, request: &Prepared, end: Instant) -> Exchange {
        let mut url = request.url.clone();
        let mut method = request.method;
        let mut body = request.body.as_deref();
        let mut stripped = false;
        let mut redirects = Vec::new();
        let start = Origin::of(&request.url);
        loop {
            let headers = request
                .headers
                .iter()
                .filter(|h| !stripped || !h.configured || carries_body(h, body.is_some()))
                // A request turned into a GET has lost its body, and with it
                // the header saying what the body was (as the Fetch
                // standard drops request-body headers on such a redirect).
                .filter(|h| {
                    body.is_some()
                        || request.body.is_none()
                        || !h.name.eq_ignore_ascii_case("content-type")
                });
            let response = self
                .call(method, &url, headers, body, end)
                .map_err(|mut f| {
                    // The line names the job's URL; say where the request was.
                    if !redirects.is_empty() {
                        f.detail = format!("{} (at `{url}`, where a redirect led)", f.detail);
                    }
                    failed(f, None)
                })?;
            let status = response.status().as_u16();
            let location = response
                .headers()
                .get(http::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            // With `followRedirects: none` a 3xx is the response, judged
            // by `expectStatus` like any other.
            let followable =
                matches!(status, 301 | 302 | 303 | 307 | 308) && self.redirects != Redirects::None;
            let (Some(location), true) = (location, followable) else {
                return self.read(response, request.expect_body.as_deref());
            };
            let next = redirect::resolve(&url, &location);
            let target = next.as_deref().and_then(Origin::of);
            let (Some(next), Some(target), Some(from)) = (next, target, start.as_ref()) else {
                let failure = Failure {
                    status: Some(status),
                    ..Failure::new(
                        Class::Redirect,
                        format!("redirected to `{location}`, which is not an http(s) address"),
                    )
                };
                return Err(failed(failure, None));
            };
            if redirects.len() as u32 >= MAX_REDIRECTS {
                let failure = Failure {
                    status: Some(status),
                    ..Failure::new(
                        Class::Redirect,
                        format!("more than {MAX_REDIRECTS} redirects; the last led to `{next}`"),
                    )
                };
                return Err(failed(failure, None));
            }
            // Once the request has left its origin it never carries the
            // job's headers again, even if it comes back.
            let decision = if stripped {
                match redirect::decide(self.redirects, from, &target) {
                    Decision::Refuse(why) => Decision::Refuse(why),
                    _ => Decision::FollowStripped,
                }
            } else {
                redirect::decide(self.redirects, from, &target)
            };
            match decision {
                Decision::Follow => {}
                Decision::FollowStripped => stripped = true,
                Decision::Refuse(why) => {
                    let failure = Failure {
                        status: Some(status),
                        ..Failure::new(
                            Class::Redirect,
                            format!("redirected to `{next}`, not followed: {why}"),
                        )
                    };
                    return Err(failed(failure, None));
                }
            }
            // As browsers and curl do: 303 becomes GET, and so do 301 and
            // 302 after a POST; 307 and 308 repeat the request as it was.
            if status == 303 && method != Method::Head
                || matches!(status, 301 | 302) && method == Method::Post
            {
                method = Method::Get;
                body = None;
            }
            redirects.push((status, next.clone()));
            url = next;
        }
    }

    fn call<'h>(
        &self,
        method: Method,
        url: &str,
        headers: impl Iterator<Item = &'h Header>,
        body: Option<&str>,
        end: Instant,
    ) -> Result<http::Response<ureq::Body>, Failure> {
        let left = end.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(Failure::new(Class::Timeout, "timed out"));
        }
        let result = match build(method, url, headers, body) {
            (builder, Some(body)) => builder
                .body(body.as_bytes())
                .map(|request| self.send(request, left)),
            (builder, None) => builder.body(()).map(|request| self.send(request, left)),
        };
        match result {
            Ok(sent) => sent.map_err(|e| {
                let mut failure = classify(&e, left);
                if let (
                    Some(variable),
                    Class::Connect | Class::Dns | Class::Timeout | Class::Protocol,
                ) = (self.proxy_variable, failure.class)
                {
                    failure.detail = format!(
                        "{} (going through the proxy named by `{variable}`)",
                        failure.detail
                    );
                }
                failure
            }),
            Err(e) => Err(Failure::new(
                Class::Protocol,
                format!("the request cannot be sent: {e}"),
            )),
        }
    }

    fn send<S: ureq::AsSendBody>(
        &self,
        request: http::Request<S>,
        left: Duration,
    ) -> Result<http::Response<ureq::Body>, ureq::Error> {
        let agent = self.agent_for(&request.uri().to_string());
        let request = agent
            .configure_request(request)
            .timeout_global(Some(left))
            .build();
        agent.run(request)
    }

    /// Read the response's body in pieces, up to the limit, as
    /// [`Reading`] keeps, writes and searches it.
    fn read(&self, mut response: http::Response<ureq::Body>, wanted: Option<&str>) -> Exchange {
        use std::io::Read as _;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_string(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect();
        let mut reading = Reading::start(&self.bodies, wanted);
        let mut reader = response
            .body_mut()
            .with_config()
            .limit(self.max_response_bytes)
            .reader();
        // On the stack: a run with a small body touches a page or two.
        let mut piece = [0; 16 * 1024];
        let error = loop {
            match reader.read(&mut piece) {
                Ok(0) => break None,
                Ok(n) => reading.push(&piece[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => break Some(ureq::Error::from(e)),
            }
        };
        let read = |body| Response {
            status,
            headers,
            body,
        };
        let Some(error) = error else {
            return Ok(read(reading.finish(true)));
        };
        let body = reading.finish(false);
        let failure = match error {
            ureq::Error::BodyExceedsLimit(_) => Failure {
                status: Some(status),
                ..Failure::new(
                    Class::TooLarge,
                    format!(
                        "the response body is larger than `maxResponseBytes` ({})",
                        crate::job::size::format(self.max_response_bytes)
                    ),
                )
            },
            e => {
                let mut failure = classify(&e, Duration::ZERO);
                if failure.class == Class::Connect {
                    failure.detail =
                        "the connection closed before the whole response body arrived".into();
                }
                failure.status = Some(status);
                failure
            }
        };
        Err(failed(failure, Some(read(body))))
    }
}

/// The request for ureq: method, URL, headers, and the body to send.
fn build<'h, 'b>(
    method: Method,
    url: &str,
    headers: impl Iterator<Item = &'h Header>,
    body: Option<&'b str>,
) -> (http::request::Builder, Option<&'b str>) {
    let mut builder = http::Request::builder().method(method.as_str()).uri(url);
    for header in headers {
        builder = builder.header(&header.name, &header.value);
    }
    // A method that carries a body but has none says so with
    // `Content-Length: 0`, as curl and browsers do; ureq would announce
    // a chunked body, which some servers refuse.
    let body = match body {
        None if matches!(method, Method::Post | Method::Put | Method::Patch) => Some(""),
        other => other,
    };
    (builder, body)
}

fn agent(roots: Vec<Certificate<'static>>, proxy: Option<Proxy>) -> Agent {
    let tls = TlsConfig::builder()
        .provider(TlsProvider::Rustls)
        .root_certs(RootCerts::Specific(Arc::new(roots)))
        .unversioned_rustls_crypto_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .build();
    let config = config().proxy(proxy).tls_config(tls).build();
    Agent::with_parts(
        config,
        DefaultConnector::default(),
        LiteralResolver::default(),
    )
}

/// How every request is made, sent or rehearsed.
fn config() -> ureq::config::ConfigBuilder<ureq::typestate::AgentScope> {
    Agent::config_builder()
        .http_status_as_error(false)
        // Redirects are followed by `Client::exchange`, by the job's rules.
        .max_redirects(0)
        // jobrun sends its own User-Agent as one of the headers.
        .user_agent("")
}

/// The bytes the transport writes for `request`'s first attempt (its head
/// and body), made by the same agent settings and the same request as a
/// real send, into a connection that goes nowhere: nothing is looked up,
/// connected to or sent. What `--dry-run` and `-vv` show, so that they
/// show the headers ureq adds (`host`, `accept`, `content-length`) as
/// they go out. A proxy is left out: the request shown is the one for the
/// server.
pub(crate) fn rehearse(request: &Prepared) -> Result<Vec<u8>, String> {
    let written = Arc::new(std::sync::Mutex::new(Vec::new()));
    let agent = Agent::with_parts(
        config().build(),
        Rehearsal {
            written: written.clone(),
        },
        NoLookup,
    );
    let body = request.body.as_deref();
    let sent = match build(request.method, &request.url, request.headers.iter(), body) {
        (builder, Some(body)) => builder.body(body.as_bytes()).map(|r| agent.run(r)),
        (builder, None) => builder.body(()).map(|r| agent.run(r)),
    };
    match sent {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => return Err(e.to_string()),
        Err(e) => return Err(e.to_string()),
    }
    let bytes = written
        .lock()
        .map_err(|_| "the rehearsal failed".to_string())?
        .clone();
    Ok(bytes)
}

/// A connection that records what is written to it and answers `204`.
#[derive(Debug)]
struct Rehearsal {
    written: Arc<std::sync::Mutex<Vec<u8>>>,
}

impl Connector for Rehearsal {
    type Out = Rehearsed;

    fn connect(
        &self,
        details: &ConnectionDetails,
        _chained: Option<()>,
    ) -> Result<Option<Rehearsed>, ureq::Error> {
        Ok(Some(Rehearsed {
            buffers: LazyBuffers::new(
                details.config.input_buffer_size(),
                details.config.output_buffer_size(),
            ),
            written: self.written.clone(),
            tls: details.needs_tls(),
            answered: false,
        }))
    }
}

#[derive(Debug)]
struct Rehearsed {
    buffers: LazyBuffers,
    written: Arc<std::sync::Mutex<Vec<u8>>>,
    /// An https request is written as it would be inside TLS.
    tls: bool,
    answered: bool,
}

impl Transport for Rehearsed {
    fn buffers(&mut self) -> &mut dyn Buffers {
        &mut self.buffers
    }

    fn transmit_output(&mut self, amount: usize, _: NextTimeout) -> Result<(), ureq::Error> {
        let output = &self.buffers.output()[..amount];
        if let Ok(mut written) = self.written.lock() {
            written.extend_from_slice(output);
        }
        Ok(())
    }

    fn await_input(&mut self, _: NextTimeout) -> Result<bool, ureq::Error> {
        if self.answered {
            return Ok(false);
        }
        const REPLY: &[u8] = b"HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n";
        let room = self.buffers.input_append_buf();
        let n = REPLY.len().min(room.len());
        room[..n].copy_from_slice(&REPLY[..n]);
        self.buffers.input_appended(n);
        self.answered = true;
        Ok(true)
    }

    fn is_open(&mut self) -> bool {
        !self.answered
    }

    fn is_tls(&self) -> bool {
        self.tls
    }
}

/// An address for any host, without a lookup: a rehearsal connects nowhere.
#[derive(Debug)]
struct NoLookup;

impl Resolver for NoLookup {
    fn resolve(
        &self,
        _: &http::Uri,
        _: &ureq::config::Config,
        _: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let mut addresses = self.empty();
        addresses.push(SocketAddr::new(IpAddr::from([0, 0, 0, 0]), 0));
        Ok(addresses)
    }
}

/// Resolves IP-address hosts without a lookup, and names as ureq does.
/// ureq starts a thread for every lookup once a timeout is set, even for
/// `127.0.0.1`; a run to an address pays nothing.
#[derive(Debug, Default)]
struct LiteralResolver(DefaultResolver);

impl Resolver for LiteralResolver {
    fn resolve(
        &self,
        uri: &http::Uri,
        config: &ureq::config::Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let ip = uri.host().and_then(|host| {
            host.trim_start_matches('[')
                .trim_end_matches(']')
                .parse::<IpAddr>()
                .ok()
        });
        let port = uri.port_u16().or(match uri.scheme_str() {
            Some("https") => Some(443),
            Some("http") => Some(80),
            _ => None,
        });
        match (ip, port) {
            (Some(ip), Some(port)) => {
                let mut addresses = self.empty();
                addresses.push(SocketAddr::new(ip, port));
                Ok(addresses)
            }
            _ => self.0.resolve(uri, config, timeout),
        }
    }
}

/// Whether a configured header still goes to another origin: only the one
/// that says what the body is.
fn carries_body(header: &Header, has_body: bool) -> bool {
    has_body && header.name.eq_ignore_ascii_case("content-type")
}

/// The class and words for a ureq error. `budget` is the time the call had,
/// for the timeout message.
fn classify(error: &ureq::Error, budget: Duration) -> Failure {
    use std::io::ErrorKind as K;
    let timed_out = || {
        let detail = if budget.is_zero() {
            "timed out".to_string()
        } else {
            format!("timed out after {}", crate::job::duration::format(budget))
        };
        Failure::new(Class::Timeout, detail)
    };
    match error {
        ureq::Error::Timeout(_) => timed_out(),
        ureq::Error::HostNotFound => Failure::new(Class::Dns, "the host name did not resolve"),
        ureq::Error::Rustls(e) => Failure::new(Class::Tls, tls_detail(e)),
        ureq::Error::Tls(e) => Failure::new(Class::Tls, format!("TLS failed: {e}")),
        ureq::Error::ConnectionFailed => Failure::new(Class::Connect, "cannot connect"),
        ureq::Error::BodyExceedsLimit(_) => {
            Failure::new(Class::TooLarge, "the response is too large")
        }
        ureq::Error::Protocol(e) => Failure::new(
            Class::Protocol,
            format!("the server's response is not valid HTTP: {e}"),
        ),
        ureq::Error::LargeResponseHeader(_, _) => Failure::new(
            Class::Protocol,
            "the server's response headers are too large",
        ),
        ureq::Error::Io(io) => {
            if let Some(rustls) = io.get_ref().and_then(|e| e.downcast_ref::<rustls::Error>()) {
                return Failure::new(Class::Tls, tls_detail(rustls));
            }
            let text = io.to_string();
            match io.kind() {
                K::TimedOut | K::WouldBlock => timed_out(),
                K::ConnectionRefused => {
                    Failure::new(Class::Connect, "cannot connect: connection refused")
                }
                K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe => {
                    Failure::new(Class::Connect, "the connection was reset")
                }
                K::UnexpectedEof => Failure::new(
                    Class::Connect,
                    "the server closed the connection without a response",
                ),
                _ if text.contains("lookup") || text.contains("resolve") => Failure::new(
                    Class::Dns,
                    format!("the host name did not resolve: {}", io_reason(io)),
                ),
                _ => Failure::new(Class::Connect, format!("cannot connect: {}", io_reason(io))),
            }
        }
        other => Failure::new(Class::Protocol, other.to_string()),
    }
}

fn tls_detail(error: &rustls::Error) -> String {
    use rustls::CertificateError as C;
    let why = match error {
        rustls::Error::InvalidCertificate(e) => match e {
            C::UnknownIssuer => "it is signed by an authority this host does not trust".into(),
            C::Expired | C::ExpiredContext { .. } => "it has expired".into(),
            C::NotValidYet | C::NotValidYetContext { .. } => "it is not valid yet".into(),
            C::NotValidForName | C::NotValidForNameContext { .. } => {
                "it is not valid for this host name".into()
            }
            C::Revoked => "it has been revoked".into(),
            other if format!("{other:?}").contains("CaUsedAsEndEntity") => {
                "it is a CA certificate used as the server's own (a self-signed certificate made as a CA); give the server a certificate signed by that CA".into()
            }
            other => format!("it was rejected ({other})"),
        },
        other => return format!("TLS failed: {other}"),
    };
    format!(
        "the server's TLS certificate is not trusted: {why}; if the server is right, add its CA with `caFile` or to the system's store"
    )
}

/// A proxy to go through, and the variable that named it.
#[derive(Debug, Clone)]
pub(crate) struct ProxyChoice {
    pub(crate) proxy: Proxy,
    pub(crate) variable: &'static str,
    /// The proxy's address as given, for its credentials to be masked.
    pub(crate) address: String,
}

/// The proxy for `url` from the usual variables (`https_proxy`,
/// `http_proxy`, `all_proxy`, `no_proxy`), as curl reads them. Only http
/// and https proxies are supported; jobrun reaches the target through
/// them with CONNECT, for http URLs too.
pub(crate) fn proxy_for(
    url: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<ProxyChoice>, (&'static str, String)> {
    let get = |name: &'static str, upper: &'static str| {
        env(name)
            .filter(|v| !v.is_empty())
            .map(|v| (name, v))
            .or_else(|| env(upper).filter(|v| !v.is_empty()).map(|v| (upper, v)))
    };
    let Some(origin) = Origin::of(url) else {
        return Ok(None);
    };
    if let Some((_, no_proxy)) = get("no_proxy", "NO_PROXY")
        && bypasses(&no_proxy, &origin.host)
    {
        return Ok(None);
    }
    // As curl, `HTTP_PROXY` in capitals is ignored: under CGI it is set
    // from a request header.
    let chosen = match origin.scheme.as_str() {
        "https" => get("https_proxy", "HTTPS_PROXY"),
        _ => env("http_proxy")
            .filter(|v| !v.is_empty())
            .map(|v| ("http_proxy", v)),
    }
    .or_else(|| get("all_proxy", "ALL_PROXY"));
    let Some((variable, address)) = chosen else {
        return Ok(None);
    };
    let scheme = Url::parse(&address)
        .map_or("http", |u| u.scheme)
        .to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return Err((
            variable,
            format!(
                "`{variable}` names a {scheme} proxy; jobrun goes through http and https proxies only"
            ),
        ));
    }
    match Proxy::new(&address) {
        Ok(proxy) => Ok(Some(ProxyChoice {
            proxy,
            variable,
            address,
        })),
        Err(_) => Err((
            variable,
            format!("`{variable}` is not a valid proxy address"),
        )),
    }
}

/// Whether `host` is excluded from proxying by a `no_proxy` list: `*`, or a
/// domain that is the host or a parent of it.
fn bypasses(no_proxy: &str, host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    no_proxy.split(',').map(str::trim).any(|entry| {
        let entry = entry.trim_start_matches('.').to_ascii_lowercase();
        entry == "*"
            || (!entry.is_empty() && (host == entry || host.ends_with(&format!(".{entry}"))))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_proxy_matches_the_host_and_its_subdomains() {
        assert!(bypasses(
            "localhost,.internal.example",
            "api.internal.example"
        ));
        assert!(bypasses("internal.example", "internal.example"));
        assert!(bypasses("*", "anything"));
        assert!(bypasses("::1", "[::1]"));
        assert!(!bypasses("internal.example", "notinternal.example"));
        assert!(!bypasses("", "host"));
    }

    #[test]
    fn the_proxy_follows_the_scheme_and_no_proxy() {
        let env = |name: &str| match name {
            "https_proxy" => Some("http://proxy.example:3128".to_string()),
            "NO_PROXY" => Some("internal.example".to_string()),
            _ => None,
        };
        let chosen = proxy_for("https://api.example/x", &env).unwrap().unwrap();
        assert_eq!(chosen.variable, "https_proxy");
        assert!(proxy_for("http://api.example/x", &env).unwrap().is_none());
        assert!(
            proxy_for("https://a.internal.example/x", &env)
                .unwrap()
                .is_none()
        );
        let socks = |name: &str| (name == "http_proxy").then(|| "socks5://127.0.0.1:1".to_string());
        assert_eq!(
            proxy_for("http://api.example/x", &socks).unwrap_err(),
            (
                "http_proxy",
                "`http_proxy` names a socks5 proxy; jobrun goes through http and https proxies only"
                    .to_string()
            )
        );
    }
}
