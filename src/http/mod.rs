//! HTTP: one job's request from its checked form to the wire and back.

pub mod attempts;
pub mod backoff;
pub mod curl;
pub mod failure;
pub mod redirect;
pub mod request;
pub mod transport;
pub mod trust;
pub mod url;
