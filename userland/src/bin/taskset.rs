//! `taskset`: run a command on chosen CPUs, or show or set a thread's
//! CPUs, like util-linux (arguments, output and messages:
//! `tools::taskset_args`): `sched_setaffinity` then exec.

use std::collections::BTreeSet;
use std::os::unix::process::CommandExt;
use userland::tools::cpu_list::MAX_CPUS;
use userland::tools::taskset_args::{
    self, affinity_error, affinity_line, exec_error, TasksetError, TasksetRequest, USAGE,
};

fn cpu_set(cpus: &BTreeSet<usize>) -> libc::cpu_set_t {
    // SAFETY: an all-zero cpu_set_t is the empty set.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    for &cpu in cpus.iter().filter(|&&cpu| cpu < MAX_CPUS) {
        // SAFETY: `cpu` is below the set's size (the filter).
        unsafe { libc::CPU_SET(cpu, &mut set) };
    }
    set
}

fn set_affinity(pid: i32, cpus: &BTreeSet<usize>) -> Result<(), TasksetError> {
    let set = cpu_set(cpus);
    // SAFETY: `set` is a valid cpu_set_t of the size given.
    if unsafe { libc::sched_setaffinity(pid, std::mem::size_of::<libc::cpu_set_t>(), &set) } != 0 {
        return Err(affinity_error("set", pid, &std::io::Error::last_os_error()));
    }
    Ok(())
}

fn affinity(pid: i32) -> Result<BTreeSet<usize>, TasksetError> {
    // SAFETY: zeroed is the empty set; the kernel fills it.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    // SAFETY: `set` is a valid, writable cpu_set_t of the size given.
    if unsafe { libc::sched_getaffinity(pid, std::mem::size_of::<libc::cpu_set_t>(), &mut set) }
        != 0
    {
        return Err(affinity_error("get", pid, &std::io::Error::last_os_error()));
    }
    // SAFETY: every `cpu` is below the set's size.
    Ok((0..MAX_CPUS)
        .filter(|&cpu| unsafe { libc::CPU_ISSET(cpu, &set) })
        .collect())
}

fn run(request: TasksetRequest) -> Result<(), TasksetError> {
    match request {
        TasksetRequest::Run { cpus, command } => {
            set_affinity(0, &cpus)?;
            let error = std::process::Command::new(&command[0])
                .args(&command[1..])
                .exec();
            Err(exec_error(&command[0], &error))
        }
        TasksetRequest::Show { pid, as_list } => {
            println!(
                "{}",
                affinity_line(pid, "current", &affinity(pid)?, as_list)
            );
            Ok(())
        }
        TasksetRequest::Set { pid, cpus, as_list } => {
            println!(
                "{}",
                affinity_line(pid, "current", &affinity(pid)?, as_list)
            );
            set_affinity(pid, &cpus)?;
            println!("{}", affinity_line(pid, "new", &affinity(pid)?, as_list));
            Ok(())
        }
        TasksetRequest::Help => {
            println!("{USAGE}");
            Ok(())
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Err(error) = taskset_args::parse_args(&args).and_then(run) {
        eprintln!("taskset: {}", error.message);
        std::process::exit(error.status);
    }
}
