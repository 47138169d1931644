//! `sendfile(out_fd, in_fd, offset, count)`: copies up to `count` bytes
//! from a regular file to any writable descriptor without passing them
//! through user memory (busybox `cat` uses it). With `offset` non-null it
//! reads from `*offset` and stores the new offset there, leaving the
//! file's position alone; otherwise it reads from the position and moves
//! it by what was written.

use super::{current_user, SyscallResult};
use crate::file::{FileKind, OpenFile};
use crate::uaccess::{read_value, write_value};
use alloc::vec;
use protocol::linux_abi::Errno;

/// Bytes moved per step.
const CHUNK_BYTES: usize = 64 * 1024;
/// Most bytes one call moves (Linux's `MAX_RW_COUNT`: `INT_MAX` rounded
/// down to a page).
const MAX_BYTES: u64 = 0x7fff_f000;
/// `lseek`'s `SEEK_CUR`.
const SEEK_CUR: u64 = 1;

pub fn sendfile(out_fd: u64, in_fd: u64, offset_address: u64, count: u64) -> SyscallResult {
    let user = current_user()?;
    let (output, input) = {
        let files = user.process.files.lock();
        (files.get(out_fd)?, files.get(in_fd)?)
    };
    drop(user);
    // Linux reads only from files it could map: not pipes, sockets, terminals.
    if input.ops().kind() != FileKind::Regular {
        return Err(Errno::EINVAL);
    }
    let mut offset = match offset_address {
        0 => None,
        address => Some(u64::try_from(read_value::<i64>(address)?).map_err(|_| Errno::EINVAL)?),
    };
    let wanted = count.min(MAX_BYTES);
    let mut chunk = vec![0u8; (wanted as usize).min(CHUNK_BYTES)];
    let mut sent = 0u64;
    while sent < wanted {
        let step = ((wanted - sent) as usize).min(CHUNK_BYTES);
        let read = match offset {
            Some(at) => input.ops().read_at(at, &mut chunk[..step]),
            None => input.ops().read(&mut chunk[..step]),
        };
        let read = match read {
            Ok(0) => break,
            Ok(read) => read,
            Err(error) if sent == 0 => return Err(error),
            Err(_) => break,
        };
        let written = match write_all_or_some(&output, &chunk[..read]) {
            Ok(written) => written,
            Err(error) => {
                unread(&input, offset, read as u64);
                if sent == 0 {
                    return Err(error);
                }
                break;
            }
        };
        if written < read {
            unread(&input, offset, (read - written) as u64);
        }
        sent += written as u64;
        if let Some(at) = offset.as_mut() {
            *at += written as u64;
        }
        if written < read {
            break;
        }
    }
    if let Some(at) = offset {
        write_value(offset_address, &(at as i64))?;
    }
    Ok(sent)
}

/// Writes `bytes` to `output` until all are taken or a write takes none.
fn write_all_or_some(output: &OpenFile, bytes: &[u8]) -> Result<usize, Errno> {
    let mut written = 0;
    while written < bytes.len() {
        match output.ops().write(&bytes[written..]) {
            Ok(0) => break,
            Ok(taken) => written += taken,
            Err(Errno::EPIPE) => {
                let user = current_user()?;
                let info = crate::process::signal::SignalInfo {
                    signal: crate::process::signal::SIGPIPE,
                    code: 0,
                    address: 0,
                    sender_pid: user.process.pid(),
                };
                crate::process::signal::send_to_thread(&user, info);
                return if written > 0 {
                    Ok(written)
                } else {
                    Err(Errno::EPIPE)
                };
            }
            Err(error) => return if written > 0 { Ok(written) } else { Err(error) },
        }
    }
    Ok(written)
}

/// Gives back `bytes` read from the position but not written (an explicit
/// offset was never moved).
fn unread(input: &OpenFile, offset: Option<u64>, bytes: u64) {
    if offset.is_none() {
        let _ = input.ops().seek(-(bytes as i64), SEEK_CUR);
    }
}
