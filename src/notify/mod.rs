//! Telling people of a run: the `onFailure` and `onRecovery` requests
//! (`message`: their placeholders filled in from the run's row) and the
//! healthcheck pings (`healthcheck`: `/start`, success, `/fail`), each sent
//! once with one retry, bounded whole by its timeout (`deliver`).
//!
//! Whether a run tells anyone is decided in the history's transaction
//! (`state::alerts`), not here; when these requests are sent, and what
//! becomes of them, is the run's last stage (`run::tell`). Their URLs are
//! credentials: they are shown by their origin only.

pub(crate) mod deliver;
pub(crate) mod healthcheck;
pub(crate) mod message;
