//! The soft-lockup watchdog: a kernel thread spinning with preemption off
//! and interrupts on (`test=soft_lockup`) is reported once, naming the CPU
//! and the thread, with a backtrace that symbolises (with the kernel ELF)
//! to the spinning function; a busy user workload on every CPU, idle CPUs
//! and busy kernel threads that schedule are never reported, even at the
//! smallest threshold. TCG: this
//! machine's KVM cannot run user code and emulates the kernel ~1000x slower.

use kernel_symbols::KernelSymbols;
use protocol::serial::SOFT_LOCKUP;
use qemu_tests::*;

/// The smallest threshold: one second.
const THRESHOLD: &str = "watchdog_thresh=1";
/// The spinning function the report's backtrace must name.
const SPINNING_FUNCTION: &str = "kernel::kernel_tests::soft_lockup::spin_with_preemption_off";

fn soft_lockup_is_reported(smp: u32) {
    let cfg = QemuConfig {
        accel: Accel::Tcg,
        ..config(smp, &["test=soft_lockup", THRESHOLD])
    };
    let result = boot(&cfg);
    assert_outcome(&result, Outcome::Pass);
    let spinner_cpu = smp - 1;
    let reports: Vec<&str> = result
        .serial_lines()
        .filter(|line| line.starts_with(SOFT_LOCKUP))
        .collect();
    assert_eq!(
        reports.len(),
        1,
        "one report per episode; {}",
        describe(&result)
    );
    let expected = format!("{SOFT_LOCKUP}: cpu {spinner_cpu} stuck for ");
    assert!(
        reports[0].starts_with(&expected),
        "{:?} does not start {expected:?}",
        reports[0]
    );
    assert!(
        reports[0].ends_with("(lockup-spinner)"),
        "the report names the thread: {:?}",
        reports[0]
    );
    let begin = format!("@@BT-BEGIN cpu={spinner_cpu} reason=soft-lockup thread=");
    let header = result
        .serial_lines()
        .find(|line| line.starts_with(&begin))
        .unwrap_or_else(|| panic!("no {begin:?}; {}", describe(&result)));
    assert!(header.ends_with(" name=lockup-spinner"), "{header:?}");
    let symbols = KernelSymbols::open(&kernel_elf()).expect("the kernel's symbols");
    let frame_prefix = format!("@@BT cpu={spinner_cpu} #");
    let frames: Vec<String> = result
        .serial_lines()
        .filter(|line| line.starts_with(&frame_prefix))
        .filter_map(|line| symbols.symbolize_line(line))
        .collect();
    assert!(
        frames
            .first()
            .is_some_and(|frame| frame.contains(" #0 pc=")),
        "frame 0 is the interrupted instruction: {frames:#?}"
    );
    assert!(
        frames.iter().any(|frame| frame.contains(SPINNING_FUNCTION)
            && frame.contains("kernel/src/kernel_tests/soft_lockup.rs:")),
        "no frame names {SPINNING_FUNCTION} with its file and line: {frames:#?}"
    );
    let end = format!("@@BT-END cpu={spinner_cpu} frames=");
    assert!(
        result.serial_lines().any(|line| line.starts_with(&end)),
        "the backtrace ends; {}",
        describe(&result)
    );
}

#[test]
fn a_spinning_thread_is_reported_with_its_backtrace_on_1_cpu() {
    soft_lockup_is_reported(1);
}

#[test]
fn a_spinning_thread_is_reported_with_its_backtrace_on_4_cpus() {
    soft_lockup_is_reported(4);
}

/// For the flake runs at 16 CPUs (`--ignored`): slow under TCG on 2 cores.
#[test]
#[ignore]
fn a_spinning_thread_is_reported_with_its_backtrace_on_16_cpus() {
    soft_lockup_is_reported(16);
}

fn busy_user_workload_is_never_reported(smp: u32) {
    let threads = smp.to_string();
    let cfg = QemuConfig {
        accel: Accel::Tcg,
        timeout: Some(timeout(2)),
        ..config_with_initramfs(smp, &[THRESHOLD, "--", "/bin/stress", &threads, "4"])
    };
    let result = boot(&cfg);
    assert_outcome(&result, Outcome::PowerOff);
    assert_line_contains(&result, "watchdog: a CPU that does not schedule for 1 s");
    assert_line_contains(&result, &format!("stress: {threads} threads for 4s"));
    assert_line_contains(&result, "init: powering off (wait status 0x0)");
    assert_no_line_contains(&result, SOFT_LOCKUP);
}

#[test]
fn a_busy_user_workload_and_idle_cpus_are_never_reported_on_1_cpu() {
    busy_user_workload_is_never_reported(1);
}

#[test]
fn a_busy_user_workload_and_idle_cpus_are_never_reported_on_4_cpus() {
    busy_user_workload_is_never_reported(4);
}

/// Kernel threads that block, wake and get preempted on every CPU, then a
/// long trace dump from one of them (seconds of kernel code, preemptible):
/// progress comes from passing through the scheduler.
fn busy_kernel_workload_is_never_reported(smp: u32) {
    let cfg = QemuConfig {
        accel: Accel::Tcg,
        timeout: Some(timeout(2)),
        ..config(smp, &["test=trace_workload", THRESHOLD])
    };
    let result = boot(&cfg);
    assert_outcome(&result, Outcome::Pass);
    assert_no_line_contains(&result, SOFT_LOCKUP);
}

#[test]
fn a_busy_kernel_workload_that_schedules_is_never_reported_on_1_cpu() {
    busy_kernel_workload_is_never_reported(1);
}

#[test]
fn a_busy_kernel_workload_that_schedules_is_never_reported_on_4_cpus() {
    busy_kernel_workload_is_never_reported(4);
}

#[test]
fn a_bad_threshold_is_named_and_the_default_kept() {
    let cfg = QemuConfig {
        accel: Accel::Tcg,
        ..config(1, &["test=boot", "watchdog_thresh=soon"])
    };
    let result = boot(&cfg);
    assert_outcome(&result, Outcome::Pass);
    assert_line_contains(&result, "invalid kernel argument 'watchdog_thresh=soon': expected whole seconds from 0 (off) to 600; the default, 5 s, is kept");
    assert_line_contains(&result, "watchdog: a CPU that does not schedule for 5 s");
}
