//! `kernelcheck`'s `controlling-terminal` check: `/proc/self/stat` names
//! the session's controlling terminal (`tty_nr`, the device number
//! `TIOCGDEV` gives for `/dev/tty`) and its foreground group (`tpgid`,
//! as `tcgetpgrp`), and a process in a new session has none (0 and -1).
//! Passes on Linux as well, with or without a terminal.

/// `tty_nr` and `tpgid` (fields 7 and 8) of a `/proc/[pid]/stat` text.
pub fn terminal_fields(stat: &[u8]) -> Option<(i64, i64)> {
    // The command name is in parentheses and may hold spaces or ')'.
    let after_name = stat.iter().rposition(|&byte| byte == b')')? + 1;
    let rest = std::str::from_utf8(&stat[after_name..]).ok()?;
    // state ppid pgrp session tty_nr tpgid
    let mut fields = rest.split_ascii_whitespace().skip(4);
    let tty_nr = fields.next()?.parse().ok()?;
    let tpgid = fields.next()?.parse().ok()?;
    Some((tty_nr, tpgid))
}

/// `/proc/self/stat`'s terminal fields, read without allocating (also
/// used in a forked child).
fn own_terminal_fields() -> Option<(i64, i64)> {
    let mut buffer = [0u8; 1024];
    // SAFETY: a NUL-terminated path; the descriptor is closed below.
    let fd = unsafe {
        libc::open(
            c"/proc/self/stat".as_ptr(),
            libc::O_RDONLY | libc::O_CLOEXEC,
        )
    };
    if fd < 0 {
        return None;
    }
    // SAFETY: reads into the live local buffer.
    let count = unsafe { libc::read(fd, buffer.as_mut_ptr().cast(), buffer.len()) };
    // SAFETY: closes the descriptor opened above.
    unsafe { libc::close(fd) };
    terminal_fields(&buffer[..usize::try_from(count).ok()?])
}

/// What `/proc/self/stat` should say: from `/dev/tty`, or (0, -1) when
/// opening it fails (no controlling terminal).
fn expected_terminal_fields() -> Result<(i64, i64), String> {
    // SAFETY: a NUL-terminated path; the descriptor is closed below.
    let fd = unsafe {
        libc::open(
            c"/dev/tty".as_ptr(),
            libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC,
        )
    };
    if fd < 0 {
        return Ok((0, -1));
    }
    let mut device: libc::c_uint = 0;
    // SAFETY: TIOCGDEV writes one unsigned int into `device`.
    let result = unsafe { libc::ioctl(fd, libc::TIOCGDEV, &mut device) };
    // SAFETY: tcgetpgrp takes a descriptor.
    let group = unsafe { libc::tcgetpgrp(fd) };
    // SAFETY: closes the descriptor opened above.
    unsafe { libc::close(fd) };
    if result != 0 {
        return Err(format!(
            "TIOCGDEV on /dev/tty failed: {}",
            std::io::Error::last_os_error()
        ));
    }
    Ok((i64::from(device), i64::from(group)))
}

/// The check (see the module doc).
pub fn controlling_terminal() -> Result<String, String> {
    let expected = expected_terminal_fields()?;
    let seen = own_terminal_fields().ok_or("cannot read tty_nr and tpgid from /proc/self/stat")?;
    if seen != expected {
        return Err(format!(
            "/proc/self/stat says tty_nr {} tpgid {}; /dev/tty says {} and {}",
            seen.0, seen.1, expected.0, expected.1
        ));
    }
    // SAFETY: the child calls only setsid, open, read, close and _exit.
    let child = unsafe { libc::fork() };
    if child == 0 {
        // SAFETY: plain system calls, then _exit (no parent state touched).
        unsafe {
            libc::setsid();
            libc::_exit(i32::from(own_terminal_fields() != Some((0, -1))));
        }
    }
    if child < 0 {
        return Err(format!("fork: {}", std::io::Error::last_os_error()));
    }
    let mut status = 0;
    // SAFETY: waits for our own child into a valid int.
    unsafe { libc::waitpid(child, &mut status, 0) };
    if status != 0 {
        return Err(format!("a process in a new session does not show tty_nr 0 and tpgid -1 (child status {status:#x})"));
    }
    Ok(format!(
        "tty_nr {} and tpgid {} as /dev/tty says; a new session has none",
        seen.0, seen.1
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_after_a_name_with_spaces_and_parentheses() {
        assert_eq!(
            terminal_fields(b"42 (a b) c) S 1 42 42 1088 42 0 0\n"),
            Some((1088, 42))
        );
        assert_eq!(terminal_fields(b"7 (sh) S 1 7 7 0 -1 0\n"), Some((0, -1)));
        assert_eq!(terminal_fields(b"7 (sh) S 1 7"), None);
        assert_eq!(terminal_fields(b"no name"), None);
    }
}
