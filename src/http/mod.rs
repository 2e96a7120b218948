//! HTTP: one job's request from its checked form to the wire and back.

pub(crate) mod attempts;
pub(crate) mod backoff;
pub(crate) mod curl;
pub(crate) mod failure;
pub(crate) mod redirect;
pub(crate) mod request;
pub(crate) mod transport;
pub(crate) mod trust;
pub(crate) mod url;
