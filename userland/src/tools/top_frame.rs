//! `top`'s frame, made from two samples a refresh apart: a summary line
//! (`uptime`'s), the task counts, one load bar per CPU from the `/proc/stat`
//! deltas, and the busiest processes by the CPU time they used between the
//! samples (`/proc/[pid]/stat` deltas). Pure text; `bin/top.rs` draws it.

use super::load_and_uptime::uptime_line;
use super::process_stat::ProcessStat;
use super::ps_table::seconds;
use super::system_stat::SystemStat;
use std::fmt::Write;

/// Cells in a load bar.
pub const BAR_WIDTH: usize = 40;

/// The process table's header.
pub const PROCESS_HEADER: &str = "  PID S CPU  %CPU     TIME COMMAND";

/// One sample of everything `top` reads.
#[derive(Debug, Clone, Default)]
pub struct Sample {
    pub stat: SystemStat,
    pub processes: Vec<ProcessStat>,
}

/// What the frame shows besides the samples.
#[derive(Debug, Clone, Copy)]
pub struct FrameContext {
    pub now_epoch_seconds: u64,
    pub up_seconds: u64,
    pub loads: [f64; 3],
    /// Rows of processes at most.
    pub process_rows: usize,
}

/// A load bar: `[|||||     ]  50.0%`.
pub fn load_bar(fraction: f64) -> String {
    let fraction = fraction.clamp(0.0, 1.0);
    let filled = (fraction * BAR_WIDTH as f64).round() as usize;
    format!(
        "[{}{}] {:5.1}%",
        "|".repeat(filled),
        " ".repeat(BAR_WIDTH - filled),
        fraction * 100.0
    )
}

/// Each process's share of one CPU between the samples, in percent, with
/// the process; busiest first (then by pid). Processes new since `earlier`
/// count all their time.
pub fn busiest(earlier: &Sample, later: &Sample) -> Vec<(f64, ProcessStat)> {
    let cpus = later.stat.cpus.len().max(1) as u64;
    let elapsed_per_cpu = later
        .stat
        .all
        .total()
        .saturating_sub(earlier.stat.all.total())
        / cpus;
    let mut rows: Vec<(f64, ProcessStat)> = later
        .processes
        .iter()
        .map(|process| {
            let before = earlier
                .processes
                .iter()
                .find(|old| old.pid == process.pid)
                .map_or(0, ProcessStat::cpu_ticks);
            let used = process.cpu_ticks().saturating_sub(before);
            let percent = if elapsed_per_cpu == 0 {
                0.0
            } else {
                100.0 * used as f64 / elapsed_per_cpu as f64
            };
            (percent, process.clone())
        })
        .collect();
    rows.sort_by(|(a, first), (b, second)| b.total_cmp(a).then(first.pid.cmp(&second.pid)));
    rows
}

/// The whole frame, lines ending in `\n`.
pub fn render(earlier: &Sample, later: &Sample, context: &FrameContext) -> String {
    let mut text = format!(
        "top -{}\n",
        uptime_line(context.now_epoch_seconds, context.up_seconds, context.loads).replacen(
            "  0 users,",
            "",
            1
        )
    );
    let count = |state: char| {
        later
            .processes
            .iter()
            .filter(|process| process.state == state)
            .count()
    };
    let _ = writeln!(
        text,
        "Tasks: {:3} total, {:3} running, {:3} sleeping, {:3} stopped, {:3} zombie",
        later.processes.len(),
        count('R'),
        count('S') + count('D') + count('I'),
        count('T') + count('t'),
        count('Z')
    );
    for (cpu, times) in &later.stat.cpus {
        let before = earlier
            .stat
            .cpus
            .iter()
            .find(|(old, _)| old == cpu)
            .map(|(_, times)| *times)
            .unwrap_or_default();
        let _ = writeln!(
            text,
            "cpu{cpu:<3} {}",
            load_bar(times.busy_fraction_since(&before))
        );
    }
    let _ = writeln!(text, "\n{PROCESS_HEADER}");
    for (percent, process) in busiest(earlier, later)
        .into_iter()
        .take(context.process_rows)
    {
        let _ = writeln!(
            text,
            "{:>5} {} {:>3} {:>5.1} {:>8} {}",
            process.pid,
            process.state,
            process.processor,
            percent,
            seconds(process.cpu_ticks()),
            process.command
        );
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tools::process_stat::parse;
    use crate::tools::system_stat::{parse as parse_stat, CpuTimes};

    fn process(pid: u32, name: &str, state: char, ticks: u64) -> ProcessStat {
        parse(&format!("{pid} ({name}) {state} 1 1 1 0 -1 0 0 0 0 0 {ticks} 0 0 0 20 0 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 17 1 0")).unwrap()
    }

    fn sample(stat: &str, processes: Vec<ProcessStat>) -> Sample {
        Sample {
            stat: parse_stat(stat).unwrap(),
            processes,
        }
    }

    #[test]
    fn bars_fill_with_the_busy_share() {
        assert_eq!(load_bar(0.0), format!("[{}]   0.0%", " ".repeat(BAR_WIDTH)));
        assert_eq!(load_bar(1.0), format!("[{}] 100.0%", "|".repeat(BAR_WIDTH)));
        assert_eq!(load_bar(0.5).matches('|').count(), BAR_WIDTH / 2);
        assert_eq!(load_bar(7.0), load_bar(1.0));
    }

    #[test]
    fn a_frame_shows_cpu_bars_and_the_busiest_processes_first() {
        let earlier = sample(
            "cpu  0 0 0 200\ncpu0 0 0 0 100\ncpu1 0 0 0 100\n",
            vec![process(1, "init", 'S', 5), process(9, "stress", 'R', 10)],
        );
        // 100 ticks pass on each CPU: cpu0 busy all of it, cpu1 a quarter.
        let later = sample(
            "cpu  125 0 0 275\ncpu0 100 0 0 100\ncpu1 25 0 0 175\n",
            vec![
                process(1, "init", 'S', 5),
                process(9, "stress", 'R', 110),
                process(12, "top", 'R', 1),
            ],
        );
        let context = FrameContext {
            now_epoch_seconds: 60,
            up_seconds: 120,
            loads: [1.0, 0.5, 0.25],
            process_rows: 2,
        };
        let frame = render(&earlier, &later, &context);
        let lines: Vec<&str> = frame.lines().collect();
        assert_eq!(
            lines[0],
            "top - 00:01:00 up 2 min,  load average: 1.00, 0.50, 0.25"
        );
        assert_eq!(
            lines[1],
            "Tasks:   3 total,   2 running,   1 sleeping,   0 stopped,   0 zombie"
        );
        assert_eq!(lines[2], format!("cpu0   {}", load_bar(1.0)));
        assert_eq!(lines[3], format!("cpu1   {}", load_bar(0.25)));
        assert_eq!(lines[5], PROCESS_HEADER);
        assert_eq!(lines[6], "    9 R   1 100.0     1.10 stress");
        assert_eq!(lines[7], "   12 R   1   1.0     0.01 top");
        assert_eq!(lines.len(), 8, "process_rows limits the table");
    }

    #[test]
    fn no_time_passing_gives_zero_not_a_division_by_zero() {
        let only = sample(
            "cpu  1 0 0 1\ncpu0 1 0 0 1\n",
            vec![process(1, "init", 'S', 5)],
        );
        assert_eq!(busiest(&only, &only)[0].0, 0.0);
        assert_eq!(
            CpuTimes::default().busy_fraction_since(&CpuTimes::default()),
            0.0
        );
    }
}
