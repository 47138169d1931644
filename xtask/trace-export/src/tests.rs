//! Tests of the exporters on golden console logs (tests/golden/, written by
//! make_logs.py): an intact two-CPU dump, and the same dump with a changed
//! digit, a cut line, an interleaved line and output glued after a checksum.

use std::path::Path;

use protocol::trace_event::{SnapshotCounts, SwitchedOutState, TraceEvent};
use protocol::trace_line::{format_begin, format_cpu_dump, format_end, format_thread, ParseError, ThreadName, TraceLine};
use crate::dump::{self, BadLine};
use crate::model::Trace;
use crate::summary::Summary;
use crate::{checks, ftrace_text, perfetto, svg};

fn golden(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

fn sequences(dump: &dump::Dump, cpu: u32) -> Vec<u64> {
    dump.per_cpu[&cpu].events.iter().map(|event| event.sequence).collect()
}

#[test]
fn intact_log_is_read_whole() {
    let dump = dump::read(&golden("intact.log"));
    assert!(dump.bad_lines.is_empty(), "{:?}", dump.bad_lines);
    assert!(dump.complete);
    assert_eq!((dump.cpus, dump.tsc_hz), (Some(2), Some(1_000_000_000)));
    assert_eq!(dump.threads[&4], "worker b");
    assert_eq!(sequences(&dump, 0), [1, 2, 3, 4, 5, 6, 7, 8]);
    assert_eq!(sequences(&dump, 1), [1, 2, 3, 4, 5]);
    assert_eq!(dump.warnings(), Vec::<String>::new());
}

#[test]
fn bad_lines_are_reported_with_their_number_and_skipped() {
    let dump = dump::read(&golden("damaged.log"));
    let reasons: Vec<(usize, ParseError)> = dump
        .bad_lines
        .iter()
        .map(|BadLine { line_number, reason }| (*line_number, *reason))
        .collect();
    assert!(matches!(reasons[0], (12, ParseError::ChecksumMismatch { .. })), "{reasons:?}");
    assert_eq!(
        reasons[1..],
        [(15, ParseError::MissingChecksum), (17, ParseError::MalformedChecksum)]
    );
    // The interleaved line 16 yields its whole record (seq 7); 4 and 8 are gone.
    assert_eq!(sequences(&dump, 0), [1, 2, 3, 5, 6, 7]);
    assert_eq!(sequences(&dump, 1), [1, 2, 3, 4, 5]);
    assert_eq!(dump.warnings(), ["cpu 0: header says 8 events, 6 were read"]);
    assert_eq!(dump.bad_lines[1].to_string(), "line 15: no ' sum=' field (line cut short?)");
}

#[test]
fn ftrace_text_matches_the_golden_files() {
    for name in ["intact", "damaged"] {
        let trace = Trace::build(&dump::read(&golden(&format!("{name}.log"))));
        let text = ftrace_text::write(&trace);
        assert_eq!(text, golden(&format!("{name}.trace.txt")), "{name}");
    }
}

#[test]
fn summary_figures() {
    let trace = Trace::build(&dump::read(&golden("intact.log")));
    let summary = Summary::of(&trace);
    assert_eq!(summary.window_ns, 5_000_000);
    let busy: Vec<f64> = summary.cpus.iter().map(|cpu| cpu.busy_percent).collect();
    assert_eq!(busy, [50.0, 52.0]);
    let counts: Vec<(u64, u64, u64, u64)> = summary
        .cpus
        .iter()
        .map(|cpu| (cpu.context_switches, cpu.migrations_in, cpu.interrupts, cpu.exceptions))
        .collect();
    assert_eq!(counts, [(2, 0, 1, 1), (2, 0, 1, 0)]);
    assert_eq!(summary.wakeup_latencies_ns, [400_000, 500_000]);
    assert_eq!(summary.wakeup_percentile_ns(50), Some(400_000));
    assert_eq!(summary.wakeup_percentile_ns(99), Some(500_000));
    let busiest: Vec<(&str, u64)> = summary.threads.iter().map(|thread| (thread.name.as_str(), thread.run_ns)).collect();
    assert_eq!(busiest, [("worker b", 2_600_000), ("worker-a", 2_500_000)]);
    assert!(summary.to_string().contains("wake-up latency: median 400.0 us, p99 500.0 us (2 wake-ups)"));
}

/// A dump written with the kernel's formatter: thread 9 runs on CPU 0, then on CPU 1.
fn migrating_thread_log() -> String {
    let mut log = String::new();
    format_begin(2, 1_000_000_000, &mut log).unwrap();
    log.push('\n');
    log.push_str(&format!("{}\n", TraceLine::Thread { thread: 9, name: protocol::trace_line::ThreadName::new(b"mover") }));
    let switch = |sequence, tsc, prev, next, state| TraceEvent {
        sequence,
        tsc,
        ..TraceEvent::context_switch(prev, next, state)
    };
    let cpu0 = [switch(1, 100, 1, 9, SwitchedOutState::Runnable), switch(2, 200, 9, 1, SwitchedOutState::Runnable)];
    let cpu1 = [switch(1, 300, 2, 9, SwitchedOutState::Runnable), switch(2, 400, 9, 2, SwitchedOutState::Exited)];
    let counts = SnapshotCounts { recorded: 2, lost: 0, torn: 0 };
    format_cpu_dump(0, 1, &counts, &cpu0, &mut log).unwrap();
    format_cpu_dump(1, 2, &counts, &cpu1, &mut log).unwrap();
    format_end(2, &mut log).unwrap();
    log
}

/// Two CPUs whose idle threads are both id 0, as the kernel dumps them.
fn shared_idle_id_log() -> String {
    let mut log = String::new();
    format_begin(2, 1_000_000_000, &mut log).unwrap();
    log.push('\n');
    format_thread(5, &ThreadName::new(b"worker"), &mut log).unwrap();
    log.push('\n');
    let switch = |sequence, tsc, previous, next| TraceEvent {
        sequence,
        tsc,
        ..TraceEvent::context_switch(previous, next, SwitchedOutState::Runnable)
    };
    let counts = SnapshotCounts { recorded: 2, lost: 0, torn: 0 };
    format_cpu_dump(0, 0, &counts, &[switch(1, 100, 0, 5), switch(2, 200, 5, 0)], &mut log).unwrap();
    format_cpu_dump(1, 0, &counts, &[switch(1, 300, 0, 5), switch(2, 400, 5, 0)], &mut log).unwrap();
    format_end(2, &mut log).unwrap();
    log
}

#[test]
fn idle_is_named_after_the_cpu_it_runs_on() {
    let trace = Trace::build(&dump::read(&shared_idle_id_log()));
    let text = ftrace_text::write(&trace);
    assert!(text.contains("[001] d....     0.000000: sched_switch: prev_comm=worker prev_pid=5 prev_prio=120 prev_state=R ==> next_comm=swapper/1"), "{text}");
    assert!(text.contains("[000] d....     0.000000: sched_switch: prev_comm=swapper/0 prev_pid=0"), "{text}");
    let decoded = perfetto::decode(&perfetto::encode(&trace)).unwrap();
    let bundles = checks::bundles(&decoded);
    let comms: Vec<(u32, String)> = bundles
        .iter()
        .flat_map(|(cpu, events)| events.iter().map(move |event| (*cpu, event.sched_switch().next_comm().to_string())))
        .collect();
    assert_eq!(comms, [(0, "worker".into()), (0, "swapper/0".into()), (1, "worker".into()), (1, "swapper/1".into())]);
}

#[test]
fn a_thread_moving_between_cpus_counts_as_a_migration() {
    let trace = Trace::build(&dump::read(&migrating_thread_log()));
    let summary = Summary::of(&trace);
    let migrations: Vec<u64> = summary.cpus.iter().map(|cpu| cpu.migrations_in).collect();
    assert_eq!(migrations, [0, 1]);
    assert_eq!(summary.threads[0].runs, 2);
    let decoded = perfetto::decode(&perfetto::encode(&trace)).unwrap();
    assert_eq!(checks::problems(&decoded, 2), Vec::<String>::new());
}

#[test]
fn perfetto_output_decodes_with_the_schema() {
    let trace = Trace::build(&dump::read(&golden("intact.log")));
    let decoded = perfetto::decode(&perfetto::encode(&trace)).expect("decodes");
    let bundles = checks::bundles(&decoded);
    assert_eq!(bundles.iter().map(|(cpu, _)| *cpu).collect::<Vec<_>>(), [0, 1]);
    // The exception has no ftrace event: 7 of CPU 0's 8 events.
    assert_eq!((bundles[0].1.len(), bundles[1].1.len()), (7, 5));
    let events = bundles.iter().flat_map(|(_, events)| events.iter());
    assert!(events.clone().all(|event| event.has_pid() && event.has_timestamp()));
    let switch = bundles[0].1.iter().find(|event| event.has_sched_switch()).unwrap().sched_switch();
    assert_eq!(
        (switch.prev_comm(), switch.prev_pid(), switch.prev_state(), switch.next_comm(), switch.next_pid()),
        ("swapper/0", 0, 0, "worker-a", 3)
    );
    let blocked = bundles[0].1.iter().rev().find(|event| event.has_sched_switch()).unwrap();
    assert_eq!((blocked.pid(), blocked.sched_switch().prev_state()), (3, 2));
    let exited = bundles[1].1.last().unwrap().sched_switch();
    assert_eq!(exited.prev_state(), 16);
    let waking = bundles[0].1.iter().find(|event| event.has_sched_waking()).unwrap();
    assert_eq!((waking.pid(), waking.sched_waking().pid(), waking.timestamp()), (0, 3, 2_000_000));
    let names: Vec<(i32, &str)> = decoded
        .packet
        .iter()
        .filter(|packet| packet.has_track_descriptor() && packet.track_descriptor().thread.is_some())
        .map(|packet| {
            let thread = packet.track_descriptor().thread.as_ref().unwrap();
            (thread.tid(), thread.thread_name())
        })
        .collect();
    assert_eq!(names, [(3, "worker-a"), (4, "worker b")]);
    assert!(decoded.packet.iter().any(|packet| packet.has_system_info()));
    assert_eq!(checks::problems(&decoded, 2), Vec::<String>::new());
}

#[test]
fn an_empty_trace_decodes() {
    let empty = Trace::build(&dump::read("no trace here\n"));
    let decoded = perfetto::decode(&perfetto::encode(&empty)).expect("decodes");
    assert!(checks::bundles(&decoded).is_empty());
    let mut idle_machine = String::new();
    format_begin(3, 1_000, &mut idle_machine).unwrap();
    idle_machine.push('\n');
    format_end(3, &mut idle_machine).unwrap();
    let trace = Trace::build(&dump::read(&idle_machine));
    let decoded = perfetto::decode(&perfetto::encode(&trace)).expect("decodes");
    // Every CPU gets its track, even with no event.
    assert_eq!(checks::bundles(&decoded).len(), 3);
    assert_eq!(checks::problems(&decoded, 3), Vec::<String>::new());
    assert!(ftrace_text::write(&trace).contains("#P:3"));
}

#[test]
fn checks_catch_an_inconsistent_trace() {
    // CPU 1's second switch claims CPU 0's idle thread left it, but thread 9 was running.
    let mut trace = Trace::build(&dump::read(&migrating_thread_log()));
    if let crate::model::Payload::Switch { prev, .. } = &mut trace.per_cpu.get_mut(&1).unwrap()[1].payload {
        *prev = 1;
    }
    let decoded = perfetto::decode(&perfetto::encode(&trace)).unwrap();
    let problems = checks::problems(&decoded, 3);
    assert!(problems.iter().any(|problem| problem == "cpu 2 has no track"), "{problems:?}");
    assert!(problems.iter().any(|problem| problem.contains("switch from pid 0 but pid 9 was switched in")), "{problems:?}");
}

#[test]
fn format_1_logs_export_with_an_assumed_tsc_rate() {
    let note = include_str!("../../../TEAM_NOTES/flight-recorder-format.md");
    let begin = note.find("<!-- examples-v1:begin -->").expect("format-1 example in the note");
    let trace = Trace::build(&dump::read(&note[begin..]));
    assert_eq!(trace.cpus, [0, 1]);
    assert!(!trace.per_cpu[&0].is_empty());
    let decoded = perfetto::decode(&perfetto::encode(&trace)).unwrap();
    assert_eq!(checks::bundles(&decoded).len(), 2);
}

#[test]
fn svg_has_a_lane_per_cpu_with_names_ticks_and_arrows() {
    let trace = Trace::build(&dump::read(&golden("intact.log")));
    let picture = svg::write(&trace);
    assert!(picture.starts_with("<svg") && picture.trim_end().ends_with("</svg>"));
    for text in [">cpu 0<", ">cpu 1<", ">worker-a<", "worker b (4)", "0.000 ms", "5.000 ms"] {
        assert!(picture.contains(text), "no {text:?} in the SVG");
    }
    assert_eq!(picture.matches("<title>irq ").count(), 2);
    assert_eq!(picture.matches("marker-end=\"url(#arrow)\"").count(), 2);
}

/// Thread 9 runs on CPU 0 from 100 ns, blocks at 200 ns, and runs on CPU 1
/// at 300 ns; CPU 1 woke it at `woken_at` ns.
fn blocked_thread_log(woken_at: u64) -> String {
    let mut log = String::new();
    format_begin(2, 1_000_000_000, &mut log).unwrap();
    log.push('\n');
    let at = |sequence, tsc, event: TraceEvent| TraceEvent { sequence, tsc, ..event };
    let cpu0 = [
        at(1, 100, TraceEvent::context_switch(1, 9, SwitchedOutState::Runnable)),
        at(2, 200, TraceEvent::context_switch(9, 1, SwitchedOutState::Blocked)),
    ];
    let cpu1 = [at(1, woken_at, TraceEvent::wakeup(9, 1)), at(2, 300, TraceEvent::context_switch(2, 9, SwitchedOutState::Runnable))];
    let counts = SnapshotCounts { recorded: 2, lost: 0, torn: 0 };
    format_cpu_dump(0, 1, &counts, &cpu0, &mut log).unwrap();
    format_cpu_dump(1, 2, &counts, &cpu1, &mut log).unwrap();
    format_end(2, &mut log).unwrap();
    log
}

#[test]
fn a_wake_up_must_come_after_the_thread_last_started_running() {
    let problems = |woken_at| {
        let trace = Trace::build(&dump::read(&blocked_thread_log(woken_at)));
        checks::problems(&perfetto::decode(&perfetto::encode(&trace)).unwrap(), 2)
    };
    // Woken after it blocked, or while its CPU was still switching away from it: fine.
    assert_eq!(problems(250), Vec::<String>::new());
    assert_eq!(problems(150), Vec::<String>::new());
    // Woken before it last ran (a stale wake-up), or not before its switch-in: reported.
    assert_eq!(problems(50).len(), 1, "{:?}", problems(50));
    assert_eq!(problems(350).len(), 1, "{:?}", problems(350));
}

#[test]
fn lost_and_torn_events_are_reported() {
    let mut log = String::new();
    format_cpu_dump(0, 1, &SnapshotCounts { recorded: 10, lost: 7, torn: 1 }, &[], &mut log).unwrap();
    let warnings = dump::read(&log).warnings();
    assert!(
        warnings.contains(&"cpu 0: 7 older events were overwritten (ring full) and 1 were torn".to_string()),
        "{warnings:?}"
    );
}
