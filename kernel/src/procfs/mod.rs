//! `/proc`: what `ps`, `top`, `free`, `uptime` and Rust's `std` read,
//! made on demand from the kernel's state (each open reads a snapshot).
//!
//! `/proc/self` (a link to the caller's pid), `/proc/[pid]/{stat, status,
//! cmdline, exe, maps}`, `/proc/{cpuinfo, meminfo, uptime, stat, loadavg,
//! mounts, interrupts, sched_debug}`, and two files of our own:
//! `/proc/syscalls` (system calls made and how many returned ENOSYS) and
//! `/proc/kmsg_dropped` (kernel log lines dropped from the full ring).

mod cpu_files;
mod process_directory;
mod process_state;
mod system;

use crate::vfs::{self, DynamicDirectory, Inode};
use alloc::format;
use alloc::sync::Arc;
use alloc::vec::Vec;

/// The `/proc` directory.
struct ProcRoot;

/// The files at the top of `/proc` and what makes them.
/// Makes a file's contents.
type Render = fn() -> Vec<u8>;

const SYSTEM_FILES: [(&[u8], Render); 10] = [
    (b"cpuinfo", system::cpuinfo),
    (b"meminfo", system::meminfo),
    (b"uptime", system::uptime),
    (b"stat", system::stat),
    (b"loadavg", system::loadavg),
    (b"mounts", system::mounts),
    (b"syscalls", system::syscalls),
    (b"interrupts", cpu_files::interrupts),
    (b"sched_debug", cpu_files::sched_debug),
    (b"kmsg_dropped", system::kmsg_dropped),
];

fn parse_pid(name: &[u8]) -> Option<u32> {
    core::str::from_utf8(name).ok()?.parse().ok()
}

impl DynamicDirectory for ProcRoot {
    fn lookup(&self, name: &[u8]) -> Option<Arc<Inode>> {
        if name == b"self" {
            let pid = crate::process::current()?.process.pid();
            return Some(Inode::new_symlink(format!("{pid}").into_bytes()));
        }
        if let Some((_, render)) = SYSTEM_FILES.iter().find(|(file, _)| *file == name) {
            return Some(vfs::snapshot_file(render()));
        }
        let process = crate::process::find(parse_pid(name)?)?;
        Some(Inode::new_dynamic(Arc::new(process_directory::ProcessDirectory::new(process))))
    }

    fn names(&self) -> Vec<Vec<u8>> {
        let mut names: Vec<Vec<u8>> = SYSTEM_FILES.iter().map(|(name, _)| name.to_vec()).collect();
        names.push(b"self".to_vec());
        names.extend(crate::process::all().iter().map(|process| format!("{}", process.pid()).into_bytes()));
        names
    }
}

/// Mounts `/proc` (once, at boot).
pub fn mount() {
    vfs::mount_dynamic(b"proc", Arc::new(ProcRoot)).expect("/proc mounted once");
}
