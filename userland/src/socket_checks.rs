//! `kernelcheck`'s socket checks (Unix socket pairs), kept beside the
//! binary's other checks; each passes on Linux as well.

use std::os::unix::process::CommandExt;
use std::process::Command;

fn errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

/// A connected pair of `kind` (close-on-exec).
fn pair(kind: libc::c_int) -> Result<[libc::c_int; 2], String> {
    let mut fds = [0; 2];
    // SAFETY: socketpair fills the two-element array.
    if unsafe { libc::socketpair(libc::AF_UNIX, kind | libc::SOCK_CLOEXEC, 0, fds.as_mut_ptr()) } != 0 {
        return Err(format!("socketpair({kind}): errno {}", errno()));
    }
    Ok(fds)
}

fn send(fd: libc::c_int, bytes: &[u8]) -> isize {
    // SAFETY: sends from a live buffer; MSG_NOSIGNAL keeps SIGPIPE away.
    unsafe { libc::send(fd, bytes.as_ptr().cast(), bytes.len(), libc::MSG_NOSIGNAL) }
}

fn receive(fd: libc::c_int, buffer: &mut [u8], flags: libc::c_int) -> isize {
    // SAFETY: receives into a live buffer of the given length.
    unsafe { libc::recv(fd, buffer.as_mut_ptr().cast(), buffer.len(), flags) }
}

fn close(fd: libc::c_int) {
    // SAFETY: closes a descriptor this check owns.
    unsafe { libc::close(fd) };
}

/// `socketpair`: a stream carries bytes both ways and joins writes; a
/// seqpacket pair keeps record boundaries and cuts a long record
/// (`MSG_TRUNC`); closing one end gives the other end of file and EPIPE.
pub fn socket_pair() -> Result<String, String> {
    let [left, right] = pair(libc::SOCK_STREAM)?;
    if send(left, b"ab") != 2 || send(left, b"cd") != 2 || send(right, b"back") != 4 {
        return Err(format!("stream sends failed: errno {}", errno()));
    }
    let mut buffer = [0u8; 16];
    let joined = receive(right, &mut buffer, 0);
    if buffer[..joined.max(0) as usize] != *b"abcd" {
        return Err(format!("stream: got {:?}, expected the two writes joined", &buffer[..joined.max(0) as usize]));
    }
    if receive(left, &mut buffer, 0) != 4 || buffer[..4] != *b"back" {
        return Err("stream: the reply did not arrive".into());
    }
    close(left);
    if receive(right, &mut buffer, 0) != 0 {
        return Err("stream: no end of file after the peer closed".into());
    }
    if send(right, b"x") != -1 || errno() != libc::EPIPE {
        return Err(format!("stream: a send to a closed peer gave errno {}, not EPIPE", errno()));
    }
    close(right);

    let [left, right] = pair(libc::SOCK_SEQPACKET)?;
    if send(left, b"first") != 5 || send(left, b"second record") != 13 {
        return Err(format!("seqpacket sends failed: errno {}", errno()));
    }
    let mut small = [0u8; 3];
    let cut = receive(right, &mut small, libc::MSG_TRUNC);
    if cut != 5 || small != *b"fir" {
        return Err(format!("seqpacket: a 3-byte receive of a 5-byte record gave {cut} ({small:?})"));
    }
    let whole = receive(right, &mut buffer, 0);
    if buffer[..whole.max(0) as usize] != *b"second record" {
        return Err("seqpacket: the second record did not arrive whole and separate".into());
    }
    if receive(right, &mut buffer, libc::MSG_DONTWAIT) != -1 || errno() != libc::EAGAIN {
        return Err(format!("seqpacket: an empty queue with MSG_DONTWAIT gave errno {}, not EAGAIN", errno()));
    }
    close(left);
    close(right);
    Ok("stream bytes join and flow both ways, records keep their edges and are cut with MSG_TRUNC, close gives EOF and EPIPE".into())
}

/// `std::process::Command` with `pre_exec` (its fork path reports an exec
/// failure over a socket pair): a missing program is `NotFound`, a present
/// one runs.
pub fn command_exec_failure() -> Result<String, String> {
    let mut missing = Command::new("/no/such/program");
    // SAFETY: the closure does nothing (it only selects std's fork path).
    unsafe { missing.pre_exec(|| Ok(())) };
    match missing.status() {
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
        other => return Err(format!("spawning a missing program gave {other:?}, not NotFound")),
    }
    let mut present = Command::new(std::env::current_exe().map_err(|error| format!("current_exe: {error}"))?);
    // kernelcheck itself, with a name that selects no check: exits 0 at once.
    present.arg("none");
    // SAFETY: as above.
    unsafe { present.pre_exec(|| Ok(())) };
    match present.output() {
        Ok(output) if output.status.success() => Ok("a missing program is NotFound, a present one runs".into()),
        other => Err(format!("spawning this program again gave {other:?}")),
    }
}
