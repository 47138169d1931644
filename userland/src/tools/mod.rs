//! Our own system tools (`ps`, `top`, `cpus`, `taskset`, `kill`, `free`,
//! `uptime`, `dmesg`, `stress`, `poweroff`, `reboot`): the `/proc` parsers
//! and output formatters behind them, tested on the host against sample
//! files and against the host's own `/proc`. The binaries in `src/bin/`
//! only read files, call these and print. TEAM_NOTES/proc-and-tools.md.

/// CPU lists (`0,2-3`) and hex masks (`0x5`): `taskset`'s arguments.
pub mod cpu_list;
/// `cpus`: one row per CPU from `/proc/sched_debug`, `/proc/stat` and
/// `/proc/interrupts`.
pub mod cpus_table;
/// `free`: the memory table from `/proc/meminfo`.
pub mod free_table;
/// `/proc/interrupts`: per-CPU totals.
pub mod interrupts;
/// `kill`: signal names and numbers, its arguments.
pub mod kill_args;
/// `/proc/loadavg` and `/proc/uptime`, and `uptime`'s line.
pub mod load_and_uptime;
/// `/proc/meminfo`.
pub mod meminfo;
/// `poweroff` and `reboot`: `sync`, then `reboot(2)`.
pub mod power;
/// `/proc/[pid]/stat`, and listing every process.
pub mod process_stat;
/// `ps`: the process table.
pub mod ps_table;
/// The terminal in raw mode, restored when dropped (`top`).
pub mod raw_terminal;
/// `/proc/sched_debug`: each CPU's run-queue length, switches, current thread.
pub mod sched_debug;
/// `stress`: busy threads, and the CPUs they ran on.
pub mod stress;
/// `/proc/stat`: CPU times and the system counters.
pub mod system_stat;
/// `taskset`'s arguments, its output lines and its messages.
pub mod taskset_args;
/// `top`'s arguments.
pub mod top_args;
/// `top`: one frame from two samples.
pub mod top_frame;

#[cfg(test)]
mod host_proc_tests;

/// Reads a `/proc` file; the error names the file.
pub fn read_proc_file(path: &str) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|error| format!("{path}: {error}"))
}

/// Seconds since the epoch now (0 if the clock is before it).
pub fn now_epoch_seconds() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_secs())
}
