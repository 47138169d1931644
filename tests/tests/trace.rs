//! `test=trace_workload` at --smp 4 under TCG, exported as `cargo xtask
//! trace` does, and checked from the exported files: the Perfetto file
//! decodes with Perfetto's schema and is consistent (a track per CPU, each
//! CPU's switch chain, no thread on two CPUs at once, wake-ups before the
//! switch-ins they cause), threads are named, and the filters of `trace=`
//! and `trace_cpus=` hold. TCG because serial output under this machine's
//! KVM is about 140 lines a second (the dump is about 12 000 lines).

use std::path::PathBuf;

use qemu_tests::{assert_test_passed, boot, config, describe, Accel};
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
