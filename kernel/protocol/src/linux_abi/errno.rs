//! Error numbers. A system call returns `-errno` in RAX.

/// An error number (positive, as in `errno`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Errno(pub i32);

impl Errno {
    /// Operation not permitted.
    pub const EPERM: Errno = Errno(1);
    /// No such file or directory.
    pub const ENOENT: Errno = Errno(2);
    /// No such process.
    pub const ESRCH: Errno = Errno(3);
    /// Interrupted system call.
    pub const EINTR: Errno = Errno(4);
    /// I/O error.
    pub const EIO: Errno = Errno(5);
    /// No such device or address (`/dev/tty` without a controlling terminal).
    pub const ENXIO: Errno = Errno(6);
    /// Argument list too long.
    pub const E2BIG: Errno = Errno(7);
    /// Exec format error.
    pub const ENOEXEC: Errno = Errno(8);
    /// Bad file descriptor.
    pub const EBADF: Errno = Errno(9);
    /// No child processes.
    pub const ECHILD: Errno = Errno(10);
    /// Try again.
    pub const EAGAIN: Errno = Errno(11);
    /// Out of memory.
    pub const ENOMEM: Errno = Errno(12);
    /// Permission denied.
    pub const EACCES: Errno = Errno(13);
    /// Bad address.
    pub const EFAULT: Errno = Errno(14);
    /// Device or resource busy.
    pub const EBUSY: Errno = Errno(16);
    /// File exists.
    pub const EEXIST: Errno = Errno(17);
    /// No such device (for example no mmap for this file).
    pub const ENODEV: Errno = Errno(19);
    /// Not a directory.
    pub const ENOTDIR: Errno = Errno(20);
    /// Is a directory.
    pub const EISDIR: Errno = Errno(21);
    /// Invalid argument.
    pub const EINVAL: Errno = Errno(22);
    /// Too many open files.
    pub const EMFILE: Errno = Errno(24);
    /// Not a typewriter (no terminal ioctl here).
    pub const ENOTTY: Errno = Errno(25);
    /// File too large.
    pub const EFBIG: Errno = Errno(27);
    /// No space left on device.
    pub const ENOSPC: Errno = Errno(28);
    /// Directory not empty.
    pub const ENOTEMPTY: Errno = Errno(39);
    /// Too many symbolic links.
    pub const ELOOP: Errno = Errno(40);
    /// Operation not supported.
    pub const EOPNOTSUPP: Errno = Errno(95);
    /// Cross-device link.
    pub const EXDEV: Errno = Errno(18);
    /// Read-only file system.
    pub const EROFS: Errno = Errno(30);
    /// Illegal seek.
    pub const ESPIPE: Errno = Errno(29);
    /// Broken pipe.
    pub const EPIPE: Errno = Errno(32);
    /// Result out of range.
    pub const ERANGE: Errno = Errno(34);
    /// File name too long.
    pub const ENAMETOOLONG: Errno = Errno(36);
    /// Function not implemented.
    pub const ENOSYS: Errno = Errno(38);
    /// Operation timed out.
    pub const ETIMEDOUT: Errno = Errno(110);
    /// Socket operation on a file that is not a socket.
    pub const ENOTSOCK: Errno = Errno(88);
    /// Message too long for the socket.
    pub const EMSGSIZE: Errno = Errno(90);
    /// Protocol not supported.
    pub const EPROTONOSUPPORT: Errno = Errno(93);
    /// Socket type not supported.
    pub const ESOCKTNOSUPPORT: Errno = Errno(94);
    /// Address family not supported.
    pub const EAFNOSUPPORT: Errno = Errno(97);
    /// The socket is already connected.
    pub const EISCONN: Errno = Errno(106);
    /// Connection refused.
    pub const ECONNREFUSED: Errno = Errno(111);

    /// Kernel-internal (never seen by programs): the call was interrupted
    /// by a signal and is restarted unless a handler without SA_RESTART
    /// runs, which turns it into EINTR (Linux's ERESTARTSYS).
    pub const ERESTARTSYS: Errno = Errno(512);

    /// What a system call puts in RAX for this error: `-errno`.
    pub const fn as_return_value(self) -> u64 {
        (-(self.0 as i64)) as u64
    }
}

/// No such system call (as a plain number, for the entry path's default).
pub const ENOSYS: i64 = Errno::ENOSYS.0 as i64;
