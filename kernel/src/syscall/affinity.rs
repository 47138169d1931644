//! `sched_setaffinity` and `sched_getaffinity`, with Linux's rules
//! (`kernel/sched/syscalls.c`): `pid` is a `pid_t` naming a thread (0: the
//! caller); `len` is an `unsigned int`; the kernel's mask is
//! `cpumask_size()` bytes, whole longs for `nr_cpu_ids` CPUs (8 bytes up
//! to 64 CPUs, as with `CONFIG_CPUMASK_OFFSTACK`).
//!
//! - get: `EINVAL` if `len * 8 < nr_cpu_ids` (in 32-bit arithmetic, as in
//!   C) or `len` is not a multiple of 8; `ESRCH`; then copies
//!   `min(len, cpumask_size())` bytes (`EFAULT`) and returns that count.
//!   The mask is the thread's set and the online CPUs.
//! - set: reads `min(len, cpumask_size())` bytes, the rest as zero
//!   (`EFAULT` first, before the pid is looked up); `ESRCH`; `EINVAL` if
//!   the mask has no online CPU. The thread is moved before the call
//!   returns (`sched::set_allowed_cpus`).

use super::SyscallResult;
use crate::cpu_set::{CpuSet, BITS_PER_WORD};
use crate::thread::{Thread, ThreadState};
use crate::uaccess::{copy_from_user, copy_to_user};
use alloc::sync::Arc;
use protocol::linux_abi::Errno;

/// Bits in a byte of a user mask.
const BITS_PER_BYTE: u32 = 8;
/// Bytes of a C `unsigned long`, the unit of a user mask's length.
const BYTES_PER_LONG: u32 = (BITS_PER_WORD / 8) as u32;

/// Linux's `nr_cpu_ids`: the CPUs this boot knows of.
fn nr_cpu_ids() -> u32 {
    crate::cpu::count() as u32
}

/// Linux's `cpumask_size()` (see the module doc).
fn kernel_mask_bytes() -> u32 {
    nr_cpu_ids().div_ceil(BITS_PER_WORD as u32) * BYTES_PER_LONG
}

/// The CPUs online now.
fn online_cpus() -> CpuSet {
    crate::cpu::online().map(|block| block.id().index()).collect()
}

/// The thread `pid` names (a `pid_t`: the low 32 bits, signed; 0 is the
/// caller). A thread that exited is gone (`ESRCH`).
fn target_thread(pid: u64) -> Result<Arc<Thread>, Errno> {
    let pid = pid as u32 as i32;
    let caller = crate::sched::current_thread();
    if pid == 0 || pid as u32 == caller.id() {
        return Ok(caller);
    }
    if pid < 0 {
        return Err(Errno::ESRCH);
    }
    let user = crate::process::find_thread(pid as u32).ok_or(Errno::ESRCH)?;
    user.thread
        .get()
        .and_then(alloc::sync::Weak::upgrade)
        .filter(|thread| thread.state() != ThreadState::Exited)
        .ok_or(Errno::ESRCH)
}

pub fn sched_getaffinity(pid: u64, len: u64, address: u64) -> SyscallResult {
    let len = len as u32;
    if len.wrapping_mul(BITS_PER_BYTE) < nr_cpu_ids() || !len.is_multiple_of(BYTES_PER_LONG) {
        return Err(Errno::EINVAL);
    }
    let thread = target_thread(pid)?;
    let mask = thread.allowed_cpus().intersection(&online_cpus());
    let copied = len.min(kernel_mask_bytes());
    copy_to_user(address, &mask.to_mask_bytes(copied as usize))?;
    Ok(u64::from(copied))
}

pub fn sched_setaffinity(pid: u64, len: u64, address: u64) -> SyscallResult {
    let len = (len as u32).min(kernel_mask_bytes());
    let mut bytes = alloc::vec![0u8; len as usize];
    copy_from_user(&mut bytes, address)?;
    let thread = target_thread(pid)?;
    let allowed = CpuSet::from_mask_bytes(&bytes).intersection(&online_cpus());
    if allowed.is_empty() {
        return Err(Errno::EINVAL);
    }
    crate::sched::set_allowed_cpus(&thread, allowed);
    Ok(0)
}
