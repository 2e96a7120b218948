//! A scripted HTTP/1.1 server on 127.0.0.1, real TCP and real TLS, for
//! running the `jobrun` binary against.
//!
//! A test lists the replies it wants, in order; each request that arrives,
//! on whatever connection, takes the next one. Everything received is
//! recorded, so the test can check what the client sent:
//!
//! ```ignore
//! let server = Server::start(vec![
//!     Reply::status(503).header("Retry-After", "1"),
//!     Reply::status(200).body("ok"),
//! ]);
//! // ... run `jobrun` against server.url("/report") ...
//! assert_eq!(server.requests().len(), 2);
//! ```
//!
//! One accept thread, one thread per connection. Dropping the server shuts
//! every connection down and wakes any reply that is still waiting out a
//! delay, so a test never hangs on it.

use std::collections::VecDeque;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::{ServerConfig, ServerConnection, StreamOwned};

/// What the server answers when a request arrives after the script ran
/// out: a status no real server sends, so the extra request fails the test
/// visibly.
pub const UNSCRIPTED_STATUS: u16 = 599;
pub const UNSCRIPTED_BODY: &str = "no reply scripted for this request";

/// Bodies are written in pieces of at most this size, so a huge body is
/// streamed rather than held in memory.
const PIECE: usize = 16 * 1024;
static FILL: [u8; PIECE] = [b'x'; PIECE];

/// A request head larger than this is refused; no client of ours sends one.
const MAX_HEAD: usize = 64 * 1024;

/// One scripted reply.
#[derive(Clone, Debug)]
pub struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Body,
    chunked: bool,
    delay: Duration,
    delay_body: Duration,
    end: End,
}

#[derive(Clone, Debug)]
enum Body {
    Bytes(Vec<u8>),
    /// `n` bytes of `x`, generated while writing.
    Huge(u64),
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum End {
    /// The whole reply, then keep the connection unless told otherwise.
    Complete,
    /// Head with the full length, half the body, then close.
    CloseMidBody,
    /// Close without writing a byte.
    DropConnection,
}

impl Reply {
    /// A reply with this status, no headers but the framing ones, and an
    /// empty body.
    pub fn status(status: u16) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: Body::Bytes(Vec::new()),
            chunked: false,
            delay: Duration::ZERO,
            delay_body: Duration::ZERO,
            end: End::Complete,
        }
    }

    /// `status` with a `Location` header.
    pub fn redirect(status: u16, location: &str) -> Reply {
        Reply::status(status).header("Location", location)
    }

    /// Read the request, then close the connection without answering: the
    /// client sees the connection end (EOF or reset) instead of a response.
    pub fn drop_connection() -> Reply {
        Reply {
            end: End::DropConnection,
            ..Reply::status(0)
        }
    }

    /// A header, written exactly as given, after those added before it.
    ///
    /// A `Content-Length` or `Transfer-Encoding` given here replaces the
    /// one the server would add, so a test can send a wrong one.
    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// The body; `Content-Length` is set from it unless the reply is
    /// `chunked`.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Reply {
        self.body = Body::Bytes(body.into());
        self
    }

    /// A body of `bytes` bytes (all `x`), streamed without being held in
    /// memory, for the client's response size limit.
    pub fn huge_body(mut self, bytes: u64) -> Reply {
        self.body = Body::Huge(bytes);
        self
    }

    /// Send the body with `Transfer-Encoding: chunked` (RFC 9112 section
    /// 7.1), in two chunks or more when it has two bytes or more.
    pub fn chunked(mut self) -> Reply {
        self.chunked = true;
        self
    }

    /// Wait this long after reading the request before sending anything.
    pub fn delay(mut self, delay: Duration) -> Reply {
        self.delay = delay;
        self
    }

    /// Wait this long between the head and the body.
    pub fn delay_body(mut self, delay: Duration) -> Reply {
        self.delay_body = delay;
        self
    }

    /// Send the head with the full length, then half the body, then close
    /// the connection.
    pub fn close_mid_body(mut self) -> Reply {
        self.end = End::CloseMidBody;
        self
    }

    fn unscripted() -> Reply {
        Reply::status(UNSCRIPTED_STATUS).body(UNSCRIPTED_BODY)
    }

    fn has_header(&self, name: &str) -> bool {
        self.headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(name))
    }

    /// RFC 9110 section 6.4.1: these responses never have content, so
    /// the server adds no framing header and writes no body of its own.
    fn has_content(&self) -> bool {
        !matches!(self.status, 100..=199 | 204 | 304)
    }

    fn head(&self) -> Vec<u8> {
        let mut head = format!("HTTP/1.1 {} {}\r\n", self.status, reason(self.status));
        for (name, value) in &self.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        if self.has_content() {
            if self.chunked {
                if !self.has_header("Transfer-Encoding") {
                    head.push_str("Transfer-Encoding: chunked\r\n");
                }
            } else if !self.has_header("Content-Length") {
                head.push_str(&format!("Content-Length: {}\r\n", self.body.len()));
            }
        }
        head.push_str("\r\n");
        head.into_bytes()
    }

    /// Writes the reply; returns whether the connection may serve another
    /// request.
    fn send(&self, out: &mut impl Write, method: &str, state: &State) -> io::Result<bool> {
        if !state.sleep(self.delay) || self.end == End::DropConnection {
            return Ok(false);
        }
        out.write_all(&self.head())?;
        out.flush()?;
        // RFC 9110 section 9.3.2: a response to HEAD has the headers a GET
        // would get, and no content.
        let write_body = method != "HEAD" && self.has_content();
        if write_body {
            if !state.sleep(self.delay_body) {
                return Ok(false);
            }
            let total = self.body.len();
            let half = total / 2;
            self.write_body(out, 0, half)?;
            if self.end == End::CloseMidBody {
                out.flush()?;
                return Ok(false);
            }
            self.write_body(out, half, total)?;
            if self.chunked {
                out.write_all(b"0\r\n\r\n")?;
            }
            out.flush()?;
        }
        let close = self
            .headers
            .iter()
            .any(|(n, v)| n.eq_ignore_ascii_case("Connection") && v.eq_ignore_ascii_case("close"));
        Ok(!close)
    }

    fn write_body(&self, out: &mut impl Write, start: u64, end: u64) -> io::Result<()> {
        let mut at = start;
        while at < end {
            let piece = self.body.piece(at, end);
            if self.chunked {
                write!(out, "{:x}\r\n", piece.len())?;
                out.write_all(piece)?;
                out.write_all(b"\r\n")?;
            } else {
                out.write_all(piece)?;
            }
            at += piece.len() as u64;
        }
        Ok(())
    }
}

impl Body {
    fn len(&self) -> u64 {
        match self {
            Body::Bytes(bytes) => bytes.len() as u64,
            Body::Huge(len) => *len,
        }
    }

    /// The bytes from `start`, at most `PIECE` of them and none past `end`.
    fn piece(&self, start: u64, end: u64) -> &[u8] {
        let len = (end - start).min(PIECE as u64) as usize;
        match self {
            Body::Bytes(bytes) => &bytes[start as usize..start as usize + len],
            Body::Huge(_) => &FILL[..len],
        }
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        413 => "Content Too Large",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        UNSCRIPTED_STATUS => "No Reply Scripted",
        // RFC 9112 section 4: the reason phrase may be empty.
        _ => "",
    }
}

/// One request as the server received it.
#[derive(Clone, Debug)]
pub struct Received {
    /// Which connection it came on, counting from 0 in the order they were
    /// accepted: equal numbers mean the client reused a connection.
    pub connection: usize,
    /// The request line and headers exactly as sent, up to and including
    /// the empty line that ends them (bytes that are not UTF-8 replaced).
    pub head: String,
    pub method: String,
    /// Path and query exactly as sent.
    pub target: String,
    pub version: String,
    /// Names exactly as sent, in order, values without surrounding spaces.
    pub headers: Vec<(String, String)>,
    /// The body, with any chunked framing removed.
    pub body: Vec<u8>,
}

impl Received {
    /// The first header with this name, whatever its case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The header names, exactly as sent, in order.
    pub fn header_names(&self) -> Vec<&str> {
        self.headers.iter().map(|(n, _)| n.as_str()).collect()
    }

    /// The body as text; panics if it is not UTF-8.
    pub fn body_text(&self) -> &str {
        std::str::from_utf8(&self.body).expect("request body is UTF-8")
    }

    fn wants_close(&self) -> bool {
        let connection = self.header("Connection").unwrap_or("");
        let has = |token: &str| {
            connection
                .split(',')
                .any(|t| t.trim().eq_ignore_ascii_case(token))
        };
        // RFC 9112 section 9.3: HTTP/1.1 persists unless told to close;
        // HTTP/1.0 closes unless told to keep alive.
        if self.version == "HTTP/1.0" {
            !has("keep-alive")
        } else {
            has("close")
        }
    }
}

/// A running server; it stops when dropped.
pub struct Server {
    address: SocketAddr,
    scheme: &'static str,
    state: Arc<State>,
    acceptor: Option<JoinHandle<()>>,
}

impl Server {
    /// Serves plain HTTP on a free port of 127.0.0.1.
    pub fn start(script: Vec<Reply>) -> Server {
        Server::spawn(script, None)
    }

    /// Serves HTTPS on a free port of 127.0.0.1, with a certificate for
    /// `localhost` and `127.0.0.1` signed by `ca`.
    pub fn start_tls(ca: &TestCa, script: Vec<Reply>) -> Server {
        Server::spawn(script, Some(ca.server_config()))
    }

    fn spawn(script: Vec<Reply>, tls: Option<Arc<ServerConfig>>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let address = listener.local_addr().expect("local address");
        let scheme = if tls.is_some() { "https" } else { "http" };
        let state = Arc::new(State {
            inner: Mutex::new(Inner {
                script: script.into(),
                ..Inner::default()
            }),
            changed: Condvar::new(),
        });
        let acceptor = {
            let state = Arc::clone(&state);
            thread::Builder::new()
                .name(format!("server {address}"))
                .spawn(move || accept(listener, tls, state))
                .expect("spawn accept thread")
        };
        Server {
            address,
            scheme,
            state,
            acceptor: Some(acceptor),
        }
    }

    /// `http://127.0.0.1:PORT` (or `https://`).
    pub fn origin(&self) -> String {
        format!("{}://{}", self.scheme, self.address)
    }

    /// The origin followed by `path`, which should start with `/`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.origin())
    }

    /// Like `url`, with the host written `localhost`.
    pub fn url_localhost(&self, path: &str) -> String {
        format!("{}://localhost:{}{path}", self.scheme, self.address.port())
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Every request received so far, in order of arrival.
    pub fn requests(&self) -> Vec<Received> {
        self.state.lock().received.clone()
    }

    /// Blocks until `count` requests have arrived and returns them; panics,
    /// showing those that did arrive, after `timeout`.
    pub fn wait_for_requests(&self, count: usize, timeout: Duration) -> Vec<Received> {
        let deadline = Instant::now() + timeout;
        let mut inner = self.state.lock();
        while inner.received.len() < count {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                panic!(
                    "waited {timeout:?} for {count} requests, {} arrived: {:#?}",
                    inner.received.len(),
                    inner.received
                );
            }
            inner = self
                .state
                .changed
                .wait_timeout(inner, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        inner.received.clone()
    }

    /// How many connections were accepted so far, including those that
    /// sent no request: for HTTPS, how many handshakes a client began. A
    /// client that gives up on a certificate may close without a TLS
    /// alert, which leaves nothing in [`Server::errors`].
    pub fn connections(&self) -> usize {
        self.state.lock().accepted
    }

    /// What went wrong on connections so far, such as a failed TLS
    /// handshake or a request the server could not parse, each prefixed
    /// with its connection number. A client that closes between requests
    /// is not an error.
    pub fn errors(&self) -> Vec<String> {
        self.state.lock().errors.clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.state.stop();
        // The accept thread is blocked in accept(); a connection wakes it
        // to see the stop. If that fails, leave the thread rather than hang.
        if TcpStream::connect(self.address).is_ok()
            && let Some(acceptor) = self.acceptor.take()
        {
            let _ = acceptor.join();
        }
    }
}

struct State {
    inner: Mutex<Inner>,
    /// Signalled when a request is recorded and when the server stops.
    changed: Condvar,
}

#[derive(Default)]
struct Inner {
    script: VecDeque<Reply>,
    received: Vec<Received>,
    errors: Vec<String>,
    /// A handle on each open connection, to shut them down on stop.
    sockets: Vec<TcpStream>,
    /// Connections accepted, whether or not a request came on them.
    accepted: usize,
    stopped: bool,
}

impl State {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panicking test must not turn every later call into a second panic.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Records the request and hands out the reply it gets.
    fn record(&self, request: Received) -> Reply {
        let mut inner = self.lock();
        inner.received.push(request);
        self.changed.notify_all();
        inner.script.pop_front().unwrap_or_else(Reply::unscripted)
    }

    fn record_error(&self, connection: usize, error: impl std::fmt::Display) {
        let mut inner = self.lock();
        if !inner.stopped {
            inner
                .errors
                .push(format!("connection {connection}: {error}"));
        }
    }

    /// Keeps the socket to shut it down on stop; false if already stopped.
    fn register(&self, socket: TcpStream) -> bool {
        let mut inner = self.lock();
        if !inner.stopped {
            inner.sockets.push(socket);
            inner.accepted += 1;
        }
        !inner.stopped
    }

    fn stop(&self) {
        let mut inner = self.lock();
        inner.stopped = true;
        for socket in inner.sockets.drain(..) {
            let _ = socket.shutdown(Shutdown::Both);
        }
        self.changed.notify_all();
    }

    /// Sleeps for `duration` unless the server stops first; false if it did.
    fn sleep(&self, duration: Duration) -> bool {
        let inner = self.lock();
        let (inner, _) = self
            .changed
            .wait_timeout_while(inner, duration, |inner| !inner.stopped)
            .unwrap_or_else(PoisonError::into_inner);
        !inner.stopped
    }
}

fn accept(listener: TcpListener, tls: Option<Arc<ServerConfig>>, state: Arc<State>) {
    for (connection, stream) in listener.incoming().enumerate() {
        if state.lock().stopped {
            return;
        }
        let stream = match stream {
            Ok(stream) => stream,
            Err(error) => {
                state.record_error(connection, error);
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let registered = match stream.try_clone() {
            Ok(handle) => state.register(handle),
            Err(_) => false,
        };
        if !registered {
            continue;
        }
        let tls = tls.clone();
        let for_thread = Arc::clone(&state);
        let spawned = thread::Builder::new()
            .name(format!("connection {connection}"))
            .spawn(move || {
                let state = for_thread;
                let served = match tls {
                    None => serve(stream, connection, &state),
                    Some(config) => ServerConnection::new(config)
                        .map_err(io::Error::other)
                        .and_then(|tls| serve(TlsStream::new(tls, stream), connection, &state)),
                };
                if let Err(error) = served {
                    state.record_error(connection, error);
                }
            });
        if let Err(error) = spawned {
            state.record_error(connection, error);
        }
    }
}

type TlsStream = StreamOwned<ServerConnection, TcpStream>;

/// A connection the server can close cleanly or abruptly.
trait Transport: Read + Write {
    fn close(&mut self, clean: bool);
}

impl Transport for TcpStream {
    fn close(&mut self, _clean: bool) {
        let _ = self.shutdown(Shutdown::Both);
    }
}

impl Transport for TlsStream {
    /// Clean closes end with TLS close_notify (RFC 8446 section 6.1); an
    /// abrupt one leaves it out, which is how a client sees truncation.
    fn close(&mut self, clean: bool) {
        if clean {
            self.conn.send_close_notify();
            let _ = self.flush();
        }
        let _ = self.sock.shutdown(Shutdown::Both);
    }
}

/// Answers requests on one connection until either side closes it.
fn serve(stream: impl Transport, connection: usize, state: &State) -> io::Result<()> {
    let mut reader = BufReader::new(stream);
    loop {
        let request = match read_request(&mut reader, connection) {
            Ok(Some(request)) => request,
            Ok(None) => return Ok(()),
            Err(error) => {
                reader.get_mut().close(false);
                return Err(error);
            }
        };
        let method = request.method.clone();
        let client_closes = request.wants_close();
        let reply = state.record(request);
        let stream = reader.get_mut();
        match reply.send(stream, &method, state) {
            Ok(true) if !client_closes => {}
            Ok(_) => {
                stream.close(reply.end == End::Complete);
                return Ok(());
            }
            Err(error) => {
                stream.close(false);
                return Err(error);
            }
        }
    }
}

/// Reads one request; `None` when the client closed before sending one.
fn read_request(
    reader: &mut BufReader<impl Transport>,
    connection: usize,
) -> io::Result<Option<Received>> {
    let mut head = Vec::new();
    loop {
        let start = head.len();
        match reader.read_until(b'\n', &mut head) {
            Ok(0) if head.is_empty() => return Ok(None),
            Ok(0) => return Err(invalid("connection closed in the middle of a request head")),
            Ok(_) => {}
            // RFC 9112 section 9.8: clients often close TLS without
            // close_notify once a response is complete; between requests
            // that is an ordinary close, not a truncation.
            Err(error) if error.kind() == io::ErrorKind::UnexpectedEof && head.is_empty() => {
                return Ok(None);
            }
            Err(error) => return Err(error),
        }
        let line = &head[start..];
        if line == b"\r\n" || line == b"\n" {
            if start == 0 {
                // RFC 9112 section 2.2: ignore empty lines before a request.
                head.clear();
                continue;
            }
            break;
        }
        if head.len() > MAX_HEAD {
            return Err(invalid("request head over 64 KiB"));
        }
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    // `lines` also takes off each line's `\r`.
    let mut lines = head.lines();
    let request_line = lines.next().unwrap_or_default();
    let mut parts = request_line.splitn(3, ' ');
    let (Some(method), Some(target), Some(version)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(invalid(format!("bad request line {request_line:?}")));
    };
    let mut headers = Vec::new();
    for line in lines.take_while(|line| !line.is_empty()) {
        let Some((name, value)) = line.split_once(':') else {
            return Err(invalid(format!("bad header line {line:?}")));
        };
        headers.push((name.to_owned(), value.trim_matches([' ', '\t']).to_owned()));
    }
    let mut request = Received {
        connection,
        method: method.to_owned(),
        target: target.to_owned(),
        version: version.to_owned(),
        headers,
        body: Vec::new(),
        head: String::new(),
    };
    if request
        .header("Expect")
        .is_some_and(|e| e.eq_ignore_ascii_case("100-continue"))
    {
        let stream = reader.get_mut();
        stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
        stream.flush()?;
    }
    // RFC 9112 section 6.3: chunked wins over Content-Length.
    let chunked = request
        .header("Transfer-Encoding")
        .is_some_and(|te| te.to_ascii_lowercase().contains("chunked"));
    if chunked {
        request.body = read_chunked(reader)?;
    } else if let Some(length) = request.header("Content-Length") {
        let length: u64 = length
            .parse()
            .map_err(|_| invalid(format!("bad Content-Length {length:?}")))?;
        reader.take(length).read_to_end(&mut request.body)?;
        if (request.body.len() as u64) < length {
            return Err(invalid("connection closed in the middle of a request body"));
        }
    }
    request.head = head;
    Ok(Some(request))
}

/// RFC 9112 section 7.1: size lines in hex (extensions ignored), each
/// chunk followed by CRLF, a zero-size chunk, then trailers up to an
/// empty line.
fn read_chunked(reader: &mut impl BufRead) -> io::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line = read_line(reader)?;
        let size = line.split(';').next().unwrap_or_default().trim();
        let size = u64::from_str_radix(size, 16)
            .map_err(|_| invalid(format!("bad chunk size line {line:?}")))?;
        if size == 0 {
            while !read_line(reader)?.is_empty() {}
            return Ok(body);
        }
        let before = body.len() as u64;
        reader.take(size).read_to_end(&mut body)?;
        if body.len() as u64 - before < size {
            return Err(invalid("connection closed in the middle of a chunk"));
        }
        if !read_line(reader)?.is_empty() {
            return Err(invalid("chunk longer than its size line says"));
        }
    }
}

/// A line without its line ending; an error at end of input.
fn read_line(reader: &mut impl BufRead) -> io::Result<String> {
    let mut line = Vec::new();
    if reader.read_until(b'\n', &mut line)? == 0 {
        return Err(invalid("connection closed in the middle of a chunked body"));
    }
    let line = String::from_utf8_lossy(&line);
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

fn invalid(message: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message.into())
}

/// A certificate authority made for one test, with a server certificate
/// for `localhost` and `127.0.0.1` that it signed. Each one is new and
/// trusts nothing the others made.
pub struct TestCa {
    number: usize,
    pem: String,
    der: CertificateDer<'static>,
    server_cert: CertificateDer<'static>,
    server_key: Vec<u8>,
}

impl TestCa {
    pub fn new() -> TestCa {
        use rcgen::{
            BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer,
            KeyPair, KeyUsagePurpose,
        };

        static MADE: AtomicUsize = AtomicUsize::new(0);
        let number = MADE.fetch_add(1, Ordering::Relaxed);

        // Distinct names, so a verifier rejects a certificate from another
        // CA as having an unknown issuer rather than a bad signature.
        let mut ca = CertificateParams::new(Vec::new()).expect("CA parameters");
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name
            .push(DnType::CommonName, format!("jobrun test CA {number}"));
        ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca_key = KeyPair::generate().expect("CA key");
        let ca_cert = ca.self_signed(&ca_key).expect("self-signed CA");
        let issuer = Issuer::new(ca, ca_key);

        let mut server = CertificateParams::new(vec!["localhost".into(), "127.0.0.1".into()])
            .expect("server parameters");
        server
            .distinguished_name
            .push(DnType::CommonName, "localhost");
        server.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        server.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        server.use_authority_key_identifier_extension = true;
        let server_key = KeyPair::generate().expect("server key");
        let server_cert = server
            .signed_by(&server_key, &issuer)
            .expect("server certificate");

        TestCa {
            number,
            pem: ca_cert.pem(),
            der: ca_cert.der().clone(),
            server_cert: server_cert.der().clone(),
            server_key: server_key.serialize_der(),
        }
    }

    /// The CA certificate in PEM.
    pub fn pem(&self) -> &str {
        &self.pem
    }

    /// The CA certificate in DER, for an in-process client's root store.
    pub fn der(&self) -> CertificateDer<'static> {
        self.der.clone()
    }

    /// Writes the CA certificate as PEM into `dir` (under a name of its
    /// own, so several CAs can share a directory) and returns the path.
    pub fn write_pem(&self, dir: &Path) -> PathBuf {
        let path = dir.join(format!("test-ca-{}.pem", self.number));
        std::fs::write(&path, &self.pem).expect("write CA certificate");
        path
    }

    fn server_config(&self) -> Arc<ServerConfig> {
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.server_key.clone()));
        let config =
            ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
                .with_safe_default_protocol_versions()
                .expect("TLS versions")
                .with_no_client_auth()
                .with_single_cert(vec![self.server_cert.clone()], key)
                .expect("server certificate and key");
        Arc::new(config)
    }
}
