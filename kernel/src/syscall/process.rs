//! Process identity and the calls of start-up: getpid/getppid, exit,
//! set_tid_address, arch_prctl, uname, getrandom, sched_getaffinity,
//! getcpu, prlimit64, reboot.

use super::{current_user, SyscallResult};
use crate::uaccess::{copy_to_user, write_value};
use core::sync::atomic::Ordering;
use protocol::linux_abi::misc::*;
use protocol::linux_abi::Errno;

pub fn getpid() -> SyscallResult {
    Ok(match crate::process::current() {
        Some(user) => u64::from(user.process.pid()),
        None => u64::from(crate::sched::current_thread_id()),
    })
}

pub fn getppid() -> SyscallResult {
    Ok(crate::process::current().map_or(0, |user| u64::from(user.process.parent_pid())))
}

pub fn set_tid_address(address: u64) -> SyscallResult {
    current_user()?.clear_child_tid.store(address, Ordering::Relaxed);
    Ok(u64::from(crate::sched::current_thread_id()))
}

/// `arch_prctl` works for any thread with user state (processes, and the
/// bare user threads of kernel tests).
pub fn arch_prctl(code: u64, address: u64) -> SyscallResult {
    let state_of_current = || crate::sched::with_current_thread(|thread| thread.user_state().is_some()).unwrap_or(false);
    if !state_of_current() {
        return Err(Errno::EPERM);
    }
    match code {
        ARCH_SET_FS | ARCH_SET_GS => {
            // Kernel-half (and non-canonical) bases are refused: the kernel
            // would load them on every switch to this thread.
            if !arch::syscall::is_user_address(address) {
                return Err(Errno::EPERM);
            }
            arch::cpu::without_interrupts(|| {
                crate::sched::with_current_thread(|thread| {
                    let state = thread.user_state().expect("checked above");
                    // SAFETY: the running thread's own state, interrupts off.
                    unsafe {
                        if code == ARCH_SET_FS {
                            state.set_fs_base(address)
                        } else {
                            state.set_gs_base(address)
                        }
                    }
                })
            });
            Ok(0)
        }
        ARCH_GET_FS => write_value(address, &crate::thread::UserState::fs_base_of_running_thread()).map(|()| 0),
        ARCH_GET_GS => write_value(address, &crate::thread::UserState::gs_base_of_running_thread()).map(|()| 0),
        _ => Err(Errno::EINVAL),
    }
}

/// `struct utsname`: six 65-byte fields.
const UTS_FIELD_BYTES: usize = 65;

pub fn uname(address: u64) -> SyscallResult {
    // sysname says which ABI programs get; version names this kernel.
    let fields: [&str; 6] = ["Linux", "spine", "6.1.0-spine", "#1 SMP spine kernel (Linux x86_64 ABI)", "x86_64", "(none)"];
    let mut buffer = [0u8; UTS_FIELD_BYTES * 6];
    for (index, field) in fields.iter().enumerate() {
        buffer[index * UTS_FIELD_BYTES..index * UTS_FIELD_BYTES + field.len()].copy_from_slice(field.as_bytes());
    }
    copy_to_user(address, &buffer).map(|()| 0)
}

/// Most bytes one getrandom call returns (Linux caps at 32 MiB - 1 too).
const MAX_RANDOM_BYTES: u64 = 1 << 20;

pub fn getrandom(address: u64, length: u64, flags: u64) -> SyscallResult {
    const KNOWN_FLAGS: u64 = 0x1 | 0x2 | 0x4; // NONBLOCK, RANDOM, INSECURE
    if flags & !KNOWN_FLAGS != 0 {
        return Err(Errno::EINVAL);
    }
    let length = length.min(MAX_RANDOM_BYTES);
    let mut done = 0;
    let mut chunk = [0u8; 256];
    while done < length {
        let step = (length - done).min(chunk.len() as u64) as usize;
        crate::entropy::fill(&mut chunk[..step]);
        copy_to_user(address.wrapping_add(done), &chunk[..step])?;
        done += step as u64;
    }
    Ok(length)
}

pub fn sched_getaffinity(pid: u64, size: u64, address: u64) -> SyscallResult {
    if pid != 0 && pid != u64::from(crate::sched::current_thread_id()) {
        return Err(Errno::ESRCH);
    }
    let cpus = crate::cpu::online_count() as u64;
    let bytes_needed = cpus.div_ceil(64) * 8;
    if size < bytes_needed || !size.is_multiple_of(8) {
        return Err(Errno::EINVAL);
    }
    let mut mask = alloc::vec![0u8; bytes_needed as usize];
    for cpu in crate::cpu::online() {
        let index = cpu.id().as_u32() as usize;
        mask[index / 8] |= 1 << (index % 8);
    }
    copy_to_user(address, &mask)?;
    Ok(bytes_needed)
}

pub fn getcpu(cpu_address: u64, node_address: u64) -> SyscallResult {
    let cpu = percpu::cpu_id();
    if cpu_address != 0 {
        write_value(cpu_address, &cpu)?;
    }
    if node_address != 0 {
        write_value(node_address, &0u32)?;
    }
    Ok(0)
}

pub fn prlimit64(pid: u64, resource: u64, new_limit: u64, old_limit: u64) -> SyscallResult {
    if pid != 0 && crate::process::current().is_none_or(|user| u64::from(user.process.pid()) != pid) {
        return Err(Errno::ESRCH);
    }
    let current = match resource {
        RLIMIT_STACK => [crate::memory::process_memory::STACK_BYTES, RLIM_INFINITY],
        RLIMIT_NOFILE => [crate::file::MAX_FDS as u64, crate::file::MAX_FDS as u64],
        0..=15 => [RLIM_INFINITY, RLIM_INFINITY],
        _ => return Err(Errno::EINVAL),
    };
    if new_limit != 0 {
        // Limits are fixed until RLIMIT_AS and RLIMIT_NPROC are enforced.
        return Err(Errno::EPERM);
    }
    if old_limit != 0 {
        write_value(old_limit, &current)?;
    }
    Ok(0)
}

pub fn reboot(magic: u64, magic2: u64, command: u64) -> SyscallResult {
    if magic & 0xffff_ffff != LINUX_REBOOT_MAGIC1 || magic2 & 0xffff_ffff != LINUX_REBOOT_MAGIC2 {
        return Err(Errno::EINVAL);
    }
    match command & 0xffff_ffff {
        LINUX_REBOOT_CMD_POWER_OFF | LINUX_REBOOT_CMD_HALT | LINUX_REBOOT_CMD_RESTART => crate::process::power_off(),
        _ => Err(Errno::EINVAL),
    }
}
