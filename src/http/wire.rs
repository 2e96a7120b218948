//! The request as it goes on the wire, secrets masked: what `--dry-run`
//! and `-vv` show. The head is the one the transport writes for the
//! request (`transport::rehearse`), with the headers it adds (`host`,
//! `accept`, `content-length`) in its order and its spelling.

use crate::http::request::Prepared;
use crate::http::transport;

/// The head of a request, line by line, masked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Head {
    /// `POST /report?key=*** HTTP/1.1`.
    pub(crate) request_line: String,
    /// `name: value`, in the order written.
    pub(crate) headers: Vec<String>,
}

/// The head `request` goes out with, every secret masked. Err: why the
/// transport would not send it, masked, as the attempt would say.
pub(crate) fn head(request: &Prepared) -> Result<Head, String> {
    transport::rehearse(request)
        .map(|bytes| parse(request, &bytes))
        .map_err(|why| request.secrets.mask(&why).into_owned())
}

/// The request as `--dry-run` prints it: the method and the URL (the
/// request line sent names only the path and query; the scheme matters),
/// the headers as sent, and the body.
pub(crate) fn preview(request: &Prepared) -> Result<String, String> {
    let head = head(request)?;
    let mut out = format!("{} {}\n", request.method.as_str(), request.shown_url());
    for line in &head.headers {
        out.push_str(line);
        out.push('\n');
    }
    if let Some(body) = &request.body {
        out.push('\n');
        out.push_str(&request.secrets.mask(body));
        out.push('\n');
    }
    Ok(out)
}

fn parse(request: &Prepared, bytes: &[u8]) -> Head {
    let end = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(bytes.len());
    let text = String::from_utf8_lossy(&bytes[..end]);
    let mut lines = text.split("\r\n");
    let request_line = request
        .secrets
        .mask(lines.next().unwrap_or_default())
        .into_owned();
    let headers = lines
        .map(|line| match line.split_once(':') {
            Some((name, value)) => format!(
                "{name}: {}",
                request.secrets.header_value(name, value.trim_start())
            ),
            None => request.secrets.mask(line).into_owned(),
        })
        .collect();
    Head {
        request_line,
        headers,
    }
}
