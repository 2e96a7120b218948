//! Notifications and healthcheck pings.

pub(crate) mod deliver;
pub(crate) mod healthcheck;
pub(crate) mod message;
