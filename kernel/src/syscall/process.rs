//! Process identity and the calls of start-up: getpid/getppid, exit,
//! set_tid_address, arch_prctl, uname, getrandom, getcpu, prlimit64,
//! reboot (the affinity calls: `affinity.rs`).

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

/// `prlimit64`/`getrlimit`/`setrlimit`. Limits in force: `RLIMIT_AS`
/// (address space), `RLIMIT_NPROC` (processes, all users counted, root
/// included), `RLIMIT_NOFILE` (descriptors, at most 1024); the others are
/// recorded and reported.
pub fn prlimit64(pid: u64, resource: u64, new_limit: u64, old_limit: u64) -> SyscallResult {
    let caller = current_user()?;
    let process = if pid == 0 || u64::from(caller.process.pid()) == pid {
        caller.process.clone()
    } else {
        crate::process::find(pid as u32).ok_or(Errno::ESRCH)?
    };
    let index = usize::try_from(resource).ok().filter(|&index| index < crate::process::RESOURCE_COUNT).ok_or(Errno::EINVAL)?;
    let requested: Option<[u64; 2]> = if new_limit != 0 { Some(crate::uaccess::read_value(new_limit)?) } else { None };
    let previous = {
        let mut limits = process.limits.lock();
        let previous = limits[index];
        if let Some([soft, hard]) = requested {
            if soft > hard {
                return Err(Errno::EINVAL);
            }
            if resource == RLIMIT_NOFILE && hard > crate::file::MAX_FDS as u64 {
                return Err(Errno::EPERM);
            }
            limits[index] = [soft, hard];
        }
        previous
    };
    if let Some([soft, _]) = requested {
        match resource {
            RLIMIT_AS => {
                if let Ok(space) = process.memory() {
                    space.with_memory(|memory| memory.set_limit_bytes(soft));
                }
            }
            RLIMIT_NOFILE => process.files.lock().set_limit(soft as usize),
            _ => {}
        }
    }
    if old_limit != 0 {
        write_value(old_limit, &previous)?;
    }
    Ok(0)
}

/// `reboot(magic, magic2, command, argument)`: power off, halt or restart
/// all stop the machine. Our init passes the wait status of the program it
/// ran as `argument` (Linux ignores it for these commands): 0 powers off
/// with QEMU's PASS status, anything else with FAIL.
pub fn reboot(magic: u64, magic2: u64, command: u64, argument: u64) -> SyscallResult {
    if magic & 0xffff_ffff != LINUX_REBOOT_MAGIC1 || magic2 & 0xffff_ffff != LINUX_REBOOT_MAGIC2 {
        return Err(Errno::EINVAL);
    }
    match command & 0xffff_ffff {
        LINUX_REBOOT_CMD_POWER_OFF | LINUX_REBOOT_CMD_HALT | LINUX_REBOOT_CMD_RESTART => crate::process::power_off(argument as u32),
        _ => Err(Errno::EINVAL),
    }
}

/// The process `pid` names (0: the caller).
fn process_of(pid: u64) -> Result<alloc::sync::Arc<crate::process::Process>, Errno> {
    let caller = current_user()?;
    if pid == 0 || u64::from(caller.process.pid()) == pid {
        return Ok(caller.process.clone());
    }
    crate::process::find(pid as u32).ok_or(Errno::ESRCH)
}

pub fn getpgid(pid: u64) -> SyscallResult {
    Ok(u64::from(process_of(pid)?.group.load(Ordering::Relaxed)))
}

pub fn getsid(pid: u64) -> SyscallResult {
    Ok(u64::from(process_of(pid)?.session.load(Ordering::Relaxed)))
}

/// `setpgid(pid, pgid)`: the caller or one of its children joins (or
/// starts, `pgid` 0 or its own pid) a group in its session.
pub fn setpgid(pid: u64, group: u64) -> SyscallResult {
    if (group as u32 as i32) < 0 {
        return Err(Errno::EINVAL);
    }
    let caller = current_user()?;
    let target = process_of(pid)?;
    let is_self = alloc::sync::Arc::ptr_eq(&target, &caller.process);
    if !is_self && target.parent_pid() != caller.process.pid() {
        return Err(Errno::ESRCH);
    }
    if target.session.load(Ordering::Relaxed) == target.pid() {
        return Err(Errno::EPERM); // a session leader keeps its group
    }
    let group = if group == 0 { target.pid() } else { group as u32 };
    if group != target.pid() {
        let leader = crate::process::find(group).ok_or(Errno::EPERM)?;
        if leader.session.load(Ordering::Relaxed) != target.session.load(Ordering::Relaxed) {
            return Err(Errno::EPERM);
        }
    }
    target.group.store(group, Ordering::Relaxed);
    Ok(0)
}

/// `setsid`: a new session and group led by the caller (not for a group
/// leader).
pub fn setsid() -> SyscallResult {
    let process = current_user()?.process.clone();
    let pid = process.pid();
    if process.group.load(Ordering::Relaxed) == pid {
        return Err(Errno::EPERM);
    }
    process.session.store(pid, Ordering::Relaxed);
    process.group.store(pid, Ordering::Relaxed);
    Ok(u64::from(pid))
}

/// `struct sysinfo` (112 bytes).
#[repr(C)]
#[derive(Clone, Copy, Default)]
struct SystemInfo {
    uptime: i64,
    loads: [u64; 3],
    total_ram: u64,
    free_ram: u64,
    shared_ram: u64,
    buffer_ram: u64,
    total_swap: u64,
    free_swap: u64,
    processes: u16,
    padding: [u16; 3],
    total_high: u64,
    free_high: u64,
    memory_unit: u32,
    padding2: u32,
}

// SAFETY: `repr(C)` integers, padding spelled out as fields (size checked).
unsafe impl crate::uaccess::UserPod for SystemInfo {}
const _: () = assert!(core::mem::size_of::<SystemInfo>() == 112);

pub fn sysinfo(address: u64) -> SyscallResult {
    let page = 4096;
    let loads = crate::sched::load_average::hundredths().map(|hundredths| (hundredths << 16) / 100);
    let info = SystemInfo {
        uptime: (crate::clock::monotonic_nanos() / 1_000_000_000) as i64,
        loads,
        total_ram: crate::memory::frames::total_count() as u64 * page,
        free_ram: crate::memory::frames::free_count() as u64 * page,
        processes: crate::process::all().len().min(u16::MAX as usize) as u16,
        memory_unit: 1,
        ..SystemInfo::default()
    };
    write_value(address, &info).map(|()| 0)
}

/// `set_robust_list`: the list's address is kept per thread (glibc's
/// robust mutexes); walking it at thread death is not done yet.
pub fn set_robust_list(head: u64, length: u64) -> SyscallResult {
    /// `struct robust_list_head` on x86_64.
    const ROBUST_LIST_HEAD_BYTES: u64 = 24;
    if length != ROBUST_LIST_HEAD_BYTES {
        return Err(Errno::EINVAL);
    }
    current_user()?.robust_list.store(head, Ordering::Relaxed);
    Ok(0)
}

/// `prctl`: the thread-name calls (`PR_SET_NAME`, `PR_GET_NAME`: a name
/// of at most 15 bytes). The name is the command name of the process
/// (`/proc/[pid]/stat`), as Linux shows a process's main thread; other
/// options are refused with EINVAL.
pub fn prctl(option: u64, argument: u64) -> SyscallResult {
    const PR_SET_NAME: u64 = 15;
    const PR_GET_NAME: u64 = 16;
    /// TASK_COMM_LEN, the NUL included.
    const NAME_BYTES: usize = 16;
    let user = current_user()?;
    match option {
        PR_SET_NAME => {
            let mut name = [0u8; NAME_BYTES];
            // The name may end before 16 bytes: read up to the NUL or 15.
            let read = crate::uaccess::read_c_string(argument, NAME_BYTES - 1);
            let bytes = match read {
                Ok(bytes) => bytes,
                Err(Errno::ENAMETOOLONG) => {
                    crate::uaccess::copy_from_user(&mut name[..NAME_BYTES - 1], argument)?;
                    name[..NAME_BYTES - 1].to_vec()
                }
                Err(error) => return Err(error),
            };
            crate::process::set_name(&user.process, &bytes);
            crate::flight_recorder::thread_renamed(&bytes);
            Ok(0)
        }
        PR_GET_NAME => {
            let mut name = [0u8; NAME_BYTES];
            let current = user.process.name();
            let length = current.len().min(NAME_BYTES - 1);
            name[..length].copy_from_slice(&current.as_bytes()[..length]);
            crate::uaccess::copy_to_user(argument, &name).map(|()| 0)
        }
        _ => Err(Errno::EINVAL),
    }
}
