//! `/proc/[pid]`: one process's `stat`, `status`, `cmdline`, `exe` and
//! `maps`, in Linux's formats.

use super::process_state;
use crate::memory::vm_areas::AreaKind;
use crate::process::Process;
use crate::vfs::{self, DynamicDirectory, Inode};
use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt::Write;
use core::sync::atomic::Ordering;

/// See the module doc.
pub struct ProcessDirectory {
    process: Arc<Process>,
}

impl ProcessDirectory {
    pub fn new(process: Arc<Process>) -> ProcessDirectory {
        ProcessDirectory { process }
    }

    fn virtual_bytes(&self) -> u64 {
        self.process.memory().map_or(0, |space| space.with_memory(|memory| memory.areas().map(|area| area.end - area.start).sum()))
    }

    /// `stat`: the 52 fields of Linux's `/proc/[pid]/stat`. What the
    /// kernel does not track is 0 (fault counts, `rss`, the signal masks,
    /// the children's times). `tty_nr` and `tpgid` are those of the
    /// session's controlling terminal (0 and -1 without one; `tpgid` 0 when
    /// it has no foreground group), as Linux.
    fn stat(&self) -> Vec<u8> {
        let process = &self.process;
        let threads = process_state::threads(process);
        let (state, _) = process_state::process_state(process, &threads);
        let (user, system) = process_state::process_times(process, &threads);
        let processor = threads.first().map_or(0, |thread| process_state::last_cpu(thread));
        let start = process_state::nanos_to_user_hz(process.cpu_time.start_nanos());
        let group = process.group.load(Ordering::Relaxed);
        let session = process.session.load(Ordering::Relaxed);
        let terminal = crate::tty::controlling_terminal_of(session);
        let tty_nr = terminal.map_or(0, |terminal| terminal.device_number);
        // Linux: -1 without a terminal, 0 for a terminal with no foreground group.
        let tpgid = terminal.map_or(-1, |terminal| terminal.foreground_group.map_or(0, i64::from));
        // pid (comm) state ppid pgrp session tty_nr tpgid flags minflt
        // cminflt majflt cmajflt utime stime cutime cstime priority nice
        // num_threads itrealvalue starttime vsize rss rsslim, then
        // startcode .. wchan (9 fields), nswap cnswap exit_signal
        // processor rt_priority policy, then 11 more.
        format!(
            "{} ({}) {state} {} {group} {session} {tty_nr} {tpgid} 0 0 0 0 0 {user} {system} 0 0 20 0 {} 0 {start} {} 0 {} 0 0 0 0 0 0 0 0 0 0 0 0 17 {processor} 0 0 0 0 0 0 0 0 0 0 0 0 0\n",
            process.pid(),
            process.name(),
            process.parent_pid(),
            crate::process::thread_count(process),
            self.virtual_bytes(),
            u64::MAX,
        )
        .into_bytes()
    }

    /// `status`: Linux's lines for what the kernel tracks, in Linux's
    /// order; `Cpus_allowed` (hex, `%*pb`) and `Cpus_allowed_list`
    /// (`%*pbl`) are the main thread's affinity over `nr_cpu_ids` CPUs.
    fn status(&self) -> Vec<u8> {
        let process = &self.process;
        let threads = process_state::threads(process);
        let (_, state) = process_state::process_state(process, &threads);
        let (allowed_mask, allowed_list) = process_state::allowed_cpus_text(threads.first().map(|thread| &**thread));
        format!(
            "Name:\t{}\nState:\t{}\nTgid:\t{}\nPid:\t{}\nPPid:\t{}\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nVmSize:\t{} kB\nThreads:\t{}\nCpus_allowed:\t{allowed_mask}\nCpus_allowed_list:\t{allowed_list}\n",
            process.name(),
            state,
            process.pid(),
            process.pid(),
            process.parent_pid(),
            self.virtual_bytes() / 1024,
            crate::process::thread_count(process)
        )
        .into_bytes()
    }

    fn maps(&self) -> Vec<u8> {
        let mut text = String::new();
        let executable = String::from_utf8_lossy(&self.process.executable.lock()).into_owned();
        if let Ok(space) = self.process.memory() {
            space.with_memory(|memory| {
                for area in memory.areas() {
                    let protection = area.protection;
                    let name = match area.kind {
                        AreaKind::Image => executable.as_str(),
                        AreaKind::Heap => "[heap]",
                        AreaKind::Stack => "[stack]",
                        AreaKind::Anonymous => "",
                        AreaKind::SharedAnonymous => "/dev/zero (deleted)",
                    };
                    let _ = writeln!(
                        text,
                        "{:012x}-{:012x} {}{}{}{} 00000000 00:00 0 {}",
                        area.start,
                        area.end,
                        if protection.read { 'r' } else { '-' },
                        if protection.write { 'w' } else { '-' },
                        if protection.execute { 'x' } else { '-' },
                        if area.kind == AreaKind::SharedAnonymous { 's' } else { 'p' },
                        name
                    );
                }
            });
        }
        text.into_bytes()
    }
}

const FILES: [&[u8]; 5] = [b"stat", b"status", b"cmdline", b"exe", b"maps"];

impl DynamicDirectory for ProcessDirectory {
    fn lookup(&self, name: &[u8]) -> Option<Arc<Inode>> {
        Some(match name {
            b"stat" => vfs::snapshot_file(self.stat()),
            b"status" => vfs::snapshot_file(self.status()),
            b"cmdline" => vfs::snapshot_file(self.process.command_line.lock().clone()),
            b"maps" => vfs::snapshot_file(self.maps()),
            b"exe" => Inode::new_symlink(self.process.executable.lock().clone()),
            _ => return None,
        })
    }

    fn names(&self) -> Vec<Vec<u8>> {
        FILES.iter().map(|name| name.to_vec()).collect()
    }
}
