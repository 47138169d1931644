//! `uptime`: the time, how long the system is up and the load averages,
//! from `/proc/uptime` and `/proc/loadavg` (see `tools::load_and_uptime`).

use userland::tools::{load_and_uptime, now_epoch_seconds, read_proc_file};

fn line() -> Result<String, String> {
    let up = load_and_uptime::parse_uptime(&read_proc_file("/proc/uptime")?)?;
    let loads = load_and_uptime::parse_loadavg(&read_proc_file("/proc/loadavg")?)?;
    Ok(load_and_uptime::uptime_line(
        now_epoch_seconds(),
        up as u64,
        loads,
    ))
}

fn main() {
    if let Some(arg) = std::env::args().nth(1) {
        eprintln!("uptime: unknown argument {arg:?} (usage: uptime)");
        std::process::exit(2);
    }
    match line() {
        Ok(text) => println!("{text}"),
        Err(error) => {
            eprintln!("uptime: {error}");
            std::process::exit(1);
        }
    }
}
