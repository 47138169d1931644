//! Consistency checks on a decoded Perfetto trace, the way a reader of the
//! exported file sees it (used by the host tests and the QEMU trace test):
//!
//! 1. every CPU has a track (an ftrace bundle);
//! 2. on each CPU, each `sched_switch`'s `prev` is the previous switch's `next`;
//! 3. a thread's run intervals never overlap across CPUs (idle, pid 0, excepted);
//! 4. a thread that left a CPU asleep or blocked (`prev_state` S or D) is
//!    woken (`sched_waking`) before the switch that runs it again, and not
//!    before it last started running. (The waking may come a little before
//!    the switch-out itself: the waker can see the thread blocked while its
//!    CPU is still switching away from it, as on Linux.)
//!
//! For traces with system-call and migration events, [`syscall_problems`]
//! and [`migration_problems`] check that each thread's `sys_enter` and
//! `sys_exit` pair up, and that each `sched_migrate_task` starts on the CPU
//! the thread was on and the thread next runs where the last one sent it.

use std::collections::BTreeMap;

use perfetto_protos::ftrace_event::FtraceEvent;
use perfetto_protos::trace::Trace as PerfettoTrace;

/// `(cpu, events)` for every ftrace bundle, events in file order.
pub fn bundles(trace: &PerfettoTrace) -> Vec<(u32, &[FtraceEvent])> {
    trace
        .packet
        .iter()
        .filter(|packet| packet.has_ftrace_events())
        .map(|packet| {
            let bundle = packet.ftrace_events();
            (bundle.cpu(), bundle.event.as_slice())
        })
        .collect()
}

/// One switch as a reader sees it.
#[derive(Clone, Copy, Debug)]
struct Switch {
    cpu: u32,
    ns: u64,
    prev: i32,
    prev_state: i64,
    next: i32,
}

/// Everything wrong with `trace` for a machine with `cpus` CPUs (empty: consistent).
pub fn problems(trace: &PerfettoTrace, cpus: u32) -> Vec<String> {
    let mut problems = Vec::new();
    let bundles = bundles(trace);
    for cpu in 0..cpus {
        if !bundles.iter().any(|(bundle_cpu, _)| *bundle_cpu == cpu) {
            problems.push(format!("cpu {cpu} has no track"));
        }
    }
    let mut switches = Vec::new();
    let mut wakings: Vec<(u64, i32)> = Vec::new();
    for (cpu, events) in &bundles {
        let mut running: Option<i32> = None;
        for event in *events {
            if event.has_sched_switch() {
                let switch = event.sched_switch();
                if let Some(running) = running {
                    if running != switch.prev_pid() {
                        problems.push(format!(
                            "cpu {cpu} at {} ns: switch from pid {} but pid {running} was switched in",
                            event.timestamp(),
                            switch.prev_pid()
                        ));
                    }
                }
                running = Some(switch.next_pid());
                switches.push(Switch {
                    cpu: *cpu,
                    ns: event.timestamp(),
                    prev: switch.prev_pid(),
                    prev_state: switch.prev_state(),
                    next: switch.next_pid(),
                });
            } else if event.has_sched_waking() {
                wakings.push((event.timestamp(), event.sched_waking().pid()));
            }
        }
    }
    problems.extend(overlapping_runs(&switches));
    problems.extend(unwoken_switch_ins(&switches, &wakings));
    problems
}

/// Intervals between a thread's switch-in and its switch-out on one CPU,
/// compared across CPUs.
fn overlapping_runs(switches: &[Switch]) -> Vec<String> {
    let mut runs: BTreeMap<i32, Vec<(u64, u64, u32)>> = BTreeMap::new();
    let mut open: BTreeMap<u32, (i32, u64)> = BTreeMap::new();
    let mut by_cpu = switches.to_vec();
    by_cpu.sort_by_key(|switch| switch.cpu);
    for switch in &by_cpu {
        if let Some((pid, since)) = open.insert(switch.cpu, (switch.next, switch.ns)) {
            if pid == switch.prev && pid != 0 {
                runs.entry(pid).or_default().push((since, switch.ns, switch.cpu));
            }
        }
    }
    let mut problems = Vec::new();
    for (pid, mut intervals) in runs {
        intervals.sort_unstable();
        for pair in intervals.windows(2) {
            let ((_, end, first_cpu), (start, _, second_cpu)) = (pair[0], pair[1]);
            if start < end {
                problems.push(format!(
                    "pid {pid} runs on cpu {first_cpu} until {end} ns and on cpu {second_cpu} from {start} ns"
                ));
            }
        }
    }
    problems
}

/// Linux `prev_state` bits of a thread that waits to be woken (S, D).
const WAITING_STATES: i64 = 1 | 2;

fn unwoken_switch_ins(switches: &[Switch], wakings: &[(u64, i32)]) -> Vec<String> {
    let mut by_time = switches.to_vec();
    by_time.sort_by_key(|switch| switch.ns);
    let mut last_switch_in: BTreeMap<i32, u64> = BTreeMap::new();
    let mut left_waiting_at: BTreeMap<i32, u64> = BTreeMap::new();
    let mut problems = Vec::new();
    for switch in &by_time {
        if let Some(since) = left_waiting_at.remove(&switch.next) {
            let woken = wakings
                .iter()
                .any(|(ns, pid)| *pid == switch.next && *ns >= since && *ns <= switch.ns);
            if !woken {
                problems.push(format!(
                    "pid {} switched in on cpu {} at {} ns without a wake-up since it last started running at {since} ns",
                    switch.next, switch.cpu, switch.ns
                ));
            }
        }
        if switch.prev != 0 && switch.prev_state & WAITING_STATES != 0 {
            let started = last_switch_in.get(&switch.prev).copied().unwrap_or(0);
            left_waiting_at.insert(switch.prev, started);
        }
        last_switch_in.insert(switch.next, switch.ns);
    }
    problems
}

/// Every event of every bundle with its CPU, by timestamp.
fn events_by_time(trace: &PerfettoTrace) -> Vec<(u32, &FtraceEvent)> {
    let mut events: Vec<(u32, &FtraceEvent)> =
        bundles(trace).into_iter().flat_map(|(cpu, events)| events.iter().map(move |event| (cpu, event))).collect();
    events.sort_by_key(|(_, event)| event.timestamp());
    events
}

/// System calls that do not return when they succeed (`exit`, `exit_group`).
const NO_RETURN_SYSCALLS: [i64; 2] = [60, 231];

/// Per thread (the event's pid), in time order: each `sys_enter` is
/// followed by the `sys_exit` of the same number before the next
/// `sys_enter` (except `exit`/`exit_group`); a `sys_exit` without its
/// `sys_enter` is allowed only as a thread's first system-call event (it
/// was inside the call when tracing started).
pub fn syscall_problems(trace: &PerfettoTrace) -> Vec<String> {
    let mut open: BTreeMap<u32, Option<i64>> = BTreeMap::new();
    let mut problems = Vec::new();
    for (cpu, event) in events_by_time(trace) {
        let pid = event.pid();
        if pid == 0 {
            continue;
        }
        if event.has_sys_enter() {
            let number = event.sys_enter().id();
            if let Some(Some(pending)) = open.get(&pid) {
                if !NO_RETURN_SYSCALLS.contains(pending) {
                    problems.push(format!("pid {pid} enters syscall {number} on cpu {cpu} at {} ns while in {pending}", event.timestamp()));
                }
            }
            open.insert(pid, Some(number));
        } else if event.has_sys_exit() {
            let number = event.sys_exit().id();
            match open.insert(pid, None) {
                Some(Some(pending)) if pending == number => {}
                None => {}
                Some(other) => problems.push(format!(
                    "pid {pid} leaves syscall {number} on cpu {cpu} at {} ns but entered {other:?}",
                    event.timestamp()
                )),
            }
        }
    }
    problems
}

/// Per thread, in time order: a `sched_migrate_task` moves it from the CPU
/// it last ran on (or was last sent to), and its next switch-in is on the
/// CPU the last migration named.
pub fn migration_problems(trace: &PerfettoTrace) -> Vec<String> {
    let mut placed: BTreeMap<i32, u32> = BTreeMap::new();
    let mut problems = Vec::new();
    for (cpu, event) in events_by_time(trace) {
        if event.has_sched_switch() {
            let next = event.sched_switch().next_pid();
            if next == 0 {
                continue;
            }
            if let Some(expected) = placed.insert(next, cpu) {
                if expected != cpu {
                    problems.push(format!("pid {next} runs on cpu {cpu} at {} ns but was last placed on cpu {expected}", event.timestamp()));
                }
            }
        } else if event.has_sched_migrate_task() {
            let migrate = event.sched_migrate_task();
            let (pid, from, to) = (migrate.pid(), migrate.orig_cpu() as u32, migrate.dest_cpu() as u32);
            if let Some(expected) = placed.insert(pid, to) {
                if expected != from {
                    problems.push(format!(
                        "pid {pid} migrates from cpu {from} at {} ns but was on cpu {expected}",
                        event.timestamp()
                    ));
                }
            }
        }
    }
    problems
}
