//! `stress N S`: N threads each spinning for S seconds (a decimal is
//! allowed), noting the CPUs they ran on (`sched_getcpu`, checked every
//! few thousand spins), to watch the scheduler spread and balance them.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

/// Threads at most (a guard against typos like `stress 40000 1`).
pub const MAX_THREADS: usize = 256;

/// `stress`'s arguments.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StressPlan {
    pub threads: usize,
    pub duration: Duration,
}

/// Parses `N S`.
pub fn parse_args(args: &[String]) -> Result<StressPlan, String> {
    let usage = "usage: stress THREADS SECONDS";
    let [threads, seconds] = args else {
        return Err(usage.into());
    };
    let threads: usize = threads
        .parse()
        .map_err(|_| format!("stress: {threads:?} is not a thread count; {usage}"))?;
    if threads == 0 || threads > MAX_THREADS {
        return Err(format!("stress: threads must be 1 to {MAX_THREADS}"));
    }
    let seconds: f64 = seconds
        .parse()
        .map_err(|_| format!("stress: {seconds:?} is not a number of seconds; {usage}"))?;
    if !(seconds.is_finite() && (0.0..=86_400.0).contains(&seconds)) {
        return Err("stress: seconds must be 0 to 86400".into());
    }
    Ok(StressPlan {
        threads,
        duration: Duration::from_secs_f64(seconds),
    })
}

/// What one thread did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadReport {
    pub index: usize,
    /// The CPUs it was seen on.
    pub cpus: BTreeSet<usize>,
    /// The CPU it was on last.
    pub last_cpu: Option<usize>,
    /// Spin rounds done.
    pub rounds: u64,
}

fn current_cpu() -> Option<usize> {
    // SAFETY: no arguments; returns -1 on error.
    let cpu = unsafe { libc::sched_getcpu() };
    usize::try_from(cpu).ok()
}

fn spin(index: usize, until: Instant) -> ThreadReport {
    let mut report = ThreadReport {
        index,
        cpus: BTreeSet::new(),
        last_cpu: None,
        rounds: 0,
    };
    let mut value = index as u64 + 1;
    loop {
        for _ in 0..4096 {
            value = std::hint::black_box(
                value
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1),
            );
        }
        report.rounds += 1;
        report.last_cpu = current_cpu();
        report.cpus.extend(report.last_cpu);
        if Instant::now() >= until {
            return report;
        }
    }
}

/// Runs the plan; one report per thread, in thread order.
pub fn run(plan: StressPlan) -> Result<Vec<ThreadReport>, String> {
    let until = Instant::now() + plan.duration;
    let handles: Vec<_> = (0..plan.threads)
        // Unnamed: this kernel's PR_SET_NAME (which std uses to name a
        // thread) renames the whole process, and `ps` would show that.
        .map(|index| std::thread::Builder::new().spawn(move || spin(index, until)))
        .collect::<Result<_, _>>()
        .map_err(|error| format!("stress: cannot start a thread: {error}"))?;
    handles
        .into_iter()
        .map(|handle| {
            handle
                .join()
                .map_err(|_| "stress: a thread panicked".to_string())
        })
        .collect()
}

/// The report's lines: `thread 0: cpu 2 (ran on 0,2), 1234 rounds`.
pub fn report_lines(reports: &[ThreadReport]) -> Vec<String> {
    reports
        .iter()
        .map(|report| {
            let last = report
                .last_cpu
                .map_or_else(|| "?".to_string(), |cpu| cpu.to_string());
            format!(
                "thread {}: cpu {last} (ran on {}), {} rounds",
                report.index,
                super::cpu_list::format_list(&report.cpus),
                report.rounds
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(words: &[&str]) -> Vec<String> {
        words.iter().map(|word| word.to_string()).collect()
    }

    #[test]
    fn arguments_are_checked() {
        assert_eq!(
            parse_args(&args(&["4", "3"])),
            Ok(StressPlan {
                threads: 4,
                duration: Duration::from_secs(3)
            })
        );
        assert_eq!(
            parse_args(&args(&["1", "0.5"])),
            Ok(StressPlan {
                threads: 1,
                duration: Duration::from_millis(500)
            })
        );
        for bad in [
            &["4"][..],
            &["0", "1"],
            &["x", "1"],
            &["1", "-1"],
            &["1", "nan"],
            &["1000", "1"],
            &["1", "2", "3"],
        ] {
            assert!(parse_args(&args(bad)).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn each_thread_spins_and_reports_its_cpus() {
        let reports = run(StressPlan {
            threads: 2,
            duration: Duration::from_millis(50),
        })
        .unwrap();
        assert_eq!(reports.len(), 2);
        for (index, report) in reports.iter().enumerate() {
            assert_eq!(report.index, index);
            assert!(report.rounds > 0);
            assert!(report.cpus.contains(&report.last_cpu.unwrap()));
        }
        let lines = report_lines(&reports);
        assert!(lines[1].starts_with("thread 1: cpu "), "{lines:?}");
    }
}
