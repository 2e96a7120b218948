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

/// Block SIGINT and SIGTERM in the calling thread and every thread it
/// starts from now on, and call `deliver` from a dedicated thread for each
/// one that arrives. Call this before starting other threads.
pub fn forward(deliver: impl Fn(Signal) + Send + 'static) -> std::io::Result<()> {
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
