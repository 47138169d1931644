//! Seed lesson 1: a kernel stack overflow hits the guard page and is reported, not silent.
//!
//! A kernel thread pinned to the highest-numbered CPU overflows its stack;
//! the fault must land on the #DF IST stack and be reported as
//! `KERNEL STACK OVERFLOW cpu=K ... stack of thread T`, followed by a panic on
//! that CPU and the flight-recorder dump of every CPU.

use qemu_tests::*;

const SMP: u32 = 4;

#[test]
fn overflow_on_last_cpu_is_reported_and_panics() {
    let result = boot_test("stack_overflow", SMP);
    assert_outcome(&result, Outcome::Panic);
    let culprit = (SMP - 1).to_string();
    let lines: Vec<&str> = result.serial_lines().collect();
    let overflow = lines.iter().position(|line| {
        line.contains(STACK_OVERFLOW) && field(line, "cpu") == Some(culprit.as_str())
    });
    let Some(overflow) = overflow else {
        panic!(
            "no '{STACK_OVERFLOW} cpu={culprit}' line; {}",
            describe(&result)
        );
    };
    let panic_prefix = format!("{PANIC} cpu={culprit}");
    assert!(
        lines[overflow..]
            .iter()
            .any(|line| line.starts_with(&panic_prefix)),
        "no '{panic_prefix} ...' line after the overflow report; {}",
        describe(&result)
    );
    assert!(
        lines[overflow].contains("of the stack of thread "),
        "the report does not name the thread: {:?}",
        lines[overflow]
    );
    assert_no_line_contains(&result, TEST_PASS);
    assert_trace_dump_follows(&lines[overflow..], SMP);
}

/// After the panic: a `@@TRACE2-BEGIN` naming the CPUs and the TSC rate,
/// one parseable `@@TRACE2-CPU` header per CPU (with its idle thread: 0,
/// which the exports call `swapper/N`), each followed by its events, then
/// `@@TRACE2-END`. Every line's checksum holds.
fn assert_trace_dump_follows(lines: &[&str], smp: u32) {
    use protocol::trace_line::{parse_line, TraceLine};
    let mut headers = Vec::new();
    let mut begin = None;
    let mut named_threads = Vec::new();
    let mut events_per_cpu = vec![0u64; smp as usize];
    let mut end = None;
    for line in lines.iter().filter(|line| line.contains("@@TRACE")) {
        match parse_line(line) {
            Ok(TraceLine::Begin { cpus, tsc_hz }) => begin = Some((cpus, tsc_hz)),
            Ok(TraceLine::Thread { thread, .. }) => named_threads.push(thread),
            Ok(TraceLine::CpuHeader { cpu, idle_thread, counts }) => {
                let idle = idle_thread.expect("format 2 headers name the idle thread");
                // Idle is thread 0 on every CPU (Linux's pid 0, `swapper/N`
                // in the exports); any other idle id needs its name line.
                assert!(idle == 0 || named_threads.contains(&idle), "cpu {cpu}: idle thread {idle} has no name line");
                headers.push((cpu, counts.kept()))
            }
            Ok(TraceLine::Event { cpu, .. }) => events_per_cpu[cpu as usize] += 1,
            Ok(TraceLine::End { cpus }) => end = Some(cpus),
            Err(error) => panic!("unparseable trace line {line:?}: {error}"),
        }
    }
    let (begin_cpus, tsc_hz) = begin.expect("no '@@TRACE2-BEGIN' line");
    assert_eq!(begin_cpus, smp);
    assert!(tsc_hz > 1_000_000, "implausible tsc_hz={tsc_hz}");
    assert_eq!(end, Some(smp), "no '@@TRACE2-END cpus={smp}' line");
    assert_eq!(headers.len(), smp as usize, "one @@TRACE-CPU header per CPU: {headers:?}");
    for (cpu, kept) in headers {
        assert_eq!(events_per_cpu[cpu as usize], kept, "cpu {cpu}: header says {kept} events");
    }
    assert!(events_per_cpu.iter().all(|count| *count > 0), "every CPU recorded events: {events_per_cpu:?}");
}
