//! Where a `${VAR}` value comes from, and keeping it secret.
//!
//! In order: the environment, then the `.env` file (`dotenv`, read as the
//! Node `dotenv` package reads it); `NAME_FILE` and systemd's credentials
//! directory (`secret_file`); `ENCRYPTED_NAME` sealed with AES-256-GCM
//! (`sealed`); a token minted for `JWT_TOKEN` from `JWT_SECRET` (`jwt`).
//! `variables` resolves a name through them, once per run; `mask` hides
//! every secret value in whatever jobrun writes; `prompt` reads a secret
//! to seal for `jobrun encrypt`; `token` reads when a JWT in a variable
//! expires.
//!
//! Nothing here reads the process environment directly (a lookup is passed
//! in), sends a request, or writes a value anywhere but to the caller.

pub(crate) mod base64;
pub(crate) mod dotenv;
pub(crate) mod jwt;
pub(crate) mod mask;
pub(crate) mod prompt;
pub(crate) mod sealed;
pub(crate) mod secret_file;
pub(crate) mod token;
pub(crate) mod variables;
