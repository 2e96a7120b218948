//! SIGINT and SIGTERM during a run. Both are blocked in every thread and
//! taken by one thread with `sigwait`, which hands them to the run as an
//! ordinary event: the run reports the interruption and exits 130 or 143,
//! promptly, even while a request is waiting on the network.

use crate::error::Exit;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    Interrupt,
    Terminate,
}

impl Signal {
    pub fn name(self) -> &'static str {
        match self {
            Signal::Interrupt => "SIGINT",
            Signal::Terminate => "SIGTERM",
        }
    }

    /// 128 plus the signal's number, as shells report a process it killed.
    pub fn exit(self) -> Exit {
        match self {
            Signal::Interrupt => Exit::Interrupted,
            Signal::Terminate => Exit::Terminated,
        }
    }
}

type Deliver = Box<dyn Fn(Signal) + Send>;

/// Who takes the signals now; `None` once the run that took them is over.
static DELIVER: std::sync::Mutex<Option<Deliver>> = std::sync::Mutex::new(None);
static STARTED: std::sync::OnceLock<Result<(), std::io::ErrorKind>> = std::sync::OnceLock::new();

/// Block SIGINT and SIGTERM in the calling thread and every thread it
/// starts from now on, and call `deliver` from a dedicated thread for each
/// one that arrives. Call this before starting other threads. A later call
/// (the next run of `run --due`) replaces `deliver`.
pub fn forward(deliver: impl Fn(Signal) + Send + 'static) -> std::io::Result<()> {
    *DELIVER.lock().unwrap_or_else(|e| e.into_inner()) = Some(Box::new(deliver));
    STARTED
        .get_or_init(|| start().map_err(|e| e.kind()))
        .map_err(std::io::Error::from)
}

/// Stop delivering signals: from now on one ends the process at once with
/// its exit code, as the default action would have (`run --due` between
/// two runs).
pub fn release() {
    *DELIVER.lock().unwrap_or_else(|e| e.into_inner()) = None;
}

fn deliver(signal: Signal) {
    match &*DELIVER.lock().unwrap_or_else(|e| e.into_inner()) {
        Some(deliver) => deliver(signal),
        None => std::process::exit(signal.exit().code().into()),
    }
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
                    match number {
                        libc::SIGINT => deliver(Signal::Interrupt),
                        libc::SIGTERM => deliver(Signal::Terminate),
                        _ => {}
                    }
                }
            })?;
    }
    Ok(())
}
