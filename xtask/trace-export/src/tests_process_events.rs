//! Tests of the system-call, fault, process, signal, migration and marker
//! events: a dump written with the kernel's formatter, whose text and
//! arguments come in `data` slots (one interleaved with an interrupt),
//! exported to ftrace text (Linux's formats, line by line), Perfetto and
//! the summary; then the same dump with a data line corrupted and one cut.

use protocol::trace_event::{pack_text_chunk, EventKind, SnapshotCounts, SwitchedOutState, TraceEvent};
use protocol::trace_line::{format_begin, format_cpu_dump, format_end, ThreadName, TraceLine};

use crate::model::{Payload, Trace};
use crate::summary::Summary;
use crate::{checks, dump, ftrace_text, perfetto};

const USEC: u64 = 1_000;

fn at(sequence: u64, tsc: u64, event: TraceEvent) -> TraceEvent {
    TraceEvent { sequence, tsc, ..event }
}

fn text_events(kind: EventKind, text: &[u8], first_sequence: u64, tsc: u64) -> Vec<TraceEvent> {
    let chunks: Vec<&[u8]> = text.chunks(12).collect();
    let mut events = vec![at(first_sequence, tsc, TraceEvent::text_head(kind, text.len() as u32, chunks.len() as u8))];
    for (index, chunk) in chunks.iter().enumerate() {
        let (wide, narrow) = pack_text_chunk(chunk);
        events.push(at(first_sequence + 1 + index as u64, tsc + 1, TraceEvent::data(index as u8, wide, narrow)));
    }
    events
}

/// CPU 0: shell (5) forks 6, which migrates to CPU 1; shell writes a
/// marker (an interrupt nests between its data slots) and exits.
/// CPU 1: 6 runs, enters write(1, 0x1000, 5) and returns 5, execs
/// `usertest`, faults, gets SIGUSR1 from 5 and delivers it, exits.
fn process_log() -> String {
    let mut cpu0 = vec![
        at(1, 100 * USEC, TraceEvent::context_switch(1, 5, SwitchedOutState::Runnable)),
        at(2, 110 * USEC, TraceEvent::syscall_enter(56, 0x11, 2)),
        at(3, 110 * USEC, TraceEvent::data(0, 0, 0)),
        at(4, 110 * USEC, TraceEvent::data(1, 0, 0)),
        at(5, 120 * USEC, TraceEvent::fork(6, 0x11, false)),
        at(6, 121 * USEC, TraceEvent::migrate(6, 0, 1)),
        at(7, 130 * USEC, TraceEvent::syscall_exit(56, 6)),
        at(8, 140 * USEC, TraceEvent::signal_generate(10, 6, 0)),
    ];
    let mut marker = text_events(EventKind::Marker, b"hello from the shell", 9, 150 * USEC);
    // An interrupt nests between the head and its second data slot.
    marker.insert(2, at(11, 150 * USEC, TraceEvent::irq_entry(0xfd)));
    marker[3].sequence = 12;
    cpu0.extend(marker);
    cpu0.push(at(13, 160 * USEC, TraceEvent::exit(5, 0)));
    cpu0.push(at(14, 161 * USEC, TraceEvent::context_switch(5, 1, SwitchedOutState::Exited)));

    let mut cpu1 = vec![
        at(1, 200 * USEC, TraceEvent::context_switch(2, 6, SwitchedOutState::Runnable)),
        at(2, 210 * USEC, TraceEvent::syscall_enter(1, 1, 2)),
        at(3, 210 * USEC, TraceEvent::data(0, 0x1000, 0)),
        at(4, 210 * USEC, TraceEvent::data(1, 5, 0)),
        at(5, 220 * USEC, TraceEvent::syscall_exit(1, 5)),
    ];
    cpu1.extend(text_events(EventKind::Exec, b"usertest", 6, 230 * USEC));
    cpu1.push(at(8, 239 * USEC, TraceEvent::irq_entry(14)));
    cpu1.push(at(9, 240 * USEC, TraceEvent::page_fault(0x7000_0010, 6, 3)));
    cpu1.push(at(10, 240 * USEC, TraceEvent::data(0, 0x40_1000, 0)));
    cpu1.push(at(11, 241 * USEC, TraceEvent::irq_exit(14)));
    cpu1.push(at(12, 250 * USEC, TraceEvent::signal_deliver(10, 0x40_2000, 0x0400_0000)));
    cpu1.push(at(13, 260 * USEC, TraceEvent::exit(6, 0)));
    cpu1.push(at(14, 261 * USEC, TraceEvent::context_switch(6, 2, SwitchedOutState::Exited)));

    let mut log = String::new();
    format_begin(2, 1_000_000_000, &mut log).unwrap();
    log.push('\n');
    for (thread, name) in [(5u32, &b"sh"[..]), (6, b"sh")] {
        log.push_str(&format!("{}\n", TraceLine::Thread { thread, name: ThreadName::new(name) }));
    }
    let counts = |events: &[TraceEvent]| SnapshotCounts { recorded: events.len() as u64 + 3, lost: 3, torn: 0 };
    format_cpu_dump(0, 1, &counts(&cpu0), &cpu0, &mut log).unwrap();
    format_cpu_dump(1, 2, &counts(&cpu1), &cpu1, &mut log).unwrap();
    format_end(2, &mut log).unwrap();
    log
}

#[test]
fn process_events_print_in_linuxs_formats() {
    let trace = Trace::build(&dump::read(&process_log()));
    let text = ftrace_text::write(&trace);
    let bodies: Vec<&str> = text.lines().filter(|line| !line.starts_with('#')).map(|line| line.split_once(": ").unwrap().1).collect();
    let expected = [
        "sched_switch: prev_comm=swapper/0 prev_pid=0 prev_prio=120 prev_state=R ==> next_comm=sh next_pid=5 next_prio=120",
        "sys_enter: NR 56 (11, 0, 0)",
        "sched_process_fork: comm=sh pid=5 child_comm=usertest child_pid=6",
        "sched_migrate_task: comm=usertest pid=6 prio=120 orig_cpu=0 dest_cpu=1",
        "sys_exit: NR 56 = 6",
        "signal_generate: sig=10 errno=0 code=0 comm=usertest pid=6 grp=0 res=0",
        "tracing_mark_write: hello from the shell",
        "irq_handler_entry: irq=253 name=timer",
        "sched_process_exit: comm=sh pid=5 prio=120",
        "sched_switch: prev_comm=sh prev_pid=5 prev_prio=120 prev_state=X ==> next_comm=swapper/0 next_pid=0 next_prio=120",
        "sched_switch: prev_comm=swapper/1 prev_pid=0 prev_prio=120 prev_state=R ==> next_comm=usertest next_pid=6 next_prio=120",
        "sys_enter: NR 1 (1, 1000, 5)",
        "sys_exit: NR 1 = 5",
        "sched_process_exec: filename=usertest pid=6 old_pid=6",
        "irq_handler_entry: irq=14 name=exception_14",
        "page_fault_user: address=0x70000010 ip=0x401000 error_code=0x6",
        "irq_handler_exit: irq=14 ret=handled",
        "signal_deliver: sig=10 errno=0 code=0 sa_handler=402000 sa_flags=4000000",
        "sched_process_exit: comm=usertest pid=6 prio=120",
        "sched_switch: prev_comm=usertest prev_pid=6 prev_prio=120 prev_state=X ==> next_comm=swapper/1 next_pid=0 next_prio=120",
    ];
    assert_eq!(bodies, expected);
    assert!(text.contains("              sh-5       [000] .....     0.000150: tracing_mark_write: hello from the shell\n"), "{text}");
    // A page fault is not inside a hard interrupt, even when the exception's entry was recorded.
    assert!(text.contains("        usertest-6       [001] .....     0.000240: page_fault_user: "), "{text}");
    assert_eq!(trace.orphan_data, 0);
}

#[test]
fn process_events_reach_perfetto_and_the_summary() {
    let trace = Trace::build(&dump::read(&process_log()));
    let decoded = perfetto::decode(&perfetto::encode(&trace)).unwrap();
    assert_eq!(checks::problems(&decoded, 2), Vec::<String>::new());
    assert_eq!(checks::syscall_problems(&decoded), Vec::<String>::new());
    assert_eq!(checks::migration_problems(&decoded), Vec::<String>::new());
    let events: Vec<_> = checks::bundles(&decoded).into_iter().flat_map(|(_, events)| events.iter()).collect();
    let enter = events.iter().find(|event| event.has_sys_enter() && event.sys_enter().id() == 1).unwrap();
    assert_eq!((enter.pid(), enter.sys_enter().args.clone()), (6, vec![1, 0x1000, 5]));
    let fork = events.iter().find(|event| event.has_sched_process_fork()).unwrap().sched_process_fork();
    assert_eq!((fork.parent_pid(), fork.child_pid(), fork.child_comm()), (5, 6, "usertest"));
    let exec = events.iter().find(|event| event.has_sched_process_exec()).unwrap();
    assert_eq!((exec.pid(), exec.sched_process_exec().filename()), (6, "usertest"));
    let print = events.iter().find(|event| event.has_print()).unwrap();
    assert_eq!((print.pid(), print.print().buf()), (5, "hello from the shell\n"));
    let migrate = events.iter().find(|event| event.has_sched_migrate_task()).unwrap().sched_migrate_task();
    assert_eq!((migrate.pid(), migrate.orig_cpu(), migrate.dest_cpu()), (6, 0, 1));
    assert!(events.iter().any(|event| event.has_signal_generate() && event.signal_generate().sig() == 10));
    assert!(events.iter().any(|event| event.has_signal_deliver() && event.signal_deliver().sig() == 10));
    assert_eq!(events.iter().filter(|event| event.has_sched_process_exit()).count(), 2);

    let summary = Summary::of(&trace);
    let per_cpu: Vec<(u64, u64, u64, u64, u64)> = summary
        .cpus
        .iter()
        .map(|cpu| (cpu.migrate_events_in, cpu.migrate_events_out, cpu.syscalls, cpu.page_faults, cpu.lost))
        .collect();
    assert_eq!(per_cpu, [(0, 1, 1, 0, 3), (1, 0, 1, 1, 3)]);
    let counts = &summary.counts;
    assert_eq!((counts.forks, counts.execs, counts.exits, counts.markers), (1, 1, 2, 1));
    assert_eq!((counts.signals_sent, counts.signals_delivered, counts.fatal_faults), (1, 1, 0));
    let shown = summary.to_string();
    assert!(shown.contains("processes: 1 forks, 1 execs, 2 exits; signals: 1 sent, 1 delivered; 0 fatal page faults; 1 markers"), "{shown}");
}

#[test]
fn a_lost_data_slot_cuts_the_text_and_an_orphan_is_counted() {
    let log = process_log();
    let lines: Vec<String> = log
        .lines()
        .map(|line| {
            if line.contains("cpu=0 seq=10 ") {
                line.replacen("kind=data", "kind=dat4", 1) // corrupted: checksum mismatch
            } else if line.contains("cpu=1 seq=7 ") {
                line[..line.len() - 20].to_string() // cut: exec's only data slot
            } else {
                line.to_string()
            }
        })
        .collect();
    let read = dump::read(&lines.join("\n"));
    assert_eq!(read.bad_lines.len(), 2, "{:?}", read.bad_lines);
    let trace = Trace::build(&read);
    let marker = trace.per_cpu[&0].iter().find_map(|event| match event.payload {
        Payload::Marker { text } => Some(trace.texts[text].clone()),
        _ => None,
    });
    // Slot 0 lost: slot 1 no longer follows in order, so it is an orphan.
    assert_eq!(marker.as_deref(), Some(""));
    assert_eq!(trace.orphan_data, 1);
    let exec = trace.per_cpu[&1].iter().find_map(|event| match event.payload {
        Payload::Exec { text } => Some(trace.texts[text].clone()),
        _ => None,
    });
    assert_eq!(exec.as_deref(), Some(""));
    assert!(Summary::of(&trace).to_string().contains("1 data slots lost their event"));
}

#[test]
fn a_forked_child_without_a_name_takes_its_parents() {
    // No THREAD line for 6 and no exec: the fork names it after shell 5.
    let full = process_log();
    let log: Vec<&str> = full
        .lines()
        .filter(|line| !line.contains("THREAD tid=6 ") && !line.contains("kind=exec") && !line.contains("cpu=1 seq=7 "))
        .collect();
    let trace = Trace::build(&dump::read(&log.join("\n")));
    assert_eq!(trace.thread(6).name, "sh");
    assert!(ftrace_text::write(&trace).contains("sched_process_fork: comm=sh pid=5 child_comm=sh child_pid=6"));
}

#[test]
fn checks_catch_unpaired_system_calls_and_inconsistent_migrations() {
    let mut trace = Trace::build(&dump::read(&process_log()));
    for event in trace.per_cpu.get_mut(&0).unwrap() {
        match &mut event.payload {
            // The migration claims thread 6 went to CPU 3, but it runs on CPU 1.
            Payload::Migrate { to, .. } => *to = 3,
            // write's exit claims another number.
            Payload::SyscallExit { number, .. } => *number = 57,
            _ => {}
        }
    }
    let decoded = perfetto::decode(&perfetto::encode(&trace)).unwrap();
    let migrations = checks::migration_problems(&decoded);
    assert_eq!(migrations, ["pid 6 runs on cpu 1 at 200000 ns but was last placed on cpu 3"]);
    let syscalls = checks::syscall_problems(&decoded);
    assert_eq!(syscalls, ["pid 5 leaves syscall 57 on cpu 0 at 130000 ns but entered Some(56)"]);
}

#[test]
fn checks_catch_a_migration_from_the_wrong_cpu() {
    let mut trace = Trace::build(&dump::read(&process_log()));
    for event in trace.per_cpu.get_mut(&0).unwrap() {
        if let Payload::Migrate { thread, from, .. } = &mut event.payload {
            // Shell 5 runs on CPU 0 (switched in at 100 us), not CPU 1.
            (*thread, *from) = (5, 1);
        }
    }
    let decoded = perfetto::decode(&perfetto::encode(&trace)).unwrap();
    assert_eq!(checks::migration_problems(&decoded), ["pid 5 migrates from cpu 1 at 121000 ns but was on cpu 0"]);
}
