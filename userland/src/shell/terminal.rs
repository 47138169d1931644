//! The controlling terminal: termios modes, window width, which process
//! group owns it (thin `libc` wrappers on descriptor 0).

use std::io;

/// Descriptor the shell reads commands from and hands to foreground jobs.
pub const TERMINAL_FD: i32 = 0;

/// Whether `fd` is a terminal.
pub fn is_terminal(fd: i32) -> bool {
    // SAFETY: isatty only inspects the descriptor number.
    unsafe { libc::isatty(fd) == 1 }
}

/// The terminal's current modes.
pub fn get_modes() -> io::Result<libc::termios> {
    // SAFETY: termios is plain old data; all-zero is a valid value to be overwritten.
    let mut modes: libc::termios = unsafe { std::mem::zeroed() };
    // SAFETY: modes is a valid, writable termios for the call.
    if unsafe { libc::tcgetattr(TERMINAL_FD, &mut modes) } == -1 {
        return Err(io::Error::last_os_error());
    }
    Ok(modes)
}

/// Sets the terminal's modes (after output drains, like bash).
pub fn set_modes(modes: &libc::termios) -> io::Result<()> {
    // SAFETY: modes points to a valid termios for the call.
    if unsafe { libc::tcsetattr(TERMINAL_FD, libc::TCSADRAIN, modes) } == -1 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// The modes the line editor uses: bytes one at a time, no echo, no
/// signals from ^C/^Z (the editor handles ^C itself), CR not turned into
/// NL, no XON/XOFF, no output processing (the editor writes `\r\n` itself,
/// so the line shows exactly those bytes, not `\r\r\n`).
pub fn editor_modes(cooked: &libc::termios) -> libc::termios {
    let mut raw = *cooked;
    raw.c_oflag &= !libc::OPOST;
    raw.c_lflag &= !(libc::ICANON | libc::ECHO | libc::ISIG | libc::IEXTEN);
    raw.c_iflag &= !(libc::ICRNL | libc::INLCR | libc::IGNCR | libc::IXON);
    raw.c_cc[libc::VMIN] = 1;
    raw.c_cc[libc::VTIME] = 0;
    raw
}

/// Columns of the terminal, 80 when it does not say (a serial line reports 0).
pub fn width_columns() -> usize {
    // SAFETY: winsize is plain old data; zeroed is valid.
    let mut size: libc::winsize = unsafe { std::mem::zeroed() };
    // SAFETY: TIOCGWINSZ writes a winsize into the valid buffer given.
    let result = unsafe { libc::ioctl(TERMINAL_FD, libc::TIOCGWINSZ, &mut size) };
    if result == -1 || size.ws_col == 0 {
        80
    } else {
        usize::from(size.ws_col)
    }
}

/// Makes process group `pgid` the terminal's foreground group.
pub fn give_terminal_to(pgid: libc::pid_t) -> io::Result<()> {
    // SAFETY: tcsetpgrp takes plain integers.
    if unsafe { libc::tcsetpgrp(TERMINAL_FD, pgid) } == -1 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// The terminal's foreground process group.
pub fn foreground_group() -> libc::pid_t {
    // SAFETY: tcgetpgrp takes a descriptor number.
    unsafe { libc::tcgetpgrp(TERMINAL_FD) }
}

/// Whether input is waiting on descriptor 0 (a zero-timeout poll).
pub fn input_pending() -> bool {
    let mut descriptor = libc::pollfd {
        fd: TERMINAL_FD,
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one valid pollfd, zero timeout.
    unsafe { libc::poll(&mut descriptor, 1, 0) == 1 }
}
