//! Sockets: `socketpair` domains, types and flags, `send`/`recv` flags,
//! `shutdown` modes and `struct msghdr` (`sys/socket.h`).

/// `AF_UNIX` (also `PF_UNIX`, the only protocol value it takes besides 0).
pub const AF_UNIX: u64 = 1;
/// The type's low bits; the rest are flags.
pub const SOCK_TYPE_MASK: u64 = 0xf;
/// `SOCK_NONBLOCK` (= `O_NONBLOCK`).
pub const SOCK_NONBLOCK: u64 = 0o4000;
/// `SOCK_CLOEXEC` (= `O_CLOEXEC`).
pub const SOCK_CLOEXEC: u64 = 0o2000000;

/// Out-of-band data (not for Unix sockets).
pub const MSG_OOB: u64 = 0x1;
/// Leave the data queued.
pub const MSG_PEEK: u64 = 0x2;
/// Receive: return a record's full length; reported in `msg_flags` when cut.
pub const MSG_TRUNC: u64 = 0x20;
/// Do not wait.
pub const MSG_DONTWAIT: u64 = 0x40;
/// End of record (implied for record types).
pub const MSG_EOR: u64 = 0x80;
/// Receive: wait for the whole buffer (streams).
pub const MSG_WAITALL: u64 = 0x100;
/// Send: no SIGPIPE, only EPIPE.
pub const MSG_NOSIGNAL: u64 = 0x4000;
/// Send: more data follows (a hint).
pub const MSG_MORE: u64 = 0x8000;
/// Receive: close-on-exec for received descriptors (none are passed here).
pub const MSG_CMSG_CLOEXEC: u64 = 0x4000_0000;

/// `shutdown` modes.
pub const SHUT_RD: u64 = 0;
pub const SHUT_WR: u64 = 1;
pub const SHUT_RDWR: u64 = 2;

/// `struct msghdr` (56 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct MessageHeader {
    pub name: u64,
    pub name_length: u32,
    pub padding0: u32,
    pub iov: u64,
    pub iov_length: u64,
    pub control: u64,
    pub control_length: u64,
    pub flags: i32,
    pub padding1: u32,
}

const _: () = assert!(core::mem::size_of::<MessageHeader>() == 56);
