//! HTTP: one request from its checked form to the wire and back.
//!
//! This room fills a job's request in (`request`), sends it (`transport`:
//! TLS with the system's trust store and the job's `caFile`, proxies, the
//! size limit, and the redirects the job allows, whose policy and target
//! are `redirect`'s), reads the response's body in pieces (`body`), makes
//! the attempts its policy allows with backoff between them (`attempts`,
//! `backoff`), names what went wrong (`failure`) and which credentials a
//! refusal concerns (`credential`), shows it as curl (`curl`) and as it
//! goes on the wire (`wire`), and takes URLs apart (`url`).
//!
//! It knows nothing of the history, the terminal or why a request is made:
//! a job's run and a notification use it alike. Each attempt is reported
//! as an event to whoever runs it.

pub(crate) mod attempts;
pub(crate) mod backoff;
pub(crate) mod body;
pub(crate) mod credential;
pub(crate) mod curl;
pub(crate) mod failure;
pub(crate) mod redirect;
pub(crate) mod request;
pub(crate) mod transport;
pub(crate) mod trust;
pub(crate) mod url;
pub(crate) mod wire;
