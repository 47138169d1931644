//! `/proc/stat` parsed: the `cpu` and `cpuN` time lines (in USER_HZ clock
//! ticks), `intr`, `ctxt`, `btime`, `processes`, `procs_running`,
//! `procs_blocked`. Lines this parser does not know are skipped, as
//! procps does, so a newer kernel's extra lines do no harm.

/// One `cpu` line's times, in clock ticks (fields a kernel does not have
/// are 0).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CpuTimes {
    pub user: u64,
    pub nice: u64,
    pub system: u64,
    pub idle: u64,
    pub iowait: u64,
    pub irq: u64,
    pub softirq: u64,
    pub steal: u64,
}

impl CpuTimes {
    /// Time doing work (all but idle and iowait).
    pub fn busy(&self) -> u64 {
        self.user + self.nice + self.system + self.irq + self.softirq + self.steal
    }

    /// All time counted.
    pub fn total(&self) -> u64 {
        self.busy() + self.idle + self.iowait
    }

    /// The share of time busy between `earlier` and `self`, in 0..=1
    /// (0 when no time passed).
    pub fn busy_fraction_since(&self, earlier: &CpuTimes) -> f64 {
        let total = self.total().saturating_sub(earlier.total());
        if total == 0 {
            return 0.0;
        }
        let busy = self.busy().saturating_sub(earlier.busy());
        (busy as f64 / total as f64).min(1.0)
    }
}

/// See the module doc.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SystemStat {
    /// The `cpu` line: every CPU together.
    pub all: CpuTimes,
    /// The `cpuN` lines: (N, times), in file order.
    pub cpus: Vec<(usize, CpuTimes)>,
    /// Interrupts taken since boot (the first number of `intr`).
    pub interrupts: u64,
    /// Context switches since boot.
    pub context_switches: u64,
    /// Boot time, seconds since the epoch.
    pub boot_time: u64,
    /// Processes (and threads) made since boot.
    pub processes: u64,
    pub procs_running: u64,
    pub procs_blocked: u64,
}

/// Parses `/proc/stat`. A `cpu` line with fewer than four numbers, or a
/// number that does not parse, is an error naming the line.
pub fn parse(text: &str) -> Result<SystemStat, String> {
    let mut stat = SystemStat::default();
    let mut saw_cpu = false;
    for line in text.lines() {
        let mut words = line.split_whitespace();
        let Some(key) = words.next() else { continue };
        let number = |word: Option<&str>| -> Result<u64, String> {
            word.and_then(|word| word.parse().ok())
                .ok_or_else(|| format!("/proc/stat: bad line {line:?}"))
        };
        match key {
            "cpu" => {
                stat.all = cpu_times(words, line)?;
                saw_cpu = true;
            }
            "intr" => stat.interrupts = number(words.next())?,
            "ctxt" => stat.context_switches = number(words.next())?,
            "btime" => stat.boot_time = number(words.next())?,
            "processes" => stat.processes = number(words.next())?,
            "procs_running" => stat.procs_running = number(words.next())?,
            "procs_blocked" => stat.procs_blocked = number(words.next())?,
            _ => {
                if let Some(index) = key.strip_prefix("cpu").and_then(|index| index.parse().ok()) {
                    stat.cpus.push((index, cpu_times(words, line)?));
                }
            }
        }
    }
    if !saw_cpu {
        return Err("/proc/stat: no cpu line".into());
    }
    Ok(stat)
}

fn cpu_times<'a>(words: impl Iterator<Item = &'a str>, line: &str) -> Result<CpuTimes, String> {
    let numbers: Vec<u64> = words
        .map(|word| word.parse())
        .collect::<Result<_, _>>()
        .map_err(|_| format!("/proc/stat: bad line {line:?}"))?;
    if numbers.len() < 4 {
        return Err(format!("/proc/stat: too few times in {line:?}"));
    }
    let at = |index: usize| numbers.get(index).copied().unwrap_or(0);
    Ok(CpuTimes {
        user: at(0),
        nice: at(1),
        system: at(2),
        idle: at(3),
        iowait: at(4),
        irq: at(5),
        softirq: at(6),
        steal: at(7),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "cpu  30 0 12 900 0 0 0 0 0 0\ncpu0 20 0 2 400 0 0 0 0 0 0\ncpu1 10 0 10 500 0 0 0 0 0 0\nintr 77 0 5 72\nctxt 1234\nbtime 1700000000\nprocesses 42\nprocs_running 3\nprocs_blocked 1\nsoftirq 0 0\n";

    #[test]
    fn every_line_is_read() {
        let stat = parse(SAMPLE).unwrap();
        assert_eq!(
            stat.all,
            CpuTimes {
                user: 30,
                system: 12,
                idle: 900,
                ..CpuTimes::default()
            }
        );
        assert_eq!(stat.cpus.len(), 2);
        assert_eq!(
            stat.cpus[1],
            (
                1,
                CpuTimes {
                    user: 10,
                    system: 10,
                    idle: 500,
                    ..CpuTimes::default()
                }
            )
        );
        assert_eq!(
            (stat.interrupts, stat.context_switches, stat.boot_time),
            (77, 1234, 1_700_000_000)
        );
        assert_eq!(
            (stat.processes, stat.procs_running, stat.procs_blocked),
            (42, 3, 1)
        );
    }

    #[test]
    fn busy_fraction_is_the_share_of_the_delta() {
        let before = CpuTimes {
            user: 10,
            idle: 10,
            ..CpuTimes::default()
        };
        let after = CpuTimes {
            user: 25,
            system: 5,
            idle: 20,
            ..CpuTimes::default()
        };
        assert!((after.busy_fraction_since(&before) - 20.0 / 30.0).abs() < 1e-9);
        assert_eq!(before.busy_fraction_since(&before), 0.0);
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        assert!(parse("").is_err());
        assert!(parse("cpu 1 2\n").is_err());
        assert!(parse("cpu 1 2 x 4\n").is_err());
        assert!(parse("cpu 1 2 3 4\nctxt\n").is_err());
    }
}
