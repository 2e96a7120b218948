//! Notifications and healthcheck pings.

pub mod deliver;
pub mod healthcheck;
pub mod message;
