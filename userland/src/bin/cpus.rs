//! `cpus [SECONDS]`: per CPU, whether it is online, its APIC id, the
//! thread it runs, its run-queue length, context switches, interrupts and
//! idle share (since boot, or over SECONDS), from `/proc/sched_debug`,
//! `/proc/interrupts` and `/proc/stat` (see `tools::cpus_table`).

use std::time::Duration;
use userland::tools::cpus_table::{self, CpuSources};
use userland::tools::{interrupts, read_proc_file, sched_debug, system_stat};

fn run(args: &[String]) -> Result<String, String> {
    let interval = match args {
        [] => None,
        [seconds] => Some(
            seconds
                .parse::<f64>()
                .ok()
                .filter(|seconds| (0.0..=3600.0).contains(seconds))
                .ok_or_else(|| {
                    format!("{seconds:?} is not a number of seconds (usage: cpus [SECONDS])")
                })?,
        ),
        _ => return Err("usage: cpus [SECONDS]".into()),
    };
    let earlier = match interval {
        Some(seconds) => {
            let stat = system_stat::parse(&read_proc_file("/proc/stat")?)?;
            std::thread::sleep(Duration::from_secs_f64(seconds));
            Some(stat)
        }
        None => None,
    };
    let sched = sched_debug::parse(&read_proc_file("/proc/sched_debug")?)?;
    let interrupts = interrupts::per_cpu_totals(&read_proc_file("/proc/interrupts")?)?;
    let stat = system_stat::parse(&read_proc_file("/proc/stat")?)?;
    Ok(cpus_table::table(&CpuSources {
        sched: &sched,
        interrupts: &interrupts,
        stat: &stat,
        earlier_stat: earlier.as_ref(),
    }))
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(text) => print!("{text}"),
        Err(error) => {
            eprintln!("cpus: {error}");
            std::process::exit(1);
        }
    }
}
