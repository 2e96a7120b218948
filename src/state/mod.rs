//! The state a run leaves behind.

pub mod alerts;
pub mod dependency;
pub mod dir;
pub mod lock;
pub mod record;
pub mod sqlite;
