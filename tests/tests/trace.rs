//! `test=trace_workload` at --smp 4 under TCG, exported as `cargo xtask
//! trace` does, and checked from the exported files: the Perfetto file
//! decodes with Perfetto's schema and is consistent (a track per CPU, each
//! CPU's switch chain, no thread on two CPUs at once, wake-ups before the
//! switch-ins they cause), threads are named, and the filters of `trace=`
//! and `trace_cpus=` hold. TCG because serial output under this machine's
//! KVM is about 140 lines a second (the dump is about 12 000 lines).
//!
//! And a user workload traced from user space (`/bin/trace run -b 1024
//! /bin/usertest threads` as init's command): its dump comes on COM2 (a file), the
//! console has only the one-line notice, and the export shows system-call
//! pairs per thread, fork/exec/exit with the right ids, the marker `trace
//! run` writes, and migrations consistent with each CPU's switches.

use std::path::PathBuf;

use qemu_tests::{assert_test_passed, boot, config, config_with_initramfs, describe, Accel, Outcome};
use trace_export::checks;
use trace_export::perfetto;
use trace_export::write::{export, Exported, FTRACE_FILE, PERFETTO_FILE, SVG_FILE};

const SMP: u32 = 4;

fn out_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kernel-trace-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Boots the workload with `extra` kernel arguments and exports its dump into a fresh directory.
fn traced_run(name: &str, extra: &[&str]) -> (Exported, PathBuf) {
    let mut args = vec!["test=trace_workload"];
    args.extend_from_slice(extra);
    let cfg = qemu_tests::QemuConfig { accel: Accel::Tcg, ..config(SMP, &args) };
    let result = boot(&cfg);
    assert_test_passed(&result, "trace_workload");
    let dir = out_dir(name);
    let exported = export(&result.serial, &dir).expect("export writes its files");
    // Kept with the exports when a check fails (the directory is removed on success).
    std::fs::write(dir.join("console.log"), &result.serial).expect("console log written");
    println!("exports in {}", dir.display());
    assert!(exported.dump.bad_lines.is_empty(), "bad lines: {:?}\n{}", exported.dump.bad_lines, describe(&result));
    assert!(exported.dump.complete, "dump not complete\n{}", describe(&result));
    (exported, dir)
}

#[test]
fn traced_workload_exports_a_consistent_trace() {
    let (exported, dir) = traced_run("all", &[]);
    assert_eq!(exported.dump.cpus, Some(SMP));
    assert!(exported.dump.tsc_hz.is_some_and(|hz| hz > 1_000_000));
    let bytes = std::fs::read(dir.join(PERFETTO_FILE)).unwrap();
    let decoded = perfetto::decode(&bytes).expect("decodes with Perfetto's schema");
    let problems = checks::problems(&decoded, SMP);
    assert!(problems.is_empty(), "{} problems, first: {:#?}", problems.len(), &problems[..problems.len().min(10)]);

    let bundles = checks::bundles(&decoded);
    for cpu in 0..SMP {
        let switches = bundles
            .iter()
            .filter(|(bundle_cpu, _)| *bundle_cpu == cpu)
            .flat_map(|(_, events)| events.iter())
            .filter(|event| event.has_sched_switch())
            .count();
        assert!(switches > 10, "cpu {cpu}: only {switches} sched_switch events");
    }
    let wakings = bundles.iter().flat_map(|(_, events)| events.iter()).filter(|event| event.has_sched_waking()).count();
    assert!(wakings > 100, "only {wakings} sched_waking events");
    let thread_names: Vec<String> = decoded
        .packet
        .iter()
        .filter(|packet| packet.has_track_descriptor())
        .filter_map(|packet| packet.track_descriptor().thread.as_ref().map(|thread| thread.thread_name().to_string()))
        .collect();
    for index in 0..SMP {
        for name in [format!("ping-{index}"), format!("pong-{index}")] {
            assert!(thread_names.contains(&name), "no thread named {name}: {thread_names:?}");
        }
    }
    let switch = bundles.iter().flat_map(|(_, events)| events.iter()).find(|event| event.has_sched_switch()).unwrap();
    assert_eq!(switch.pid(), switch.sched_switch().prev_pid() as u32, "a switch is recorded by its prev thread");

    let text = std::fs::read_to_string(dir.join(FTRACE_FILE)).unwrap();
    assert!(text.starts_with("# tracer: nop\n") && text.contains(&format!("#P:{SMP}\n")));
    assert!(text.contains("prev_comm=swapper/"), "idle is swapper/N in trace.txt");
    let svg = std::fs::read_to_string(dir.join(SVG_FILE)).unwrap();
    for cpu in 0..SMP {
        assert!(svg.contains(&format!(">cpu {cpu}<")), "no lane for cpu {cpu}");
    }
    assert!(!exported.summary.wakeup_latencies_ns.is_empty());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn filters_keep_only_the_chosen_classes_and_cpus() {
    let (exported, dir) = traced_run("filtered", &["trace=irq", "trace_cpus=0-1"]);
    let decoded = perfetto::decode(&std::fs::read(dir.join(PERFETTO_FILE)).unwrap()).unwrap();
    let bundles = checks::bundles(&decoded);
    assert_eq!(bundles.len(), SMP as usize, "every CPU keeps its track");
    for (cpu, events) in bundles {
        if cpu >= 2 {
            assert!(events.is_empty(), "cpu {cpu} is filtered out but has {} events", events.len());
            continue;
        }
        assert!(!events.is_empty(), "cpu {cpu} recorded nothing");
        let foreign = events.iter().find(|event| !(event.has_irq_handler_entry() || event.has_irq_handler_exit()));
        assert!(foreign.is_none(), "cpu {cpu}: a non-irq event with trace=irq: {foreign:?}");
    }
    assert!(exported.summary.cpus.iter().all(|cpu| cpu.context_switches == 0));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_user_command_traced_from_user_space() {
    let dir = out_dir("user");
    std::fs::create_dir_all(&dir).unwrap();
    let port_file = dir.join("trace-port.log");
    let command = ["/bin/usertest", "threads"];
    // 1 MiB per CPU: this run records some 10 000 events per CPU.
    let mut args = vec!["--", "/bin/trace", "run", "-b", "1024"];
    args.extend(command);
    let cfg = qemu_tests::QemuConfig { accel: Accel::Tcg, trace_file: Some(port_file.clone()), ..config_with_initramfs(SMP, &args) };
    let result = boot(&cfg);
    assert_eq!(result.outcome, Outcome::PowerOff, "{}", describe(&result));
    assert!(result.serial.contains("USERTEST PASS threads"), "{}", describe(&result));

    // The console: the notice, and no dump line mixed in.
    let notices: Vec<&str> = result.serial_lines().filter(|line| line.starts_with("trace: dumped ")).collect();
    assert_eq!(notices.len(), 1, "{}", describe(&result));
    assert!(notices[0].ends_with("to the trace port (COM2)"), "{}", notices[0]);
    assert!(!result.serial.contains("@@TRACE"), "dump lines on the console\n{}", describe(&result));

    let port = std::fs::read_to_string(&port_file).expect("the trace port file");
    let exported = export(&port, &dir).expect("export writes its files");
    assert!(exported.dump.bad_lines.is_empty(), "bad lines: {:?}", exported.dump.bad_lines);
    assert!(exported.dump.complete, "dump not complete");
    assert_eq!(exported.dump.cpus, Some(SMP));
    let lost: u64 = exported.dump.per_cpu.values().filter_map(|part| part.counts).map(|counts| counts.lost + counts.torn).sum();
    assert_eq!(lost, 0, "a 1 MiB ring holds this whole run");

    let decoded = perfetto::decode(&std::fs::read(dir.join(PERFETTO_FILE)).unwrap()).expect("decodes");
    let problems = checks::problems(&decoded, SMP);
    assert!(problems.is_empty(), "{problems:#?}");
    let syscall_problems = checks::syscall_problems(&decoded);
    assert!(syscall_problems.is_empty(), "{syscall_problems:#?}");
    let migration_problems = checks::migration_problems(&decoded);
    assert!(migration_problems.is_empty(), "{migration_problems:#?}");

    let events: Vec<_> =
        checks::bundles(&decoded).into_iter().flat_map(|(cpu, events)| events.iter().map(move |event| (cpu, event))).collect();
    // trace forks the command's process, which execs usertest.
    let exec = events.iter().map(|(_, event)| event).find(|event| event.has_sched_process_exec()).expect("an exec");
    assert_eq!(exec.sched_process_exec().filename(), "usertest");
    let usertest = exec.pid() as i32;
    let fork_of = |child: i32| events.iter().map(|(_, event)| event).find(|event| event.has_sched_process_fork() && event.sched_process_fork().child_pid() == child);
    let forked = fork_of(usertest).expect("trace forks the command").sched_process_fork();
    assert_eq!(forked.parent_comm(), "trace");
    // usertest's four threads: forked by it, each exits, each makes system calls.
    let threads: Vec<i32> = events
        .iter()
        .map(|(_, event)| event)
        .filter(|event| event.has_sched_process_fork() && event.sched_process_fork().parent_pid() == usertest)
        .map(|event| event.sched_process_fork().child_pid())
        .collect();
    assert_eq!(threads.len(), 4, "usertest threads makes 4 threads: {threads:?}");
    for pid in threads.iter().copied().chain([usertest]) {
        let exits = events.iter().filter(|(_, event)| event.has_sched_process_exit() && event.sched_process_exit().pid() == pid).count();
        assert_eq!(exits, 1, "pid {pid} exits once");
        let (enters, leaves) = events.iter().fold((0, 0), |(enters, leaves), (_, event)| {
            (enters + usize::from(event.pid() == pid as u32 && event.has_sys_enter()), leaves + usize::from(event.pid() == pid as u32 && event.has_sys_exit()))
        });
        assert!(enters > 0, "pid {pid} made no system call");
        // Every call returns but the last (exit), as syscall_problems checked in order.
        assert_eq!(enters, leaves + 1, "pid {pid}: {enters} sys_enter, {leaves} sys_exit");
    }
    let cpus_used: std::collections::BTreeSet<u32> = events
        .iter()
        .filter(|(_, event)| event.has_sched_switch() && threads.contains(&event.sched_switch().next_pid()))
        .map(|(cpu, _)| *cpu)
        .collect();
    assert!(cpus_used.len() >= 2, "the threads ran on CPUs {cpus_used:?} only");
    let markers: Vec<&str> = events.iter().filter(|(_, event)| event.has_print()).map(|(_, event)| event.print().buf()).collect();
    assert!(markers.contains(&"trace run: /bin/usertest threads\n"), "{markers:?}");

    let text = std::fs::read_to_string(dir.join(FTRACE_FILE)).unwrap();
    assert!(text.contains("tracing_mark_write: trace run: /bin/usertest threads\n"));
    assert!(text.contains(&format!("sched_process_exec: filename=usertest pid={usertest} old_pid={usertest}")));
    let _ = std::fs::remove_dir_all(dir);
}
