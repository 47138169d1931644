//! `taskset`: run a command on chosen CPUs, or show or set a process's
//! CPUs, like util-linux (see `tools::taskset_args`): `sched_setaffinity`
//! then exec.

use std::collections::BTreeSet;
use std::os::unix::process::CommandExt;
use userland::tools::cpu_list::{format_list, MAX_CPUS};
use userland::tools::taskset_args::{self, format_mask, TasksetRequest};

fn cpu_set(cpus: &BTreeSet<usize>) -> libc::cpu_set_t {
    // SAFETY: an all-zero cpu_set_t is the empty set.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    for &cpu in cpus.iter().filter(|&&cpu| cpu < MAX_CPUS) {
        // SAFETY: `cpu` is below the set's size (the filter).
        unsafe { libc::CPU_SET(cpu, &mut set) };
    }
    set
}

fn set_affinity(pid: i32, cpus: &BTreeSet<usize>) -> Result<(), String> {
    let set = cpu_set(cpus);
    // SAFETY: `set` is a valid cpu_set_t of the size given.
    if unsafe { libc::sched_setaffinity(pid, std::mem::size_of::<libc::cpu_set_t>(), &set) } != 0 {
        return Err(format!(
            "failed to set pid {pid}'s affinity to {}: {}",
            format_list(cpus),
            std::io::Error::last_os_error()
        ));
    }
    Ok(())
}

fn affinity(pid: i32) -> Result<BTreeSet<usize>, String> {
    // SAFETY: zeroed is the empty set; the kernel fills it.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    // SAFETY: `set` is a valid, writable cpu_set_t of the size given.
    if unsafe { libc::sched_getaffinity(pid, std::mem::size_of::<libc::cpu_set_t>(), &mut set) }
        != 0
    {
        return Err(format!(
            "failed to get pid {pid}'s affinity: {}",
            std::io::Error::last_os_error()
        ));
    }
    // SAFETY: every `cpu` is below the set's size.
    Ok((0..MAX_CPUS)
        .filter(|&cpu| unsafe { libc::CPU_ISSET(cpu, &set) })
        .collect())
}

fn show(pid: i32, as_list: bool, which: &str) -> Result<(), String> {
    let cpus = affinity(pid)?;
    if as_list {
        println!("pid {pid}'s {which} affinity list: {}", format_list(&cpus));
    } else {
        println!("pid {pid}'s {which} affinity mask: {}", format_mask(&cpus));
    }
    Ok(())
}

fn run(request: TasksetRequest) -> Result<(), String> {
    match request {
        TasksetRequest::Run { cpus, command } => {
            set_affinity(0, &cpus)?;
            let error = std::process::Command::new(&command[0])
                .args(&command[1..])
                .exec();
            Err(format!("failed to execute {}: {error}", command[0]))
        }
        TasksetRequest::Show { pid, as_list } => show(pid, as_list, "current"),
        TasksetRequest::Set { pid, cpus } => {
            show(pid, false, "current")?;
            set_affinity(pid, &cpus)?;
            show(pid, false, "new")
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = taskset_args::parse_args(&args)
        .and_then(|request| run(request).map_err(|error| format!("taskset: {error}")));
    if let Err(error) = result {
        eprintln!("{error}");
        std::process::exit(1);
    }
}
