//! Where a value comes from.

pub mod base64;
pub mod dotenv;
pub mod jwt;
pub mod mask;
pub mod prompt;
pub mod sealed;
pub mod secret_file;
pub mod variables;
