//! Socket calls on connected Unix socket pairs: `socketpair`, `sendto`,
//! `recvfrom`, `sendmsg`, `recvmsg`, `shutdown` (`file::SocketEnd` does
//! the work). There is no socket namespace: `socket`, `bind`, `connect`
//! are not provided, so a destination address on a send is `EISCONN`,
//! and the peer of a pair is unnamed (`AF_UNIX` with an empty path).
//! Passing descriptors or credentials (control messages) is not
//! supported and fails with `EOPNOTSUPP`.

use super::{current_user, SyscallResult};
use crate::file::{new_socket_pair, OpenFile, ReceiveOptions, SocketEnd, SocketType, O_CLOEXEC, SOCKET_BUFFER_BYTES};
use crate::uaccess::{copy_from_user, copy_to_user, read_value, write_value, UserPod};
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;
use protocol::linux_abi::socket::*;
use protocol::linux_abi::Errno;

// SAFETY: `MessageHeader` is `repr(C)` plain integers, valid for any bytes.
unsafe impl UserPod for MessageHeader {}

/// Most `iovec`s one message takes (Linux's `UIO_MAXIOV`).
const MAX_IOVECS: u64 = 1024;
/// `sizeof(sa_family_t)`: the address length of an unnamed Unix socket.
const UNNAMED_ADDRESS_LENGTH: u32 = 2;

/// The open file at `fd` and the socket behind it (`ENOTSOCK` otherwise).
fn socket_file(fd: u64) -> Result<Arc<OpenFile>, Errno> {
    let file = current_user()?.process.files.lock().get(fd)?;
    if file.ops().socket().is_none() {
        return Err(Errno::ENOTSOCK);
    }
    Ok(file)
}

fn socket_of(file: &OpenFile) -> &SocketEnd {
    file.ops().socket().expect("checked by socket_file")
}

/// How many of `length` bytes one send takes in: a record must fit the
/// socket's buffer whole (`EMSGSIZE`); a stream send may be partial.
fn send_length(file: &OpenFile, length: usize) -> Result<usize, Errno> {
    if length <= SOCKET_BUFFER_BYTES {
        Ok(length)
    } else if socket_of(file).socket_type() == SocketType::Stream {
        Ok(SOCKET_BUFFER_BYTES)
    } else {
        Err(Errno::EMSGSIZE)
    }
}

pub fn socketpair(domain: u64, type_and_flags: u64, protocol: u64, address: u64) -> SyscallResult {
    if domain != AF_UNIX {
        return Err(Errno::EAFNOSUPPORT);
    }
    if type_and_flags & !(SOCK_TYPE_MASK | SOCK_NONBLOCK | SOCK_CLOEXEC) != 0 {
        return Err(Errno::EINVAL);
    }
    let socket_type = SocketType::from_linux(type_and_flags & SOCK_TYPE_MASK).ok_or(Errno::ESOCKTNOSUPPORT)?;
    if protocol != 0 && protocol != AF_UNIX {
        return Err(Errno::EPROTONOSUPPORT);
    }
    let (first, second) = new_socket_pair(socket_type);
    debug_assert_eq!(SOCK_CLOEXEC, O_CLOEXEC);
    super::io::install_pair([OpenFile::new(first), OpenFile::new(second)], type_and_flags & SOCK_NONBLOCK != 0, type_and_flags & SOCK_CLOEXEC != 0, address)
}

/// Sends `bytes` on `file` with `flags`; EPIPE also raises SIGPIPE unless
/// `MSG_NOSIGNAL`.
fn send_bytes(file: &OpenFile, bytes: &[u8], flags: u64) -> SyscallResult {
    if flags & MSG_OOB != 0 {
        return Err(Errno::EOPNOTSUPP);
    }
    let nonblocking = file.is_nonblocking() || flags & MSG_DONTWAIT != 0;
    match socket_of(file).send(bytes, nonblocking) {
        Ok(sent) => Ok(sent as u64),
        Err(Errno::EPIPE) if flags & MSG_NOSIGNAL == 0 => {
            super::io::raise_sigpipe()?;
            Err(Errno::EPIPE)
        }
        Err(error) => Err(error),
    }
}

/// Receives into a kernel buffer of `length` bytes; returns the buffer cut
/// to what was copied and the record's full length.
fn receive_bytes(file: &OpenFile, length: usize, flags: u64) -> Result<(Vec<u8>, usize), Errno> {
    if flags & MSG_OOB != 0 {
        return Err(Errno::EOPNOTSUPP);
    }
    let socket = socket_of(file);
    let options = ReceiveOptions { nonblocking: file.is_nonblocking() || flags & MSG_DONTWAIT != 0, peek: flags & MSG_PEEK != 0 };
    let mut buffer = vec![0u8; length];
    let mut received = socket.receive(&mut buffer, options)?;
    let wait_for_all = flags & MSG_WAITALL != 0 && socket.socket_type() == SocketType::Stream && !options.peek;
    while wait_for_all && received.copied > 0 && received.copied < length {
        match socket.receive(&mut buffer[received.copied..], options) {
            Ok(more) if more.copied > 0 => {
                received.copied += more.copied;
                received.full_length += more.full_length;
            }
            // End of stream, or a signal: return what arrived.
            _ => break,
        }
    }
    buffer.truncate(received.copied);
    Ok((buffer, received.full_length))
}

/// Reports the unnamed peer address: `sa_family = AF_UNIX`, length 2.
fn write_peer_address(address: u64, length_address: u64) -> Result<(), Errno> {
    if address == 0 || length_address == 0 {
        return Ok(());
    }
    let room: u32 = read_value(length_address)?;
    if room >= UNNAMED_ADDRESS_LENGTH {
        write_value(address, &(AF_UNIX as u16))?;
    }
    write_value(length_address, &UNNAMED_ADDRESS_LENGTH)
}

pub fn sendto(fd: u64, buffer: u64, length: u64, flags: u64, address: u64, _address_length: u64) -> SyscallResult {
    let file = socket_file(fd)?;
    if address != 0 {
        return Err(Errno::EISCONN);
    }
    let length = send_length(&file, usize::try_from(length).map_err(|_| Errno::EINVAL)?)?;
    let mut bytes = vec![0u8; length];
    copy_from_user(&mut bytes, buffer)?;
    send_bytes(&file, &bytes, flags)
}

pub fn recvfrom(fd: u64, buffer: u64, length: u64, flags: u64, address: u64, address_length: u64) -> SyscallResult {
    let file = socket_file(fd)?;
    let length = usize::try_from(length).map_err(|_| Errno::EINVAL)?.min(SOCKET_BUFFER_BYTES);
    if !crate::uaccess::is_user_range(buffer, length as u64) {
        return Err(Errno::EFAULT);
    }
    let (bytes, full_length) = receive_bytes(&file, length, flags)?;
    copy_to_user(buffer, &bytes)?;
    write_peer_address(address, address_length)?;
    Ok(if flags & MSG_TRUNC != 0 { full_length } else { bytes.len() } as u64)
}

/// The `iovec`s of a message: (base, length) each.
fn iovecs(header: &MessageHeader) -> Result<Vec<(u64, usize)>, Errno> {
    if header.iov_length > MAX_IOVECS {
        return Err(Errno::EMSGSIZE);
    }
    let mut total = 0usize;
    let mut vectors = Vec::with_capacity(header.iov_length as usize);
    for index in 0..header.iov_length {
        let entry: [u64; 2] = read_value(header.iov.checked_add(16 * index).ok_or(Errno::EFAULT)?)?;
        let length = usize::try_from(entry[1]).ok().filter(|&length| length <= isize::MAX as usize).ok_or(Errno::EINVAL)?;
        total = total.checked_add(length).ok_or(Errno::EINVAL)?;
        vectors.push((entry[0], length));
    }
    Ok(vectors)
}

pub fn sendmsg(fd: u64, header_address: u64, flags: u64) -> SyscallResult {
    let file = socket_file(fd)?;
    let header: MessageHeader = read_value(header_address)?;
    if header.name != 0 {
        return Err(Errno::EISCONN);
    }
    if header.control_length != 0 {
        return Err(Errno::EOPNOTSUPP);
    }
    let vectors = iovecs(&header)?;
    let total = send_length(&file, vectors.iter().map(|&(_, length)| length).sum())?;
    let mut bytes = Vec::with_capacity(total);
    for (base, length) in vectors {
        let room = total - bytes.len();
        let start = bytes.len();
        bytes.resize(start + length.min(room), 0);
        copy_from_user(&mut bytes[start..], base)?;
    }
    send_bytes(&file, &bytes, flags)
}

pub fn recvmsg(fd: u64, header_address: u64, flags: u64) -> SyscallResult {
    let file = socket_file(fd)?;
    let mut header: MessageHeader = read_value(header_address)?;
    let vectors = iovecs(&header)?;
    for &(base, length) in &vectors {
        if !crate::uaccess::is_user_range(base, length as u64) {
            return Err(Errno::EFAULT);
        }
    }
    let capacity = vectors.iter().map(|&(_, length)| length).sum::<usize>().min(SOCKET_BUFFER_BYTES);
    let (bytes, full_length) = receive_bytes(&file, capacity, flags & !MSG_CMSG_CLOEXEC)?;
    let mut rest = &bytes[..];
    for (base, length) in vectors {
        if rest.is_empty() {
            break;
        }
        let count = length.min(rest.len());
        copy_to_user(base, &rest[..count])?;
        rest = &rest[count..];
    }
    if header.name != 0 {
        if header.name_length >= UNNAMED_ADDRESS_LENGTH {
            write_value(header.name, &(AF_UNIX as u16))?;
        }
        header.name_length = UNNAMED_ADDRESS_LENGTH;
    }
    header.control_length = 0;
    header.flags = if full_length > bytes.len() { MSG_TRUNC as i32 } else { 0 };
    write_value(header_address, &header)?;
    Ok(if flags & MSG_TRUNC != 0 { full_length } else { bytes.len() } as u64)
}

pub fn shutdown(fd: u64, how: u64) -> SyscallResult {
    let file = socket_file(fd)?;
    let (read, write) = match how {
        SHUT_RD => (true, false),
        SHUT_WR => (false, true),
        SHUT_RDWR => (true, true),
        _ => return Err(Errno::EINVAL),
    };
    socket_of(&file).shutdown(read, write);
    Ok(0)
}
