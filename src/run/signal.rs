//! SIGINT and SIGTERM during a run. Both are blocked in every thread and
//! taken by one thread with `sigwait`, which hands them to the run as an
//! ordinary event: the run reports the interruption and exits 130 or 143,
//! promptly, even while a request is waiting on the network.

use crate::error::Exit;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Signal {
    Interrupt,
    Terminate,
}

impl Signal {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Signal::Interrupt => "SIGINT",
            Signal::Terminate => "SIGTERM",
        }
    }

    /// 128 plus the signal's number, as shells report a process it killed.
    pub(crate) fn exit(self) -> Exit {
        match self {
            Signal::Interrupt => Exit::Interrupted,
            Signal::Terminate => Exit::Terminated,
        }
    }
}

/// Where signals go now: the run in progress.
type Deliver = Box<dyn Fn(Signal) + Send>;
static TARGET: std::sync::Mutex<Option<Deliver>> = std::sync::Mutex::new(None);
static STARTED: std::sync::OnceLock<Result<(), std::io::ErrorKind>> = std::sync::OnceLock::new();
/// The first signal taken, kept for whoever asks after it was delivered
/// (between two runs of `catch-up`, nothing is listening).
static RECEIVED: std::sync::atomic::AtomicU8 = std::sync::atomic::AtomicU8::new(0);

/// The first SIGINT or SIGTERM taken since forwarding began, if any.
pub(crate) fn received() -> Option<Signal> {
    match RECEIVED.load(std::sync::atomic::Ordering::SeqCst) {
        1 => Some(Signal::Interrupt),
        2 => Some(Signal::Terminate),
        _ => None,
    }
}

/// Block SIGINT and SIGTERM in the calling thread and every thread it
/// starts from now on, and call `deliver` from a dedicated thread for each
/// one that arrives. Call this before starting other threads.
///
/// A later call (the next of several runs in one process, as `catch-up`
/// and `run --due` make) only changes where signals go: one thread takes
/// them all.
pub(crate) fn forward(deliver: impl Fn(Signal) + Send + 'static) -> std::io::Result<()> {
    *TARGET
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Box::new(deliver));
    STARTED
        .get_or_init(|| start().map_err(|e| e.kind()))
        .map_err(std::io::Error::from)
}

/// Stop delivering signals: from now on one ends the process at once with
/// its exit code, as the default action would have (`run --due` between
/// two runs).
pub(crate) fn release() {
    *TARGET
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = None;
}

fn start() -> std::io::Result<()> {
    // SAFETY: sigset_t is plain data, initialised by sigemptyset before use;
    // pthread_sigmask and sigwait only read the set.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGINT);
        libc::sigaddset(&mut set, libc::SIGTERM);
        let rc = libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
        if rc != 0 {
            return Err(std::io::Error::from_raw_os_error(rc));
        }
        std::thread::Builder::new()
            .name("signals".into())
            .spawn(move || {
                loop {
                    let mut number: libc::c_int = 0;
                    if libc::sigwait(&set, &mut number) != 0 {
                        continue;
                    }
                    let signal = match number {
                        libc::SIGINT => Signal::Interrupt,
                        libc::SIGTERM => Signal::Terminate,
                        _ => continue,
                    };
                    let code = if signal == Signal::Interrupt { 1 } else { 2 };
                    let _ = RECEIVED.compare_exchange(
                        0,
                        code,
                        std::sync::atomic::Ordering::SeqCst,
                        std::sync::atomic::Ordering::SeqCst,
                    );
                    let target = TARGET
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner);
                    match target.as_ref() {
                        Some(deliver) => deliver(signal),
                        None => std::process::exit(signal.exit().code().into()),
                    }
                }
            })?;
    }
    Ok(())
}
