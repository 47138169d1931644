//! System calls from ring 3, Linux x86_64 ABI: number in RAX, arguments in
//! RDI, RSI, RDX, R10, R8, R9, result (or a negative errno) in RAX. The
//! entry path is `arch::syscall` (through the PCR); this is the dispatcher.
//! Handlers live by subject in the files beside this one and return
//! `Result<u64, Errno>`. Anything not implemented returns `-ENOSYS` and is
//! counted (per number), never a panic.

mod advice;
mod affinity;
mod fs;
mod groups;
mod io;
mod memory;
mod process;
mod sendfile;
mod signal;
mod socket;
mod statfs;
mod syslog;
mod time;
mod xattr;

use arch::interrupt_frame::InterruptFrame;
use core::sync::atomic::{AtomicU64, Ordering};
use protocol::linux_abi::*;

/// System calls handled, and those that returned `-ENOSYS`.
static CALLS: AtomicU64 = AtomicU64::new(0);
static UNIMPLEMENTED_CALLS: AtomicU64 = AtomicU64::new(0);
/// The last unimplemented number seen (for the console line below).
const REPORTED_UNIMPLEMENTED_LIMIT: u64 = 16;

/// The six argument registers.
#[derive(Clone, Copy, Debug)]
pub struct Arguments(pub [u64; 6]);

/// What a handler returns: the value for RAX, or an error number.
pub type SyscallResult = Result<u64, Errno>;

/// `AT_FDCWD` as a register value.
const AT_FDCWD: u64 = -100i64 as u64;

/// `SIGCHLD`, the exit signal of `fork` and `vfork` children.
const SIGCHLD: u64 = 17;

/// Registers the dispatcher with the entry path, and the work before every
/// return to ring 3 with the interrupt path (once, at boot).
pub fn init() {
    arch::syscall::register_handler(dispatch);
    arch::idt::register_user_return_hook(crate::process::return_to_user_work);
}

/// How many system calls were made so far.
pub fn calls() -> u64 {
    CALLS.load(Ordering::Relaxed)
}

/// How many system calls returned `-ENOSYS` so far.
pub fn unimplemented_calls() -> u64 {
    UNIMPLEMENTED_CALLS.load(Ordering::Relaxed)
}

/// Runs one system call with interrupts on (so the thread may be preempted
/// and migrate meanwhile: its frame is on its own kernel stack), and
/// returns with them off, as the entry path needs.
fn dispatch(frame: &mut InterruptFrame) {
    arch::cpu::enable_interrupts();
    CALLS.fetch_add(1, Ordering::Relaxed);
    let arguments = Arguments([frame.rdi, frame.rsi, frame.rdx, frame.r10, frame.r8, frame.r9]);
    let number = frame.rax;
    crate::flight_recorder::syscall_enter(number, &arguments.0);
    let result = call(number, arguments, frame);
    frame.rax = match result {
        Ok(value) => value,
        Err(Errno::ERESTARTSYS) => {
            if let Some(user) = crate::process::current() {
                user.restart_number.store(number, Ordering::Relaxed);
            }
            Errno::ERESTARTSYS.as_return_value()
        }
        Err(errno) => errno.as_return_value(),
    };
    crate::flight_recorder::syscall_exit(number, frame.rax);
    crate::process::return_to_user_work(frame);
    arch::cpu::disable_interrupts();
}

fn call(number: u64, a: Arguments, frame: &mut InterruptFrame) -> SyscallResult {
    let [a0, a1, a2, a3, a4, a5] = a.0;
    match number {
        SYS_READ => io::read(a0, a1, a2),
        SYS_WRITE => io::write(a0, a1, a2),
        SYS_READV => io::readv(a0, a1, a2),
        SYS_WRITEV => io::writev(a0, a1, a2),
        SYS_CLOSE => io::close(a0),
        SYS_IOCTL => io::ioctl(a0, a1, a2),
        SYS_POLL => io::poll(a0, a1, a2 as i32 as i64),
        SYS_PPOLL => io::ppoll(a0, a1, a2),
        SYS_FCNTL => io::fcntl(a0, a1, a2),
        SYS_DUP => io::dup(a0),
        SYS_DUP2 => io::dup3(a0, a1, 0, true),
        SYS_DUP3 => io::dup3(a0, a1, a2, false),
        SYS_LSEEK => io::lseek(a0, a1, a2),
        SYS_OPEN => fs::openat(AT_FDCWD, a0, a1, a2),
        SYS_CREAT => fs::openat(AT_FDCWD, a0, 0o1 | 0o100 | 0o1000, a1),
        SYS_OPENAT => fs::openat(a0, a1, a2, a3),
        SYS_PIPE => io::pipe2(a0, 0),
        SYS_PIPE2 => io::pipe2(a0, a1),
        SYS_SOCKETPAIR => socket::socketpair(a0, a1, a2, a3),
        SYS_SENDTO => socket::sendto(a0, a1, a2, a3, a4, a5),
        SYS_RECVFROM => socket::recvfrom(a0, a1, a2, a3, a4, a5),
        SYS_SENDMSG => socket::sendmsg(a0, a1, a2),
        SYS_RECVMSG => socket::recvmsg(a0, a1, a2),
        SYS_SHUTDOWN => socket::shutdown(a0, a1),
        SYS_FSTAT => fs::fstat(a0, a1),
        SYS_STAT => fs::stat(a0, a1, true),
        SYS_LSTAT => fs::stat(a0, a1, false),
        SYS_NEWFSTATAT => fs::newfstatat(a0, a1, a2, a3),
        SYS_STATX => fs::statx(a0, a1, a2, a3, a4),
        SYS_GETDENTS64 => fs::getdents64(a0, a1, a2),
        SYS_MKDIR => fs::mkdirat(AT_FDCWD, a0, a1),
        SYS_MKDIRAT => fs::mkdirat(a0, a1, a2),
        SYS_UNLINK => fs::unlinkat(AT_FDCWD, a0, 0),
        SYS_RMDIR => fs::unlinkat(AT_FDCWD, a0, 0x200),
        SYS_UNLINKAT => fs::unlinkat(a0, a1, a2),
        SYS_RENAME => fs::renameat2(AT_FDCWD, a0, AT_FDCWD, a1, 0),
        SYS_RENAMEAT => fs::renameat2(a0, a1, a2, a3, 0),
        SYS_RENAMEAT2 => fs::renameat2(a0, a1, a2, a3, a4),
        SYS_SYMLINK => fs::symlinkat(a0, AT_FDCWD, a1),
        SYS_SYMLINKAT => fs::symlinkat(a0, a1, a2),
        SYS_READLINK => fs::readlinkat(AT_FDCWD, a0, a1, a2),
        SYS_READLINKAT => fs::readlinkat(a0, a1, a2, a3),
        SYS_ACCESS => fs::faccessat(AT_FDCWD, a0, a1),
        SYS_FACCESSAT | SYS_FACCESSAT2 => fs::faccessat(a0, a1, a2),
        SYS_CHDIR => fs::chdir(a0),
        SYS_FCHDIR => fs::fchdir(a0),
        SYS_GETCWD => fs::getcwd(a0, a1),
        SYS_UMASK => fs::umask(a0),
        SYS_FTRUNCATE => fs::ftruncate(a0, a1),
        SYS_TRUNCATE => fs::truncate(a0, a1),
        SYS_PREAD64 => fs::pread64(a0, a1, a2, a3),
        SYS_PWRITE64 => fs::pwrite64(a0, a1, a2, a3),
        SYS_UTIMENSAT => fs::utimensat(a0, a1, a2, a3),
        SYS_CHMOD => fs::fchmodat(AT_FDCWD, a0, a1, 0),
        SYS_FCHMOD => fs::fchmodat(a0, 0, a1, 0),
        SYS_FCHMODAT => fs::fchmodat(a0, a1, a2, 0),
        SYS_CHOWN => fs::fchownat(AT_FDCWD, a0, a1, a2, 0),
        SYS_LCHOWN => fs::fchownat(AT_FDCWD, a0, a1, a2, 0x100),
        SYS_FCHOWN => fs::fchownat(a0, 0, a1, a2, 0),
        SYS_FCHOWNAT => fs::fchownat(a0, a1, a2, a3, a4),
        SYS_SET_ROBUST_LIST => process::set_robust_list(a0, a1),
        SYS_WAITID => crate::process::waitid(a0, a1, a2, a3),
        SYS_RT_SIGSUSPEND => crate::process::signal::sigsuspend(a0, a1),
        SYS_PSELECT6 => io::pselect6(a0, a1, a2, a3, a4, a5),
        SYS_MMAP => memory::mmap(a0, a1, a2, a3, a4, a5),
        SYS_MUNMAP => memory::munmap(a0, a1),
        SYS_MPROTECT => memory::mprotect(a0, a1, a2),
        SYS_BRK => memory::brk(a0),
        SYS_MADVISE => memory::madvise(a0, a1, a2),
        SYS_RT_SIGACTION => signal::rt_sigaction(a0, a1, a2, a3),
        SYS_RT_SIGPROCMASK => signal::rt_sigprocmask(a0, a1, a2, a3),
        SYS_SIGALTSTACK => signal::sigaltstack(a0, a1),
        SYS_CLOCK_GETTIME => time::clock_gettime(a0, a1),
        SYS_CLOCK_GETRES => time::clock_getres(a0, a1),
        SYS_GETTIMEOFDAY => time::gettimeofday(a0),
        SYS_TIME => time::time(a0),
        SYS_PRCTL => process::prctl(a0, a1),
        SYS_NANOSLEEP => time::nanosleep(a0, a1),
        SYS_CLOCK_NANOSLEEP => time::clock_nanosleep(a0, a1, a2, a3),
        SYS_GETPID => process::getpid(),
        SYS_GETTID => Ok(u64::from(crate::sched::current_thread_id())),
        SYS_GETPPID => process::getppid(),
        SYS_GETPGID => process::getpgid(a0),
        SYS_GETPGRP => process::getpgid(0),
        SYS_SETPGID => process::setpgid(a0, a1),
        SYS_GETSID => process::getsid(a0),
        SYS_SETSID => process::setsid(),
        SYS_SYSINFO => process::sysinfo(a0),
        SYS_GETUID | SYS_GETEUID | SYS_GETGID | SYS_GETEGID => Ok(0),
        SYS_SCHED_YIELD => {
            crate::sched::yield_now();
            Ok(0)
        }
        SYS_EXIT => crate::process::exit_current(a0),
        SYS_EXIT_GROUP => crate::process::exit_group(a0),
        SYS_CLONE => crate::process::clone(crate::process::CloneRequest { flags: a0, stack: a1, parent_tid: a2, child_tid: a3, tls: a4 }, frame),
        SYS_FORK => crate::process::clone(crate::process::CloneRequest { flags: SIGCHLD, stack: 0, parent_tid: 0, child_tid: 0, tls: 0 }, frame),
        SYS_VFORK => {
            let flags = crate::process::CLONE_VM | crate::process::CLONE_VFORK | SIGCHLD;
            crate::process::clone(crate::process::CloneRequest { flags, stack: 0, parent_tid: 0, child_tid: 0, tls: 0 }, frame)
        }
        SYS_EXECVE => crate::process::execve(a0, a1, a2, frame),
        SYS_WAIT4 => crate::process::wait4(a0, a1, a2, a3),
        SYS_RT_SIGRETURN => crate::process::signal::sigreturn(frame),
        SYS_KILL => crate::process::signal::kill(a0, a1),
        SYS_TGKILL => crate::process::signal::tgkill(a0, a1, a2),
        SYS_TKILL => crate::process::signal::tgkill(0, a0, a1),
        SYS_FUTEX => crate::process::futex(a0, a1, a2, a3, a4, a5),
        SYS_SET_TID_ADDRESS => process::set_tid_address(a0),
        SYS_ARCH_PRCTL => process::arch_prctl(a0, a1),
        SYS_UNAME => process::uname(a0),
        SYS_GETRANDOM => process::getrandom(a0, a1, a2),
        SYS_SCHED_GETAFFINITY => affinity::sched_getaffinity(a0, a1, a2),
        SYS_SCHED_SETAFFINITY => affinity::sched_setaffinity(a0, a1, a2),
        SYS_GETCPU => process::getcpu(a0, a1),
        SYS_PRLIMIT64 => process::prlimit64(a0, a1, a2, a3),
        SYS_GETRLIMIT => process::prlimit64(0, a0, 0, a1),
        SYS_SETRLIMIT => process::prlimit64(0, a0, a1, 0),
        SYS_REBOOT => process::reboot(a0, a1, a2, a3),
        SYS_SENDFILE => sendfile::sendfile(a0, a1, a2, a3),
        SYS_GETGROUPS => groups::getgroups(a0, a1),
        SYS_FADVISE64 => advice::fadvise64(a0, a1, a2, a3),
        SYS_STATFS => statfs::statfs(a0, a1),
        SYS_FSTATFS => statfs::fstatfs(a0, a1),
        SYS_LISTXATTR => xattr::list(xattr::Target::Path { address: a0, follow: true }),
        SYS_LLISTXATTR => xattr::list(xattr::Target::Path { address: a0, follow: false }),
        SYS_FLISTXATTR => xattr::list(xattr::Target::Descriptor(a0)),
        SYS_GETXATTR | SYS_SETXATTR | SYS_REMOVEXATTR => xattr::unsupported(xattr::Target::Path { address: a0, follow: true }, a1),
        SYS_LGETXATTR | SYS_LSETXATTR | SYS_LREMOVEXATTR => xattr::unsupported(xattr::Target::Path { address: a0, follow: false }, a1),
        SYS_FGETXATTR | SYS_FSETXATTR | SYS_FREMOVEXATTR => xattr::unsupported(xattr::Target::Descriptor(a0), a1),
        SYS_SYSLOG => syslog::syslog(a0, a1, a2),
        SYS_SYNC => Ok(0), // every filesystem is in memory: nothing to write back
        _ => unimplemented(number, frame),
    }
}

fn unimplemented(number: u64, frame: &InterruptFrame) -> SyscallResult {
    let count = UNIMPLEMENTED_CALLS.fetch_add(1, Ordering::Relaxed);
    if count < REPORTED_UNIMPLEMENTED_LIMIT && crate::process::current().is_some() {
        crate::kprintln!(
            "syscall: thread {} called unimplemented system call {} at rip {:#x}; returned ENOSYS",
            crate::sched::current_thread_id(),
            number,
            frame.rcx
        );
    }
    Err(Errno::ENOSYS)
}

/// The calling thread's process, or `EPERM` for a bare kernel-test thread.
fn current_user() -> Result<alloc::sync::Arc<crate::process::UserThread>, Errno> {
    crate::process::current().ok_or(Errno::EPERM)
}
