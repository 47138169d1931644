//! `ps`: every process with its pid, parent, state, last CPU, user and
//! system time and command, from `/proc/[pid]/stat` (see `tools::ps_table`).
//! `-e`/`-A` are accepted (every process is always listed).

use std::path::Path;
use userland::tools::{process_stat, ps_table};

fn main() {
    if let Some(arg) = std::env::args()
        .skip(1)
        .find(|arg| !matches!(arg.as_str(), "-e" | "-A"))
    {
        eprintln!("ps: unknown option {arg:?} (usage: ps [-e])");
        std::process::exit(2);
    }
    match process_stat::all_processes(Path::new("/proc")) {
        Ok(processes) => print!("{}", ps_table::table(&processes)),
        Err(error) => {
            eprintln!("ps: {error}");
            std::process::exit(1);
        }
    }
}
