//! What the run's other threads tell its main thread: the request's
//! worker, the signal thread, and the threads of its notification and
//! pings. One channel carries them all, so the main thread waits on one
//! thing and a signal ends the run at once, whatever the network is doing.

use std::sync::mpsc;

use crate::context::Context;
use crate::http::attempts::Event;
use crate::run::signal::{self, Signal};

pub(crate) enum Message {
    /// An attempt of the job's request, or its end.
    Event(Event),
    Signal(Signal),
    /// How the run's notification went.
    Notified(Result<u16, String>),
    /// How the healthcheck's start ping went (`None`: there was none),
    /// then its end ping.
    Pinged(Option<Result<u16, String>>, Result<u16, String>),
}

/// The run's channel, both ends.
pub(crate) struct Inbox {
    pub(crate) tx: mpsc::Sender<Message>,
    pub(crate) rx: mpsc::Receiver<Message>,
}

impl Inbox {
    /// A new channel, and SIGINT and SIGTERM sent to it when the process's
    /// signals are the run's to take.
    pub(crate) fn open(ctx: &Context) -> Inbox {
        let (tx, rx) = mpsc::channel();
        if ctx.handle_signals {
            let forwarded = tx.clone();
            // Without signal forwarding the default action still ends the
            // process; only the report of it is lost.
            let _ = signal::forward(move |s| {
                let _ = forwarded.send(Message::Signal(s));
            });
            // Taken before this run listened (between two runs of `catch-up`).
            if let Some(signal) = signal::received() {
                let _ = tx.send(Message::Signal(signal));
            }
        }
        Inbox { tx, rx }
    }
}
