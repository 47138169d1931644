//! The figures printed on the terminal: per CPU busy %, context switches,
//! migrations in (seen from the switches, and recorded `migrate` events in
//! and out), interrupts, exceptions, system calls, page faults, events lost
//! and torn; process, signal and marker counts; the busiest threads;
//! wake-up latency (`sched_waking` to the `sched_switch` that runs the
//! thread) median and p99.

use std::collections::BTreeMap;
use std::fmt;

use crate::model::{Payload, Trace};

/// One CPU's figures.
#[derive(Clone, Debug, PartialEq)]
pub struct CpuFigures {
    pub cpu: u32,
    /// Time not in the idle thread, as a percentage of the trace window.
    pub busy_percent: f64,
    pub context_switches: u64,
    /// Times a thread ran here after last running on another CPU.
    pub migrations_in: u64,
    pub interrupts: u64,
    pub exceptions: u64,
    /// `migrate` events that moved a thread to this CPU, and away from it.
    pub migrate_events_in: u64,
    pub migrate_events_out: u64,
    pub syscalls: u64,
    pub page_faults: u64,
    /// Events overwritten before the dump, and torn, per the dump's header.
    pub lost: u64,
    pub torn: u64,
}

/// Counts over all CPUs of the lifecycle, signal, fault and marker events.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EventCounts {
    pub forks: u64,
    pub execs: u64,
    pub exits: u64,
    pub signals_sent: u64,
    pub signals_delivered: u64,
    /// Page faults not resolved (a signal, or EFAULT for a kernel copy).
    pub fatal_faults: u64,
    pub markers: u64,
    /// `data` slots whose head was lost.
    pub orphan_data: u64,
}

/// One thread's figures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThreadFigures {
    pub id: u32,
    pub name: String,
    pub run_ns: u64,
    /// Run intervals (times switched in, plus the one it was in at the start).
    pub runs: u64,
}

/// Everything the terminal shows.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    pub window_ns: u64,
    pub cpus: Vec<CpuFigures>,
    /// Non-idle threads by run time, longest first.
    pub threads: Vec<ThreadFigures>,
    /// Every wake-up latency measured, sorted.
    pub wakeup_latencies_ns: Vec<u64>,
    pub counts: EventCounts,
}

/// Threads shown in the summary.
const BUSIEST_SHOWN: usize = 8;

impl Summary {
    /// Works out the figures for `trace`.
    pub fn of(trace: &Trace) -> Summary {
        let window_ns = trace.end_ns.saturating_sub(trace.start_ns);
        let mut cpus: BTreeMap<u32, CpuFigures> = trace
            .cpus
            .iter()
            .map(|&cpu| {
                let figures = CpuFigures {
                    cpu,
                    busy_percent: 0.0,
                    context_switches: 0,
                    migrations_in: 0,
                    interrupts: 0,
                    exceptions: 0,
                    migrate_events_in: 0,
                    migrate_events_out: 0,
                    syscalls: 0,
                    page_faults: 0,
                    lost: trace.lost.get(&cpu).map_or(0, |counts| counts.0),
                    torn: trace.lost.get(&cpu).map_or(0, |counts| counts.1),
                };
                (cpu, figures)
            })
            .collect();
        let mut counts = EventCounts { orphan_data: trace.orphan_data, ..EventCounts::default() };
        for event in trace.per_cpu.values().flatten() {
            let figures = cpus.get_mut(&event.cpu).expect("every CPU with events is listed");
            match event.payload {
                Payload::Switch { .. } => figures.context_switches += 1,
                Payload::IrqEntry { .. } => figures.interrupts += 1,
                Payload::Exception { .. } => figures.exceptions += 1,
                Payload::SyscallEnter { .. } => figures.syscalls += 1,
                Payload::PageFault { resolved, .. } => {
                    figures.page_faults += 1;
                    counts.fatal_faults += u64::from(!resolved);
                }
                Payload::Fork { .. } => counts.forks += 1,
                Payload::Exec { .. } => counts.execs += 1,
                Payload::Exit { .. } => counts.exits += 1,
                Payload::SignalGenerate { .. } => counts.signals_sent += 1,
                Payload::SignalDeliver { .. } => counts.signals_delivered += 1,
                Payload::Marker { .. } => counts.markers += 1,
                _ => {}
            }
            if let Payload::Migrate { from, to, .. } = event.payload {
                if let Some(source) = cpus.get_mut(&from) {
                    source.migrate_events_out += 1;
                }
                if let Some(destination) = cpus.get_mut(&to) {
                    destination.migrate_events_in += 1;
                }
            }
        }
        let mut threads: BTreeMap<u32, ThreadFigures> = BTreeMap::new();
        let mut last_cpu: BTreeMap<u32, u32> = BTreeMap::new();
        let mut intervals = trace.intervals.clone();
        intervals.sort_by_key(|interval| (interval.start_ns, interval.cpu));
        for interval in &intervals {
            if trace.is_idle(interval.thread) {
                continue;
            }
            let length = interval.end_ns - interval.start_ns;
            if window_ns > 0 {
                cpus.get_mut(&interval.cpu).expect("listed").busy_percent +=
                    length as f64 * 100.0 / window_ns as f64;
            }
            let figures = threads.entry(interval.thread).or_insert_with(|| ThreadFigures {
                id: interval.thread,
                name: trace.thread(interval.thread).name.clone(),
                run_ns: 0,
                runs: 0,
            });
            figures.run_ns += length;
            figures.runs += 1;
            if let Some(previous) = last_cpu.insert(interval.thread, interval.cpu) {
                if previous != interval.cpu {
                    cpus.get_mut(&interval.cpu).expect("listed").migrations_in += 1;
                }
            }
        }
        let mut threads: Vec<ThreadFigures> = threads.into_values().collect();
        threads.sort_by(|a, b| b.run_ns.cmp(&a.run_ns).then(a.id.cmp(&b.id)));
        Summary {
            window_ns,
            cpus: cpus.into_values().collect(),
            threads,
            wakeup_latencies_ns: wakeup_latencies(trace),
            counts,
        }
    }

    /// The `percent`th percentile wake-up latency (nearest rank), if any was measured.
    pub fn wakeup_percentile_ns(&self, percent: u64) -> Option<u64> {
        let count = self.wakeup_latencies_ns.len() as u64;
        if count == 0 {
            return None;
        }
        let rank = (percent * count).div_ceil(100).clamp(1, count);
        Some(self.wakeup_latencies_ns[(rank - 1) as usize])
    }
}

/// For each switch-in of a thread that was woken since it last ran: the
/// time from its first wake-up to the switch-in.
pub fn wakeup_latencies(trace: &Trace) -> Vec<u64> {
    let mut pending: BTreeMap<u32, u64> = BTreeMap::new();
    let mut latencies = Vec::new();
    for event in trace.events_by_time() {
        match event.payload {
            Payload::Wakeup { thread, .. } => {
                pending.entry(thread).or_insert(event.ns);
            }
            Payload::Switch { next, .. } => {
                if let Some(woken_at) = pending.remove(&next) {
                    latencies.push(event.ns - woken_at);
                }
            }
            _ => {}
        }
    }
    latencies.sort_unstable();
    latencies
}

fn micros(ns: u64) -> String {
    format!("{:.1} us", ns as f64 / 1_000.0)
}

impl fmt::Display for Summary {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(formatter, "trace window: {:.3} ms", self.window_ns as f64 / 1e6)?;
        writeln!(
            formatter,
            "cpu  busy%  switches  migrations-in  migrate-in/out  interrupts  exceptions  syscalls  faults  lost  torn"
        )?;
        for cpu in &self.cpus {
            writeln!(
                formatter,
                "{:>3}  {:>5.1}  {:>8}  {:>13}  {:>14}  {:>10}  {:>10}  {:>8}  {:>6}  {:>4}  {:>4}",
                cpu.cpu,
                cpu.busy_percent,
                cpu.context_switches,
                cpu.migrations_in,
                format!("{}/{}", cpu.migrate_events_in, cpu.migrate_events_out),
                cpu.interrupts,
                cpu.exceptions,
                cpu.syscalls,
                cpu.page_faults,
                cpu.lost,
                cpu.torn
            )?;
        }
        let counts = &self.counts;
        writeln!(
            formatter,
            "processes: {} forks, {} execs, {} exits; signals: {} sent, {} delivered; {} fatal page faults; {} markers",
            counts.forks, counts.execs, counts.exits, counts.signals_sent, counts.signals_delivered, counts.fatal_faults, counts.markers
        )?;
        if counts.orphan_data > 0 {
            writeln!(formatter, "{} data slots lost their event (overwritten or torn)", counts.orphan_data)?;
        }
        writeln!(formatter, "busiest threads:")?;
        for thread in self.threads.iter().take(BUSIEST_SHOWN) {
            writeln!(
                formatter,
                "  {:<16} tid {:<5} ran {:>10} in {} runs",
                thread.name,
                thread.id,
                micros(thread.run_ns),
                thread.runs
            )?;
        }
        match (self.wakeup_percentile_ns(50), self.wakeup_percentile_ns(99)) {
            (Some(median), Some(p99)) => writeln!(
                formatter,
                "wake-up latency: median {}, p99 {} ({} wake-ups)",
                micros(median),
                micros(p99),
                self.wakeup_latencies_ns.len()
            ),
            _ => writeln!(formatter, "wake-up latency: no wake-up was followed by its switch-in"),
        }
    }
}
