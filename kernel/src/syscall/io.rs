//! Descriptors and their I/O: read/write (and the vector forms), close,
//! dup, fcntl, ioctl, poll, lseek, fstat. User buffers are copied through
//! a kernel bounce buffer of at most `CHUNK_BYTES` at a time.

use super::{current_user, SyscallResult};
use crate::file::OpenFile;
use crate::uaccess::{copy_from_user, copy_to_user, read_value, write_value};
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;
use protocol::linux_abi::misc::*;
use protocol::linux_abi::Errno;

/// Bytes moved per step between user memory and a file.
const CHUNK_BYTES: usize = 64 * 1024;
/// Most `iovec`s one readv/writev takes (Linux's `UIO_MAXIOV`).
const MAX_IOVECS: u64 = 1024;
/// Most descriptors one poll takes.
const MAX_POLL_FDS: u64 = 1024;

fn file(fd: u64) -> Result<Arc<OpenFile>, Errno> {
    current_user()?.process.files.lock().get(fd)
}

/// `O_NONBLOCK` in `fcntl` status flags.
const O_NONBLOCK: u64 = 0o4000;
/// Generic descriptor ioctls.
const FIONBIO: u64 = 0x5421;
const FIONCLEX: u64 = 0x5450;
const FIOCLEX: u64 = 0x5451;

/// For a non-blocking open file: `EAGAIN` unless the operation can
/// proceed now. (Checked before the operation; a second reader of the
/// same pipe can still take the data in between and make the read wait.)
fn check_would_block(file: &OpenFile, reading: bool) -> Result<(), Errno> {
    if !file.is_nonblocking() {
        return Ok(());
    }
    let readiness = file.ops().readiness();
    let ready = if reading { readiness.readable } else { readiness.writable };
    if ready || readiness.hung_up { Ok(()) } else { Err(Errno::EAGAIN) }
}

pub fn write(fd: u64, buffer: u64, length: u64) -> SyscallResult {
    let file = file(fd)?;
    check_would_block(&file, false)?;
    let mut written = 0u64;
    let mut chunk = vec![0u8; (length as usize).min(CHUNK_BYTES)];
    while written < length {
        let step = ((length - written) as usize).min(CHUNK_BYTES);
        if let Err(error) = copy_from_user(&mut chunk[..step], buffer.wrapping_add(written)) {
            return if written > 0 { Ok(written) } else { Err(error) };
        }
        let taken = match file.ops().write(&chunk[..step]) {
            Ok(taken) => taken,
            Err(Errno::EPIPE) => {
                raise_sigpipe()?;
                return if written > 0 { Ok(written) } else { Err(Errno::EPIPE) };
            }
            Err(error) => return if written > 0 { Ok(written) } else { Err(error) },
        };
        written += taken as u64;
        if taken < step {
            break;
        }
    }
    Ok(written)
}

/// Writing to a pipe or socket nobody reads: SIGPIPE to the calling
/// thread as well as EPIPE (Rust's runtime ignores the signal and sees
/// EPIPE).
pub(super) fn raise_sigpipe() -> Result<(), Errno> {
    use crate::process::signal::{send_to_thread, SignalInfo, SIGPIPE};
    let user = current_user()?;
    send_to_thread(&user, SignalInfo { signal: SIGPIPE, code: 0, address: 0, sender_pid: user.process.pid() });
    Ok(())
}

pub fn read(fd: u64, buffer: u64, length: u64) -> SyscallResult {
    let file = file(fd)?;
    if !crate::uaccess::is_user_range(buffer, length) {
        return Err(Errno::EFAULT);
    }
    check_would_block(&file, true)?;
    let mut chunk = vec![0u8; (length as usize).min(CHUNK_BYTES)];
    let count = file.ops().read(&mut chunk)?;
    copy_to_user(buffer, &chunk[..count])?;
    Ok(count as u64)
}

/// One `struct iovec`.
fn iovec(array: u64, index: u64) -> Result<(u64, u64), Errno> {
    let entry: [u64; 2] = read_value(array.checked_add(16 * index).ok_or(Errno::EFAULT)?)?;
    Ok((entry[0], entry[1]))
}

pub fn writev(fd: u64, array: u64, count: u64) -> SyscallResult {
    if count > MAX_IOVECS {
        return Err(Errno::EINVAL);
    }
    let mut total = 0u64;
    for index in 0..count {
        let (base, length) = iovec(array, index)?;
        if length == 0 {
            continue;
        }
        match write(fd, base, length) {
            Ok(written) => {
                total += written;
                if written < length {
                    break;
                }
            }
            Err(error) if total == 0 => return Err(error),
            Err(_) => break,
        }
    }
    Ok(total)
}

pub fn readv(fd: u64, array: u64, count: u64) -> SyscallResult {
    if count > MAX_IOVECS {
        return Err(Errno::EINVAL);
    }
    for index in 0..count {
        let (base, length) = iovec(array, index)?;
        if length > 0 {
            // A read returns what arrived; the first non-empty buffer takes it.
            return read(fd, base, length);
        }
    }
    file(fd).map(|_| 0)
}

pub fn close(fd: u64) -> SyscallResult {
    current_user()?.process.files.lock().close(fd).map(|()| 0)
}

pub fn dup(fd: u64) -> SyscallResult {
    let user = current_user()?;
    let mut files = user.process.files.lock();
    let file = files.get(fd)?;
    files.insert(file, false, 0)
}

/// `dup2` (`legacy`: same descriptor is fine, flags 0) and `dup3`.
pub fn dup3(old: u64, new: u64, flags: u64, legacy: bool) -> SyscallResult {
    const O_CLOEXEC: u64 = 0o2000000;
    if flags & !O_CLOEXEC != 0 {
        return Err(Errno::EINVAL);
    }
    let user = current_user()?;
    let mut files = user.process.files.lock();
    let file = files.get(old)?;
    if old == new {
        return if legacy { Ok(new) } else { Err(Errno::EINVAL) };
    }
    files.insert_at(new, file, flags & O_CLOEXEC != 0)?;
    Ok(new)
}

pub fn fcntl(fd: u64, command: u64, argument: u64) -> SyscallResult {
    let user = current_user()?;
    let mut files = user.process.files.lock();
    match command {
        F_DUPFD | F_DUPFD_CLOEXEC => {
            let file = files.get(fd)?;
            let lowest = usize::try_from(argument).ok().filter(|&lowest| lowest < crate::file::MAX_FDS).ok_or(Errno::EINVAL)?;
            files.insert(file, command == F_DUPFD_CLOEXEC, lowest)
        }
        F_GETFD => files.close_on_exec(fd).map(u64::from),
        F_SETFD => files.set_close_on_exec(fd, argument & FD_CLOEXEC != 0).map(|()| 0),
        F_GETFL => {
            let file = files.get(fd)?;
            const O_RDWR: u64 = 2;
            Ok(O_RDWR | if file.is_nonblocking() { O_NONBLOCK } else { 0 })
        }
        F_SETFL => {
            files.get(fd)?.set_nonblocking(argument & O_NONBLOCK != 0);
            Ok(0)
        }
        _ => Err(Errno::EINVAL),
    }
}

/// `ioctl(fd, cmd, arg)`. Linux declares `cmd` an `unsigned int`: only
/// its low 32 bits count. C libraries pass it as a signed `int`, so a
/// request with the read direction bit (`_IOR`, e.g. `TIOCGDEV`,
/// 0x8004_5432) arrives sign-extended to 64 bits.
pub fn ioctl(fd: u64, request: u64, argument: u64) -> SyscallResult {
    let request = u64::from(request as u32);
    let file = file(fd)?;
    match request {
        FIONBIO => {
            let enable: u32 = read_value(argument)?;
            file.set_nonblocking(enable != 0);
            Ok(0)
        }
        FIOCLEX | FIONCLEX => current_user()?.process.files.lock().set_close_on_exec(fd, request == FIOCLEX).map(|()| 0),
        _ => file.ops().ioctl(request, argument),
    }
}

pub fn lseek(fd: u64, offset: u64, whence: u64) -> SyscallResult {
    file(fd)?.ops().seek(offset as i64, whence)
}

pub fn pipe2(address: u64, flags: u64) -> SyscallResult {
    if flags & !(crate::file::O_CLOEXEC | O_NONBLOCK) != 0 {
        return Err(Errno::EINVAL);
    }
    let (reader, writer) = crate::file::new_pipe();
    install_pair([OpenFile::new(reader), OpenFile::new(writer)], flags & O_NONBLOCK != 0, flags & crate::file::O_CLOEXEC != 0, address)
}

/// Puts two new open files into the caller's table (`O_NONBLOCK` and
/// close-on-exec as asked) and writes their two descriptors (`int[2]`)
/// to `address`; on any failure neither descriptor stays open. For
/// `pipe2` and `socketpair`.
pub(super) fn install_pair(files: [Arc<OpenFile>; 2], nonblocking: bool, close_on_exec: bool, address: u64) -> SyscallResult {
    for file in &files {
        file.set_nonblocking(nonblocking);
    }
    let [first, second] = files;
    let user = current_user()?;
    let fds = {
        let mut table = user.process.files.lock();
        let first_fd = table.insert(first, close_on_exec, 0)?;
        match table.insert(second, close_on_exec, 0) {
            Ok(second_fd) => [first_fd as u32, second_fd as u32],
            Err(error) => {
                table.close(first_fd)?;
                return Err(error);
            }
        }
    };
    if let Err(error) = write_value(address, &fds) {
        let mut table = user.process.files.lock();
        let _ = table.close(u64::from(fds[0]));
        let _ = table.close(u64::from(fds[1]));
        return Err(error);
    }
    Ok(0)
}

/// `struct pollfd`: fd, events, revents.
fn poll_one(entry: [u32; 2]) -> i16 {
    let fd = entry[0] as i32;
    let events = (entry[1] & 0xffff) as i16;
    if fd < 0 {
        return 0;
    }
    let Ok(file) = file(fd as u64) else { return POLLNVAL };
    let readiness = file.ops().readiness();
    let mut revents = 0;
    if readiness.readable {
        revents |= POLLIN & events;
    }
    if readiness.writable {
        revents |= POLLOUT & events;
    }
    if readiness.hung_up {
        revents |= POLLHUP;
    }
    revents
}

/// Polls every `pollfd` once, writing `revents`; returns how many are ready.
fn poll_once(array: u64, count: u64) -> Result<u64, Errno> {
    let mut ready = 0;
    for index in 0..count {
        let address = array.checked_add(8 * index).ok_or(Errno::EFAULT)?;
        let entry: [u32; 2] = read_value(address)?;
        let revents = poll_one(entry);
        let updated = [entry[0], (entry[1] & 0xffff) | ((revents as u16 as u32) << 16)];
        write_value(address, &updated)?;
        ready += u64::from(revents != 0);
    }
    Ok(ready)
}

/// How often a waiting poll looks again, in microseconds (files have no
/// wake-ups yet; the console is polled).
const POLL_RECHECK_MICROS: u64 = 1000;

/// `poll` with a timeout in milliseconds (negative: forever).
fn poll_for(array: u64, count: u64, timeout_nanos: Option<u64>) -> SyscallResult {
    if count > MAX_POLL_FDS {
        return Err(Errno::EINVAL);
    }
    let deadline = timeout_nanos.map(|nanos| crate::clock::monotonic_nanos().saturating_add(nanos));
    loop {
        let ready = poll_once(array, count)?;
        if ready > 0 || deadline.is_some_and(|deadline| crate::clock::monotonic_nanos() >= deadline) {
            return Ok(ready);
        }
        // A signal ends the wait (poll is not restarted after a handler).
        crate::sched::sleep_micros_interruptible(POLL_RECHECK_MICROS).map_err(|_| Errno::EINTR)?;
    }
}

pub fn poll(array: u64, count: u64, timeout_millis: i64) -> SyscallResult {
    let timeout = (timeout_millis >= 0).then(|| timeout_millis as u64 * 1_000_000);
    poll_for(array, count, timeout)
}

pub fn ppoll(array: u64, count: u64, timeout: u64) -> SyscallResult {
    let timeout = if timeout == 0 { None } else { Some(crate::uaccess::read_timespec(timeout)?) };
    poll_for(array, count, timeout)
}

/// `pselect6(n, readfds, writefds, exceptfds, timeout, sigmask)`: the
/// `poll` machinery over fd bit sets (the signal-mask argument is not
/// applied).
pub fn pselect6(count: u64, read_set: u64, write_set: u64, except_set: u64, timeout: u64, _mask: u64) -> SyscallResult {
    const MAX_SELECT_FDS: u64 = 1024;
    if count > MAX_SELECT_FDS {
        return Err(Errno::EINVAL);
    }
    let words = count.div_ceil(64) as usize;
    let read_bits = |address: u64| -> Result<Vec<u64>, Errno> {
        let mut bits = vec![0u64; words];
        for (index, word) in bits.iter_mut().enumerate() {
            if address != 0 {
                *word = read_value(address + 8 * index as u64)?;
            }
        }
        Ok(bits)
    };
    let (wanted_read, wanted_write) = (read_bits(read_set)?, read_bits(write_set)?);
    let deadline = if timeout == 0 { None } else { Some(crate::clock::monotonic_nanos().saturating_add(crate::uaccess::read_timespec(timeout)?)) };
    loop {
        let (mut ready_read, mut ready_write) = (vec![0u64; words], vec![0u64; words]);
        let mut ready = 0;
        for fd in 0..count {
            let (word, bit) = ((fd / 64) as usize, 1u64 << (fd % 64));
            if (wanted_read[word] | wanted_write[word]) & bit == 0 {
                continue;
            }
            let readiness = file(fd)?.ops().readiness();
            if wanted_read[word] & bit != 0 && (readiness.readable || readiness.hung_up) {
                ready_read[word] |= bit;
                ready += 1;
            }
            if wanted_write[word] & bit != 0 && readiness.writable {
                ready_write[word] |= bit;
                ready += 1;
            }
        }
        let timed_out = deadline.is_some_and(|deadline| crate::clock::monotonic_nanos() >= deadline);
        if ready > 0 || timed_out {
            for (address, bits) in [(read_set, &ready_read), (write_set, &ready_write), (except_set, &vec![0u64; words])] {
                if address != 0 {
                    for (index, word) in bits.iter().enumerate() {
                        write_value(address + 8 * index as u64, word)?;
                    }
                }
            }
            return Ok(ready);
        }
        crate::sched::sleep_micros_interruptible(POLL_RECHECK_MICROS).map_err(|_| Errno::EINTR)?;
    }
}
