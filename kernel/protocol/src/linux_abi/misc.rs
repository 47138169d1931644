//! Small constants of individual calls.

/// `arch_prctl`: set the GS base.
pub const ARCH_SET_GS: u64 = 0x1001;
/// `arch_prctl`: set the FS base.
pub const ARCH_SET_FS: u64 = 0x1002;
/// `arch_prctl`: read the FS base.
pub const ARCH_GET_FS: u64 = 0x1003;
/// `arch_prctl`: read the GS base.
pub const ARCH_GET_GS: u64 = 0x1004;

/// Clock ids (`clock_gettime`).
pub const CLOCK_REALTIME: u64 = 0;
pub const CLOCK_MONOTONIC: u64 = 1;
pub const CLOCK_PROCESS_CPUTIME_ID: u64 = 2;
pub const CLOCK_THREAD_CPUTIME_ID: u64 = 3;
pub const CLOCK_MONOTONIC_RAW: u64 = 4;
pub const CLOCK_REALTIME_COARSE: u64 = 5;
pub const CLOCK_MONOTONIC_COARSE: u64 = 6;
pub const CLOCK_BOOTTIME: u64 = 7;
/// `clock_nanosleep`: the time is absolute.
pub const TIMER_ABSTIME: u64 = 1;

/// `poll` events.
pub const POLLIN: i16 = 0x001;
pub const POLLPRI: i16 = 0x002;
pub const POLLOUT: i16 = 0x004;
pub const POLLERR: i16 = 0x008;
pub const POLLHUP: i16 = 0x010;
pub const POLLNVAL: i16 = 0x020;

/// `fcntl` commands.
pub const F_DUPFD: u64 = 0;
pub const F_GETFD: u64 = 1;
pub const F_SETFD: u64 = 2;
pub const F_GETFL: u64 = 3;
pub const F_SETFL: u64 = 4;
pub const F_DUPFD_CLOEXEC: u64 = 1030;
/// The close-on-exec descriptor flag.
pub const FD_CLOEXEC: u64 = 1;

/// `reboot` magic numbers and the power-off command.
pub const LINUX_REBOOT_MAGIC1: u64 = 0xfee1_dead;
pub const LINUX_REBOOT_MAGIC2: u64 = 672_274_793;
pub const LINUX_REBOOT_CMD_POWER_OFF: u64 = 0x4321_fedc;
pub const LINUX_REBOOT_CMD_RESTART: u64 = 0x0123_4567;
pub const LINUX_REBOOT_CMD_HALT: u64 = 0xcdef_0123;

/// Resource numbers (`prlimit64`).
pub const RLIMIT_STACK: u64 = 3;
pub const RLIMIT_NPROC: u64 = 6;
pub const RLIMIT_NOFILE: u64 = 7;
pub const RLIMIT_AS: u64 = 9;
/// "No limit".
pub const RLIM_INFINITY: u64 = u64::MAX;

/// Signals (the numbers the start-up code names).
pub const SIGKILL: u64 = 9;
pub const SIGSEGV: u64 = 11;
pub const SIGSTOP: u64 = 19;
/// Highest signal number.
pub const NSIG: u64 = 64;
/// `rt_sigprocmask` how.
pub const SIG_BLOCK: u64 = 0;
pub const SIG_UNBLOCK: u64 = 1;
pub const SIG_SETMASK: u64 = 2;
