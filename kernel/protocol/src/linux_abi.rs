//! The Linux x86_64 system-call ABI the kernel implements: call numbers and
//! error numbers (returned negated in RAX). One home for the kernel, the
//! ring-3 probes in `arch`, and later `userland`.

/// `sched_yield()`.
pub const SYS_SCHED_YIELD: u64 = 24;
/// `getpid()`.
pub const SYS_GETPID: u64 = 39;
/// `exit(status)`.
pub const SYS_EXIT: u64 = 60;
/// `gettid()`.
pub const SYS_GETTID: u64 = 186;
/// `exit_group(status)`.
pub const SYS_EXIT_GROUP: u64 = 231;

/// No such system call.
pub const ENOSYS: i64 = 38;
