//! The test server itself, checked with a raw TCP (or rustls) client, so
//! the HTTP tests can trust what it sends and records.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::server::{Reply, Server, TestCa};
use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection, RootCertStore, StreamOwned};

const WAIT: Duration = Duration::from_secs(5);

fn connect(server: &Server) -> TcpStream {
    let stream = TcpStream::connect(server.address()).expect("connect");
    stream.set_read_timeout(Some(WAIT)).expect("read timeout");
    stream
}

/// One response read off `reader`: the head as text and a body of its
/// `Content-Length`.
fn read_response(reader: &mut impl BufRead) -> (String, Vec<u8>) {
    let mut head = String::new();
    while !head.ends_with("\r\n\r\n") {
        let read = reader.read_line(&mut head).expect("read response head");
        assert_ne!(read, 0, "connection closed after {head:?}");
    }
    let length = head
        .lines()
        .find_map(|line| line.strip_prefix("Content-Length: "))
        .map_or(0, |length| length.parse().expect("length"));
    let mut body = vec![0; length];
    reader.read_exact(&mut body).expect("read response body");
    (head, body)
}

#[test]
fn keep_alive_serves_two_requests_on_one_connection() {
    let server = Server::start(vec![
        Reply::status(200).body("first"),
        Reply::status(201).header("X-Reply", "two").body("second"),
    ]);
    let mut stream = connect(&server);
    let mut reader = BufReader::new(stream.try_clone().unwrap());

    stream
        .write_all(b"GET /one?x=1 HTTP/1.1\r\nHost: test\r\n\r\n")
        .unwrap();
    let (head, body) = read_response(&mut reader);
    assert_eq!(head, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n");
    assert_eq!(body, b"first");

    stream
        .write_all(b"POST /two HTTP/1.1\r\nHost: test\r\nContent-Length: 3\r\n\r\nabc")
        .unwrap();
    let (head, body) = read_response(&mut reader);
    assert_eq!(
        head,
        "HTTP/1.1 201 Created\r\nX-Reply: two\r\nContent-Length: 6\r\n\r\n"
    );
    assert_eq!(body, b"second");

    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].target, "/one?x=1");
    assert_eq!(requests[1].method, "POST");
    assert_eq!(requests[1].body, b"abc");
    assert_eq!(requests[0].connection, requests[1].connection);
}

#[test]
fn connection_close_ends_the_connection_after_the_reply() {
    let server = Server::start(vec![Reply::status(204)]);
    let mut stream = connect(&server);
    stream
        .write_all(b"DELETE /x HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert_eq!(response, "HTTP/1.1 204 No Content\r\n\r\n");
}

#[test]
fn chunked_request_body_is_recorded_with_its_exact_head() {
    let server = Server::start(vec![Reply::status(200)]);
    let mut stream = connect(&server);
    let head = "PUT /upload HTTP/1.1\r\nhost: test\r\nX-Custom:  spaced \r\ntransfer-encoding: chunked\r\n\r\n";
    stream.write_all(head.as_bytes()).unwrap();
    stream
        .write_all(b"4;ext=1\r\nWiki\r\n5\r\npedia\r\n0\r\nTrailer: t\r\n\r\n")
        .unwrap();
    read_response(&mut BufReader::new(&stream));

    let request = &server.requests()[0];
    assert_eq!(request.head, head);
    assert_eq!(request.body_text(), "Wikipedia");
    assert_eq!(
        request.header_names(),
        ["host", "X-Custom", "transfer-encoding"]
    );
    assert_eq!(request.header("x-custom"), Some("spaced"));
    assert_eq!(request.header("Content-Length"), None);
}

#[test]
fn exhausted_script_answers_599_and_records_the_request() {
    let server = Server::start(vec![]);
    let mut stream = connect(&server);
    stream
        .write_all(b"GET /extra HTTP/1.1\r\nHost: test\r\n\r\n")
        .unwrap();
    let (head, body) = read_response(&mut BufReader::new(&stream));
    assert!(head.starts_with("HTTP/1.1 599 "), "{head}");
    assert_eq!(body, b"no reply scripted for this request");
    assert_eq!(server.requests()[0].target, "/extra");
}

#[test]
fn close_mid_body_sends_half_then_closes() {
    let server = Server::start(vec![Reply::status(200).body("0123456789").close_mid_body()]);
    let mut stream = connect(&server);
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: test\r\n\r\n")
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert_eq!(
        response,
        "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n01234"
    );
}

#[test]
fn drop_connection_reads_the_request_and_answers_nothing() {
    let server = Server::start(vec![Reply::drop_connection(), Reply::status(200)]);
    let mut stream = connect(&server);
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: test\r\n\r\n")
        .unwrap();
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    assert!(response.is_empty());
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn chunked_reply_is_framed_in_chunks() {
    let server = Server::start(vec![Reply::status(200).body("hello").chunked()]);
    let mut stream = connect(&server);
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert_eq!(
        response,
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhe\r\n3\r\nllo\r\n0\r\n\r\n"
    );
}

#[test]
fn head_request_gets_the_length_without_the_body() {
    let server = Server::start(vec![Reply::status(200).body("unsent"), Reply::status(200)]);
    let mut stream = connect(&server);
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    stream
        .write_all(b"HEAD / HTTP/1.1\r\nHost: test\r\n\r\n")
        .unwrap();
    let mut head = String::new();
    while !head.ends_with("\r\n\r\n") {
        reader.read_line(&mut head).unwrap();
    }
    assert_eq!(head, "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n");

    // The next response starts right after, so no body was sent.
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: test\r\n\r\n")
        .unwrap();
    let (head, _) = read_response(&mut reader);
    assert_eq!(head, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
}

#[test]
fn huge_body_streams_every_byte() {
    let size = 5 * 1024 * 1024 + 3;
    let server = Server::start(vec![Reply::status(200).huge_body(size)]);
    let mut stream = connect(&server);
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: test\r\n\r\n")
        .unwrap();
    let (head, body) = read_response(&mut BufReader::new(&stream));
    assert!(
        head.contains(&format!("Content-Length: {size}\r\n")),
        "{head}"
    );
    assert_eq!(body.len() as u64, size);
    assert!(body.iter().all(|&b| b == b'x'));
}

#[test]
fn dropping_the_server_does_not_wait_for_a_delayed_reply() {
    let server = Server::start(vec![Reply::status(200).delay(Duration::from_secs(60))]);
    let mut stream = connect(&server);
    stream
        .write_all(b"GET /slow HTTP/1.1\r\nHost: test\r\n\r\n")
        .unwrap();
    server.wait_for_requests(1, WAIT);

    let started = Instant::now();
    drop(server);
    assert!(started.elapsed() < Duration::from_secs(2));
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    assert!(response.is_empty());
}

/// A rustls client that trusts only `ca`, connected to `server` as `host`.
fn tls_client(
    ca: &TestCa,
    server: &Server,
    host: &str,
) -> StreamOwned<ClientConnection, TcpStream> {
    let mut roots = RootCertStore::empty();
    roots.add(ca.der()).expect("CA certificate");
    let config =
        ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
    let name = ServerName::try_from(host.to_owned()).expect("server name");
    let connection = ClientConnection::new(Arc::new(config), name).expect("client");
    StreamOwned::new(connection, connect(server))
}

#[test]
fn tls_serves_clients_that_trust_the_test_ca_by_name_and_by_address() {
    let ca = TestCa::new();
    let server = Server::start_tls(&ca, vec![Reply::status(200).body("ok"); 2]);
    assert!(server.url("/x").starts_with("https://127.0.0.1:"));
    assert!(server.url_localhost("/x").starts_with("https://localhost:"));

    for host in ["localhost", "127.0.0.1"] {
        let mut tls = tls_client(&ca, &server, host);
        tls.write_all(b"GET /secure HTTP/1.1\r\nHost: test\r\n\r\n")
            .unwrap();
        let (_, body) = read_response(&mut BufReader::new(&mut tls));
        assert_eq!(body, b"ok");
    }
    assert_eq!(server.requests().len(), 2);
    assert_eq!(server.errors(), Vec::<String>::new());
}

#[test]
fn tls_handshake_fails_for_a_client_trusting_another_ca() {
    let ca = TestCa::new();
    let other = TestCa::new();
    let server = Server::start_tls(&ca, vec![Reply::status(200).body("ok")]);

    let mut tls = tls_client(&other, &server, "localhost");
    let error = tls
        .write_all(b"GET / HTTP/1.1\r\nHost: test\r\n\r\n")
        .expect_err("handshake fails");
    assert!(error.to_string().contains("UnknownIssuer"), "{error}");
    drop(tls);

    // The server records the failure and goes on serving.
    let mut tls = tls_client(&ca, &server, "localhost");
    tls.write_all(b"GET / HTTP/1.1\r\nHost: test\r\n\r\n")
        .unwrap();
    let (_, body) = read_response(&mut BufReader::new(&mut tls));
    assert_eq!(body, b"ok");
    assert_eq!(server.requests().len(), 1);
    let deadline = Instant::now() + WAIT;
    while server.errors().is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    let errors = server.errors();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(server.connections(), 2);
}

#[test]
fn connections_are_counted_even_without_a_request() {
    let server = Server::start(vec![Reply::status(200)]);
    drop(connect(&server));
    let mut stream = connect(&server);
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: test\r\n\r\n")
        .unwrap();
    read_response(&mut BufReader::new(&stream));
    assert_eq!(server.connections(), 2);
    assert_eq!(server.requests()[0].connection, 1);
}

#[test]
fn http_and_https_servers_run_side_by_side() {
    let ca = TestCa::new();
    let secure = Server::start_tls(&ca, vec![Reply::status(200).body("secure")]);
    let plain = Server::start(vec![Reply::redirect(301, &secure.url("/"))]);
    assert_ne!(plain.address(), secure.address());

    let mut stream = connect(&plain);
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: test\r\n\r\n")
        .unwrap();
    let (head, _) = read_response(&mut BufReader::new(&stream));
    assert!(head.contains(&format!("Location: {}/\r\n", secure.origin())));

    let mut tls = tls_client(&ca, &secure, "127.0.0.1");
    tls.write_all(b"GET / HTTP/1.1\r\nHost: test\r\n\r\n")
        .unwrap();
    let (_, body) = read_response(&mut BufReader::new(&mut tls));
    assert_eq!(body, b"secure");
}
