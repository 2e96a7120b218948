//! Where a value comes from.

pub(crate) mod base64;
pub(crate) mod dotenv;
pub(crate) mod jwt;
pub(crate) mod mask;
pub(crate) mod prompt;
pub(crate) mod sealed;
pub(crate) mod secret_file;
pub(crate) mod variables;
