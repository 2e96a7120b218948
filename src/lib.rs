//! jobrun: run scheduled HTTP jobs described in a YAML file.

pub mod dotenv;
pub mod interpolate;
