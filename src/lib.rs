//! jobrun: run scheduled HTTP jobs described in a YAML file, one job per
//! invocation, with the operating system as the scheduler.

pub mod diagnostic;
pub mod dotenv;
pub mod duration;
pub mod interpolate;
pub mod yaml;
pub mod nodecron;
pub mod schedule;
pub mod config;
pub mod job;
pub mod validate;
