//! The dump as a timeline: events in nanoseconds with the thread that was
//! running when each was recorded, threads with Linux-style pids and names,
//! and each CPU's run intervals (who ran from when to when).

use std::collections::BTreeMap;

use protocol::trace_event::{EventKind, TraceEvent};

use crate::dump::Dump;
use crate::linux;

/// A thread as the exports show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Thread {
    /// The kernel's thread id.
    pub id: u32,
    /// The pid in the exports: 0 for idle threads, else the id.
    pub pid: i32,
    /// `swapper/N` for idle, the dumped name, or `<...>` (Linux's unknown).
    pub name: String,
    /// The CPU whose idle thread this is.
    pub idle_of: Option<u32>,
}

/// What one event says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Payload {
    /// `prev` left in state `prev_state` (a [`protocol::trace_event::SwitchedOutState`] byte); `next` runs.
    Switch { prev: u32, next: u32, prev_state: u8 },
    /// `thread` was made runnable on `target_cpu`.
    Wakeup { thread: u32, target_cpu: u32 },
    /// Interrupt handler entered.
    IrqEntry { vector: u8 },
    /// Interrupt handler left.
    IrqExit { vector: u8 },
    /// IPI sent to `target_cpu`.
    IpiSend { target_cpu: u32, vector: u8 },
    /// IPI received.
    IpiReceive { vector: u8 },
    /// CPU exception at `rip`.
    Exception { vector: u8, rip: u64 },
    /// A kind byte this tool does not know.
    Unknown { kind: u8 },
}

impl Payload {
    fn of(event: &TraceEvent) -> Self {
        match event.event_kind() {
            Some(EventKind::ContextSwitch) => Payload::Switch {
                prev: event.narrow,
                next: event.wide as u32,
                prev_state: event.small,
            },
            Some(EventKind::Wakeup) => Payload::Wakeup {
                thread: event.narrow,
                target_cpu: u32::from(event.small),
            },
            Some(EventKind::IrqEntry) => Payload::IrqEntry { vector: event.small },
            Some(EventKind::IrqExit) => Payload::IrqExit { vector: event.small },
            Some(EventKind::IpiSend) => Payload::IpiSend {
                target_cpu: event.narrow,
                vector: event.small,
            },
            Some(EventKind::IpiReceive) => Payload::IpiReceive { vector: event.small },
            Some(EventKind::Exception) => Payload::Exception {
                vector: event.small,
                rip: event.wide,
            },
            None => Payload::Unknown { kind: event.kind },
        }
    }
}

/// One event on the timeline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Event {
    pub cpu: u32,
    pub sequence: u64,
    /// Nanoseconds since the TSC started (about: since boot).
    pub ns: u64,
    /// The thread running on `cpu` when it was recorded (for a switch: `prev`).
    pub current: u32,
    pub payload: Payload,
}

/// `thread` ran on `cpu` from `start_ns` to `end_ns`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunInterval {
    pub cpu: u32,
    pub thread: u32,
    pub start_ns: u64,
    pub end_ns: u64,
}

/// The whole timeline.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Trace {
    /// Every CPU that gets a track: those the dump announced and those it has parts for.
    pub cpus: Vec<u32>,
    /// Threads by kernel id.
    pub threads: BTreeMap<u32, Thread>,
    /// Each CPU's events in recording (sequence) order.
    pub per_cpu: BTreeMap<u32, Vec<Event>>,
    /// Run intervals, per CPU in time order.
    pub intervals: Vec<RunInterval>,
    /// First and last event time over all CPUs.
    pub start_ns: u64,
    pub end_ns: u64,
    /// Events kept and events recorded (ftrace's entries-in-buffer/entries-written).
    pub entries: u64,
    pub entries_written: u64,
}

/// `tsc` ticks at `tsc_hz` in nanoseconds.
pub fn tsc_to_ns(tsc: u64, tsc_hz: u64) -> u64 {
    (u128::from(tsc) * 1_000_000_000 / u128::from(tsc_hz.max(1))) as u64
}

impl Trace {
    /// Builds the timeline from what was read.
    pub fn build(dump: &Dump) -> Trace {
        let tsc_hz = dump.tsc_hz_or_assumed();
        let mut trace = Trace::default();
        let mut cpus: Vec<u32> = dump.per_cpu.keys().copied().collect();
        cpus.extend(0..dump.cpus.unwrap_or(0));
        cpus.sort_unstable();
        cpus.dedup();
        trace.cpus = cpus;

        for (&cpu, part) in &dump.per_cpu {
            if let Some(idle) = part.idle_thread {
                trace.threads.insert(
                    idle,
                    Thread {
                        id: idle,
                        pid: 0,
                        name: linux::idle_name(cpu),
                        idle_of: Some(cpu),
                    },
                );
            }
        }
        for (&id, name) in &dump.threads {
            trace.threads.entry(id).or_insert_with(|| Thread {
                id,
                pid: id as i32,
                name: name.clone(),
                idle_of: None,
            });
        }

        for (&cpu, part) in &dump.per_cpu {
            let first_switch_prev = part.events.iter().find_map(|event| match Payload::of(event) {
                Payload::Switch { prev, .. } => Some(prev),
                _ => None,
            });
            let mut current = first_switch_prev.or(part.idle_thread).unwrap_or(0);
            let mut events = Vec::with_capacity(part.events.len());
            for raw in &part.events {
                let payload = Payload::of(raw);
                events.push(Event {
                    cpu,
                    sequence: raw.sequence,
                    ns: tsc_to_ns(raw.tsc, tsc_hz),
                    current,
                    payload,
                });
                if let Payload::Switch { next, .. } = payload {
                    current = next;
                }
            }
            trace.entries += events.len() as u64;
            trace.entries_written += part.counts.map_or(events.len() as u64, |counts| counts.recorded);
            trace.per_cpu.insert(cpu, events);
        }
        let all_times = || trace.per_cpu.values().flatten().map(|event| event.ns);
        trace.start_ns = all_times().min().unwrap_or(0);
        trace.end_ns = all_times().max().unwrap_or(0);
        trace.intervals = run_intervals(&trace.per_cpu, trace.end_ns);

        let mentioned: Vec<u32> = trace
            .per_cpu
            .values()
            .flatten()
            .flat_map(|event| {
                let mut ids = vec![event.current];
                match event.payload {
                    Payload::Switch { prev, next, .. } => ids.extend([prev, next]),
                    Payload::Wakeup { thread, .. } => ids.push(thread),
                    _ => {}
                }
                ids
            })
            .collect();
        for id in mentioned {
            trace.threads.entry(id).or_insert_with(|| Thread {
                id,
                pid: id as i32,
                name: "<...>".to_string(),
                idle_of: None,
            });
        }
        trace
    }

    /// The thread with kernel id `id` (every id in an event has an entry).
    pub fn thread(&self, id: u32) -> &Thread {
        &self.threads[&id]
    }

    /// Whether `id` is some CPU's idle thread.
    pub fn is_idle(&self, id: u32) -> bool {
        self.threads.get(&id).is_some_and(|thread| thread.idle_of.is_some())
    }

    /// Every event of every CPU, by time (ties: CPU, then sequence).
    pub fn events_by_time(&self) -> Vec<Event> {
        let mut events: Vec<Event> = self.per_cpu.values().flatten().copied().collect();
        events.sort_by_key(|event| (event.ns, event.cpu, event.sequence));
        events
    }
}

/// Each CPU's run intervals: the thread before its first switch from its
/// first event, then each switch's `next` until the following switch (the
/// last one until `end_ns`).
fn run_intervals(per_cpu: &BTreeMap<u32, Vec<Event>>, end_ns: u64) -> Vec<RunInterval> {
    let mut intervals = Vec::new();
    for (&cpu, events) in per_cpu {
        let Some(first) = events.first() else { continue };
        let mut running = first.current;
        let mut since = first.ns;
        for event in events {
            if let Payload::Switch { next, .. } = event.payload {
                intervals.push(RunInterval {
                    cpu,
                    thread: running,
                    start_ns: since,
                    end_ns: event.ns.max(since),
                });
                running = next;
                since = event.ns;
            }
        }
        intervals.push(RunInterval {
            cpu,
            thread: running,
            start_ns: since,
            end_ns: end_ns.max(since),
        });
    }
    intervals
}
