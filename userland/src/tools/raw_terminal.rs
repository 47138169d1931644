//! The terminal in `top`'s raw mode: no line editing (`~ICANON`), no echo
//! (`~ECHO`), no signal keys (`~ISIG`: Ctrl-C arrives as a byte, so `top`
//! quits through its own path and restores the terminal), reads that
//! return at once (`VMIN` 0, `VTIME` 0; `top` waits in `poll`). The saved
//! settings are put back when the guard is dropped.

use std::io;
use std::os::fd::RawFd;

/// See the module doc. Dropping it restores the terminal.
pub struct RawTerminal {
    fd: RawFd,
    saved: libc::termios,
}

impl RawTerminal {
    /// Puts the terminal on `fd` in raw mode; an error if `fd` is not a
    /// terminal.
    pub fn enter(fd: RawFd) -> io::Result<RawTerminal> {
        // SAFETY: an all-zero termios is a valid value; tcgetattr fills it.
        let mut saved: libc::termios = unsafe { std::mem::zeroed() };
        // SAFETY: `saved` is a valid, writable termios.
        if unsafe { libc::tcgetattr(fd, &mut saved) } != 0 {
            return Err(io::Error::last_os_error());
        }
        let mut raw = saved;
        raw.c_lflag &= !(libc::ICANON | libc::ECHO | libc::ISIG);
        raw.c_cc[libc::VMIN] = 0;
        raw.c_cc[libc::VTIME] = 0;
        set(fd, &raw)?;
        Ok(RawTerminal { fd, saved })
    }
}

fn set(fd: RawFd, settings: &libc::termios) -> io::Result<()> {
    // SAFETY: `settings` is a valid termios; TCSAFLUSH only changes the terminal.
    if unsafe { libc::tcsetattr(fd, libc::TCSAFLUSH, settings) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

impl Drop for RawTerminal {
    fn drop(&mut self) {
        let _ = set(self.fd, &self.saved);
    }
}

/// Waits up to `timeout_ms` for input on `fd`; reads what is there.
/// Returns the bytes read (empty on timeout).
pub fn read_keys(fd: RawFd, timeout_ms: i32) -> io::Result<Vec<u8>> {
    let mut poll_fd = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one valid pollfd.
    let ready = unsafe { libc::poll(&mut poll_fd, 1, timeout_ms) };
    if ready < 0 {
        let error = io::Error::last_os_error();
        return if error.kind() == io::ErrorKind::Interrupted {
            Ok(Vec::new())
        } else {
            Err(error)
        };
    }
    if ready == 0 {
        return Ok(Vec::new());
    }
    let mut buffer = [0u8; 64];
    // SAFETY: `buffer` is valid for its length.
    let count = unsafe { libc::read(fd, buffer.as_mut_ptr().cast(), buffer.len()) };
    if count < 0 {
        return Err(io::Error::last_os_error());
    }
    if count == 0 && poll_fd.revents & libc::POLLHUP != 0 {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "terminal hung up",
        ));
    }
    Ok(buffer[..count as usize].to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flags(fd: RawFd) -> libc::termios {
        // SAFETY: zeroed termios is valid; tcgetattr fills it.
        let mut settings: libc::termios = unsafe { std::mem::zeroed() };
        // SAFETY: valid pointer.
        assert_eq!(unsafe { libc::tcgetattr(fd, &mut settings) }, 0);
        settings
    }

    /// A pseudo-terminal pair: (controller, terminal).
    fn pty() -> (RawFd, RawFd) {
        // SAFETY: plain calls; every result is checked.
        unsafe {
            let controller = libc::posix_openpt(libc::O_RDWR | libc::O_NOCTTY);
            assert!(controller >= 0);
            assert_eq!(libc::grantpt(controller), 0);
            assert_eq!(libc::unlockpt(controller), 0);
            let name = libc::ptsname(controller);
            assert!(!name.is_null());
            let terminal = libc::open(name, libc::O_RDWR | libc::O_NOCTTY);
            assert!(terminal >= 0);
            (controller, terminal)
        }
    }

    #[test]
    fn raw_mode_is_entered_and_the_old_settings_restored() {
        let (controller, terminal) = pty();
        let before = flags(terminal);
        assert_ne!(before.c_lflag & libc::ICANON, 0);
        {
            let _raw = RawTerminal::enter(terminal).unwrap();
            let raw = flags(terminal);
            assert_eq!(raw.c_lflag & (libc::ICANON | libc::ECHO | libc::ISIG), 0);
            assert_eq!((raw.c_cc[libc::VMIN], raw.c_cc[libc::VTIME]), (0, 0));
            // A key arrives without a newline.
            // SAFETY: writing one byte from a valid buffer.
            let written = unsafe { libc::write(controller, b"q".as_ptr().cast(), 1) };
            assert_eq!(written, 1);
            assert_eq!(read_keys(terminal, 5000).unwrap(), b"q");
            assert_eq!(read_keys(terminal, 10).unwrap(), b"");
        }
        let after = flags(terminal);
        assert_eq!(
            (after.c_lflag, after.c_cc[libc::VMIN]),
            (before.c_lflag, before.c_cc[libc::VMIN])
        );
        // SAFETY: closing our own descriptors.
        unsafe {
            libc::close(terminal);
            libc::close(controller);
        }
    }

    #[test]
    fn a_file_is_not_a_terminal() {
        let file = std::fs::File::open("/proc/self/stat").unwrap();
        assert!(RawTerminal::enter(std::os::fd::AsRawFd::as_raw_fd(&file)).is_err());
    }
}
