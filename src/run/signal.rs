//! SIGHUP, SIGINT and SIGTERM during a run. They are blocked in every
//! thread and taken by one thread with `sigwait`, which hands them to the
//! run as an ordinary event: the run reports the interruption and exits
//! 129, 130 or 143, promptly, even while a request is waiting on the
//! network.
//!
//! A signal jobrun was started with ignored (`nohup` ignores SIGHUP; a
//! non-interactive shell's `&` ignores SIGINT) stays ignored: it is not
//! taken. SIGQUIT keeps its default action, a core dump, which is what it
//! is sent for; the run is then recorded as `died`. SIGPIPE stays ignored,
//! as Rust's runtime sets it, so a reader gone away is a write error.

use crate::error::Exit;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Signal {
    Hangup,
    Interrupt,
    Terminate,
}

impl Signal {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Signal::Hangup => "SIGHUP",
            Signal::Interrupt => "SIGINT",
            Signal::Terminate => "SIGTERM",
        }
    }

    /// 128 plus the signal's number, as shells report a process it killed.
    pub(crate) fn exit(self) -> Exit {
        match self {
            Signal::Hangup => Exit::HungUp,
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

/// The first signal taken since forwarding began, if any.
pub(crate) fn received() -> Option<Signal> {
    match RECEIVED.load(std::sync::atomic::Ordering::SeqCst) {
        1 => Some(Signal::Interrupt),
        2 => Some(Signal::Terminate),
        3 => Some(Signal::Hangup),
        _ => None,
    }
}

/// Block SIGHUP, SIGINT and SIGTERM (those not ignored) in the calling thread and every thread it
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
        for number in [libc::SIGHUP, libc::SIGINT, libc::SIGTERM] {
            if !ignored(number) {
                libc::sigaddset(&mut set, number);
            }
        }
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
                        libc::SIGHUP => Signal::Hangup,
                        libc::SIGINT => Signal::Interrupt,
                        libc::SIGTERM => Signal::Terminate,
                        _ => continue,
                    };
                    let code = match signal {
                        Signal::Interrupt => 1,
                        Signal::Terminate => 2,
                        Signal::Hangup => 3,
                    };
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

/// Whether the process was started with `number` ignored. A blocked signal
/// is kept pending even when ignored, so one left to `sigwait` would be
/// taken after all.
fn ignored(number: libc::c_int) -> bool {
    // SAFETY: a null new action only reads the current one into `current`,
    // plain data that sigaction fills in.
    unsafe {
        let mut current: libc::sigaction = std::mem::zeroed();
        libc::sigaction(number, std::ptr::null(), &mut current) == 0
            && current.sa_sigaction == libc::SIG_IGN
    }
}
