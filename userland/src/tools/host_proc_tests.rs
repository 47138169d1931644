//! The parsers against the host's own `/proc` (a real Linux's files).

use std::fs;
use std::path::Path;

fn read(path: &str) -> String {
    fs::read_to_string(path).unwrap_or_else(|error| panic!("{path}: {error}"))
}

#[test]
fn host_proc_stat_parses_with_every_cpu() {
    let stat = super::system_stat::parse(&read("/proc/stat")).unwrap();
    assert!(!stat.cpus.is_empty());
    assert!(stat.all.total() > 0 && stat.context_switches > 0 && stat.boot_time > 0);
}

#[test]
fn host_processes_parse_and_include_this_one() {
    let processes = super::process_stat::all_processes(Path::new("/proc")).unwrap();
    let me = processes
        .iter()
        .find(|process| process.pid == std::process::id())
        .expect("this test's process is listed");
    // Linux shows the main thread's state; the thread reading runs.
    assert!("RS".contains(me.state));
    assert_eq!(
        super::process_stat::parse(&read("/proc/thread-self/stat"))
            .unwrap()
            .state,
        'R'
    );
    assert!(me.threads >= 1);
    assert!(processes.iter().any(|process| process.pid == 1));
}

#[test]
fn host_meminfo_loadavg_uptime_and_interrupts_parse() {
    let info = super::meminfo::parse(&read("/proc/meminfo")).unwrap();
    assert!(info.require("MemTotal").unwrap() >= info.require("MemFree").unwrap());
    assert!(super::free_table::table(&info, super::free_table::Units::Human).is_ok());
    super::load_and_uptime::parse_loadavg(&read("/proc/loadavg")).unwrap();
    assert!(super::load_and_uptime::parse_uptime(&read("/proc/uptime")).unwrap() > 0.0);
    let totals = super::interrupts::per_cpu_totals(&read("/proc/interrupts")).unwrap();
    assert!(!totals.is_empty());
}
