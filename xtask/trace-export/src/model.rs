//! The dump as a timeline: events in nanoseconds with the thread that was
//! running when each was recorded, threads with Linux-style pids and names,
//! and each CPU's run intervals (who ran from when to when).

use std::collections::BTreeMap;

use protocol::trace_event::{
    fault_flags, signal_generate, unpack_text_chunk, EventKind, TraceEvent, SYSCALL_ARGUMENTS_RECORDED,
};

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
    /// System call `number` entered; the first `argument_count` of `arguments` were recorded.
    SyscallEnter { number: u32, arguments: [u64; SYSCALL_ARGUMENTS_RECORDED], argument_count: u8 },
    /// System call `number` returned `value`.
    SyscallExit { number: u32, value: i64 },
    /// Page fault at `address` from `rip` (0 if its data slot was lost).
    PageFault { address: u64, rip: u64, error_code: u32, user: bool, resolved: bool },
    /// The running thread cloned `child` (`thread`: into its own process).
    Fork { child: u32, thread: bool, clone_flags: u64 },
    /// The running thread's process executed `Trace::texts[text]`.
    Exec { text: usize },
    /// Thread `thread` exited with `code`.
    Exit { thread: u32, code: u64 },
    /// `signal` sent to `target` (a process when `group`); Linux's `result`.
    SignalGenerate { signal: u8, code: i32, target: u32, group: bool, result: u8 },
    /// `signal` delivered to the running thread.
    SignalDeliver { signal: u8, handler: u64, sa_flags: u32 },
    /// `thread` moved from CPU `from` to CPU `to`.
    Migrate { thread: u32, from: u32, to: u32 },
    /// A user marker: `Trace::texts[text]`.
    Marker { text: usize },
    /// A kind byte this tool does not know.
    Unknown { kind: u8 },
}

impl Payload {
    /// The payload of `event`, with the `data` slots that followed it and
    /// `texts` to keep its text in.
    fn of(event: &TraceEvent, data: &[TraceEvent], texts: &mut Vec<String>) -> Self {
        let mut text_index = || {
            let mut bytes: Vec<u8> = data.iter().flat_map(|slot| unpack_text_chunk(slot.wide, slot.narrow)).collect();
            bytes.truncate(event.narrow as usize);
            texts.push(String::from_utf8_lossy(&bytes).into_owned());
            texts.len() - 1
        };
        match event.event_kind() {
            Some(EventKind::SyscallEnter) => {
                let mut arguments = [0; SYSCALL_ARGUMENTS_RECORDED];
                arguments[0] = event.wide;
                for (slot, value) in arguments[1..].iter_mut().zip(data) {
                    *slot = value.wide;
                }
                Payload::SyscallEnter {
                    number: event.narrow,
                    arguments,
                    argument_count: (1 + data.len()).min(SYSCALL_ARGUMENTS_RECORDED) as u8,
                }
            }
            Some(EventKind::SyscallExit) => Payload::SyscallExit { number: event.narrow, value: event.wide as i64 },
            Some(EventKind::PageFault) => Payload::PageFault {
                address: event.wide,
                rip: data.first().map_or(0, |slot| slot.wide),
                error_code: event.narrow,
                user: event.small & fault_flags::USER != 0,
                resolved: event.small & fault_flags::RESOLVED != 0,
            },
            Some(EventKind::Fork) => Payload::Fork { child: event.narrow, thread: event.small != 0, clone_flags: event.wide },
            Some(EventKind::Exec) => Payload::Exec { text: text_index() },
            Some(EventKind::Exit) => Payload::Exit { thread: event.narrow, code: event.wide },
            Some(EventKind::SignalGenerate) => Payload::SignalGenerate {
                signal: event.small,
                target: event.narrow,
                group: event.wide & signal_generate::GROUP != 0,
                result: (event.wide & signal_generate::RESULT_MASK) as u8,
                code: (event.wide >> signal_generate::CODE_SHIFT) as u32 as i32,
            },
            Some(EventKind::SignalDeliver) => {
                Payload::SignalDeliver { signal: event.small, handler: event.wide, sa_flags: event.narrow }
            }
            Some(EventKind::Migrate) => Payload::Migrate { thread: event.narrow, from: u32::from(event.small), to: event.wide as u32 },
            Some(EventKind::Marker) => Payload::Marker { text: text_index() },
            Some(EventKind::Data) => Payload::Unknown { kind: event.kind },
            _ => Payload::of_single(event),
        }
    }

    fn of_single(event: &TraceEvent) -> Self {
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
            _ => Payload::Unknown { kind: event.kind },
        }
    }
}

/// Each event of a CPU (in sequence order) that is not a `data` slot, with
/// the data slots that belong to it: those after it, numbered from 0 up to
/// its count, with other events (nested interrupts) allowed in between. A
/// data slot that fits no head (its head was overwritten or torn) is an
/// orphan, counted.
pub fn attach_data(events: &[TraceEvent]) -> (Vec<(TraceEvent, Vec<TraceEvent>)>, u64) {
    let mut grouped: Vec<(TraceEvent, Vec<TraceEvent>)> = Vec::with_capacity(events.len());
    let mut open_head: Option<(usize, u8)> = None;
    let mut orphans = 0;
    for event in events {
        if event.event_kind() == Some(EventKind::Data) {
            match open_head {
                Some((head, expected)) if grouped[head].1.len() == usize::from(event.small) && event.small < expected => {
                    grouped[head].1.push(*event);
                }
                _ => orphans += 1,
            }
            continue;
        }
        let slots = event.event_kind().map_or(0, |kind| kind.data_slots(event.small));
        if slots > 0 {
            open_head = Some((grouped.len(), slots));
        }
        grouped.push((*event, Vec::new()));
    }
    (grouped, orphans)
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
    /// Texts of exec and marker events ([`Payload::Exec`], [`Payload::Marker`]).
    pub texts: Vec<String>,
    /// `data` slots whose head was lost.
    pub orphan_data: u64,
    /// Per CPU: events lost to overwriting and torn (from the dump's headers).
    pub lost: BTreeMap<u32, (u64, u64)>,
}

/// Linux's name for a thread whose name is not known.
pub const UNKNOWN_NAME: &str = "<...>";

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
            let first_switch_prev = part.events.iter().find_map(|event| match Payload::of_single(event) {
                Payload::Switch { prev, .. } => Some(prev),
                _ => None,
            });
            let mut current = first_switch_prev.or(part.idle_thread).unwrap_or(0);
            let (grouped, orphans) = attach_data(&part.events);
            trace.orphan_data += orphans;
            if let Some(counts) = part.counts {
                trace.lost.insert(cpu, (counts.lost, counts.torn));
            }
            let mut events = Vec::with_capacity(grouped.len());
            for (raw, data) in &grouped {
                let payload = Payload::of(raw, data, &mut trace.texts);
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
                    Payload::Wakeup { thread, .. } | Payload::Exit { thread, .. } | Payload::Migrate { thread, .. } => ids.push(thread),
                    Payload::Fork { child, .. } => ids.push(child),
                    Payload::SignalGenerate { target, .. } => ids.push(target),
                    _ => {}
                }
                ids
            })
            .collect();
        for id in mentioned {
            trace.threads.entry(id).or_insert_with(|| Thread {
                id,
                pid: id as i32,
                name: UNKNOWN_NAME.to_string(),
                idle_of: None,
            });
        }
        trace.name_forked_and_executed();
        trace
    }

    /// A child with no name of its own takes its parent's (a fork copies
    /// the command name); an exec names its thread after the program (the
    /// last one, as a thread track has one name).
    fn name_forked_and_executed(&mut self) {
        for event in self.events_by_time() {
            match event.payload {
                Payload::Fork { child, .. } => {
                    let parent = self.thread(event.current).name.clone();
                    if let Some(thread) = self.threads.get_mut(&child) {
                        if thread.name == UNKNOWN_NAME {
                            thread.name = parent;
                        }
                    }
                }
                Payload::Exec { text } => {
                    let name = self.texts[text].clone();
                    if let Some(thread) = self.threads.get_mut(&event.current).filter(|thread| thread.idle_of.is_none()) {
                        thread.name = name;
                    }
                }
                _ => {}
            }
        }
    }

    /// The thread with kernel id `id` (every id in an event has an entry).
    pub fn thread(&self, id: u32) -> &Thread {
        &self.threads[&id]
    }

    /// Thread `id` as an event on `cpu` names it: the kernel dumps every
    /// CPU's idle thread as id 0 (Linux's pid 0), which is `swapper/N`
    /// after the CPU it idles, as Linux prints it.
    pub fn thread_on(&self, id: u32, cpu: u32) -> Thread {
        let mut thread = self.thread(id).clone();
        if thread.idle_of.is_some() {
            thread.name = linux::idle_name(cpu);
            thread.idle_of = Some(cpu);
        }
        thread
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
