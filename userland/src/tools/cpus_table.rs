//! `cpus`: one row per CPU: whether it is online, its APIC id, the thread
//! it runs (pid and command, `swapper/N` being idle), its run-queue length, its
//! context switches and interrupts since boot, and its idle share (since
//! boot, or over an interval when given an earlier `/proc/stat`). Joined
//! from `/proc/sched_debug`, `/proc/interrupts` and `/proc/stat` by CPU
//! number. A CPU in `/proc/stat` is online (Linux lists only online CPUs
//! there).

use super::sched_debug::CpuSchedInfo;
use super::system_stat::SystemStat;
use std::fmt::Write;

/// The header line.
pub const HEADER: &str = "CPU ONLINE APIC  CURRENT              RUNQ   SWITCHES INTERRUPTS  IDLE%";

/// What the table is made from.
pub struct CpuSources<'a> {
    pub sched: &'a [CpuSchedInfo],
    pub interrupts: &'a [(usize, u64)],
    pub stat: &'a SystemStat,
    /// An earlier `/proc/stat`: idle % is then over the interval.
    pub earlier_stat: Option<&'a SystemStat>,
}

/// The header and one row per CPU of `sched_debug`.
pub fn table(sources: &CpuSources) -> String {
    let mut text = format!("{HEADER}\n");
    for info in sources.sched {
        let times = sources
            .stat
            .cpus
            .iter()
            .find(|(cpu, _)| *cpu == info.cpu)
            .map(|(_, times)| *times);
        let earlier = sources
            .earlier_stat
            .and_then(|stat| stat.cpus.iter().find(|(cpu, _)| *cpu == info.cpu))
            .map(|(_, times)| *times)
            .unwrap_or_default();
        let idle = times.map_or_else(
            || "-".to_string(),
            |times| format!("{:.1}", 100.0 * (1.0 - times.busy_fraction_since(&earlier))),
        );
        let interrupts = sources
            .interrupts
            .iter()
            .find(|(cpu, _)| *cpu == info.cpu)
            .map_or_else(|| "-".to_string(), |(_, count)| count.to_string());
        let current = format!(
            "{} {}",
            info.current_pid,
            info.current_command.as_deref().unwrap_or("?")
        );
        let apic = info
            .apic_id
            .map_or_else(|| "-".to_string(), |id| id.to_string());
        let _ = writeln!(
            text,
            "{:>3} {:<6} {:>4}  {:<20} {:>4} {:>10} {:>10} {:>6}",
            info.cpu,
            if times.is_some() { "yes" } else { "no" },
            apic,
            current,
            info.running,
            info.switches,
            interrupts,
            idle
        );
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tools::system_stat::CpuTimes;

    #[test]
    fn rows_join_the_three_files_by_cpu() {
        let sched = [
            CpuSchedInfo {
                cpu: 0,
                running: 2,
                switches: 100,
                current_pid: 5,
                current_command: Some("stress".into()),
                apic_id: Some(0),
            },
            CpuSchedInfo {
                cpu: 1,
                running: 0,
                switches: 7,
                current_pid: 0,
                current_command: Some("swapper/1".into()),
                apic_id: Some(2),
            },
        ];
        let stat = SystemStat {
            cpus: vec![
                (
                    0,
                    CpuTimes {
                        user: 75,
                        idle: 25,
                        ..CpuTimes::default()
                    },
                ),
                (
                    1,
                    CpuTimes {
                        idle: 10,
                        ..CpuTimes::default()
                    },
                ),
            ],
            ..SystemStat::default()
        };
        let text = table(&CpuSources {
            sched: &sched,
            interrupts: &[(0, 300), (1, 4)],
            stat: &stat,
            earlier_stat: None,
        });
        let rows: Vec<Vec<&str>> = text
            .lines()
            .skip(1)
            .map(|line| line.split_whitespace().collect())
            .collect();
        assert_eq!(
            rows[0],
            ["0", "yes", "0", "5", "stress", "2", "100", "300", "25.0"]
        );
        assert_eq!(
            rows[1],
            ["1", "yes", "2", "0", "swapper/1", "0", "7", "4", "100.0"]
        );
        assert_eq!(text.lines().nth(1).unwrap().len(), HEADER.len());
    }

    #[test]
    fn idle_over_an_interval_uses_the_earlier_sample() {
        let sched = [CpuSchedInfo {
            cpu: 0,
            ..CpuSchedInfo::default()
        }];
        let earlier = SystemStat {
            cpus: vec![(
                0,
                CpuTimes {
                    idle: 1000,
                    ..CpuTimes::default()
                },
            )],
            ..SystemStat::default()
        };
        let later = SystemStat {
            cpus: vec![(
                0,
                CpuTimes {
                    user: 90,
                    idle: 1010,
                    ..CpuTimes::default()
                },
            )],
            ..SystemStat::default()
        };
        let text = table(&CpuSources {
            sched: &sched,
            interrupts: &[],
            stat: &later,
            earlier_stat: Some(&earlier),
        });
        assert!(text.lines().nth(1).unwrap().ends_with("  10.0"), "{text}");
    }
}
