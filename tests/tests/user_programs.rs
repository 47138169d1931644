//! Unmodified static Linux programs (ours, from `userland/`, packed into
//! the initramfs) running as processes: Rust `std` with threads, `Mutex`,
//! `Condvar`, `std::fs` and `std::process::Command` on four CPUs; every
//! kind of user fault ending only its process; signals, EINTR, exit_group,
//! MAP_SHARED, TLB shootdown and /proc (`kernelcheck`); the system-call
//! fuzzer with its leak check; and PID 1's start and end.
//!
//! TCG only: this machine's KVM does not switch to ring 0 on SYSCALL
//! (TEAM_NOTES/kvm-here-is-an-emulator.md), so no Linux program can run
//! under it here. The same programs pass on the Linux host
//! (`userland/tests/`), so the output is the host's.

use qemu_tests::*;

/// Boots the initramfs under TCG at `smp` with `kernel_args` (for example
/// `["--", "/bin/usertest", "threads"]`: init runs that program).
fn run(smp: u32, kernel_args: &[&str], factor: u32) -> RunResult {
    let cfg = QemuConfig { accel: Accel::Tcg, timeout: Some(timeout(factor)), ..config_with_initramfs(smp, kernel_args) };
    boot(&cfg)
}

fn assert_lines(result: &RunResult, lines: &[&str]) {
    for line in lines {
        assert_line_contains(result, line);
    }
    assert_no_line_contains(result, PANIC);
}

#[test]
fn a_std_program_with_threads_fs_and_command_runs_on_four_cpus() {
    let result = run(4, &["--", "/bin/usertest", "all"], 2);
    assert_outcome(&result, Outcome::PowerOff);
    assert_lines(
        &result,
        &[
            "USERTEST PASS threads",
            "USERTEST PASS fs",
            "USERTEST PASS spawn",
            "USERTEST PASS pipe",
            "USERTEST PASS cow",
            "init: /bin/usertest exited with status 0",
        ],
    );
}

#[test]
fn every_user_fault_kills_only_its_process() {
    let result = run(2, &["--", "/bin/usertest", "fault", "all"], 2);
    assert_outcome(&result, Outcome::PowerOff);
    assert_lines(
        &result,
        &[
            "USERTEST PASS fault-null-deref",
            "USERTEST PASS fault-write-readonly",
            "USERTEST PASS fault-exec-stack",
            "USERTEST PASS fault-ud2",
            "USERTEST PASS fault-divide-by-zero",
            "USERTEST PASS fault-stack-overflow",
            "USERTEST PASS fault-kernel-pointer",
            // The console names the process, the signal and the address.
            "SIGSEGV (#PF page fault) at rip",
            ", address 0x0, error 0x4; process killed",
            "SIGILL (#UD invalid opcode)",
            "SIGFPE (#DE divide error)",
            "init: /bin/usertest exited with status 0",
        ],
    );
}

#[test]
fn signals_eintr_exit_group_stop_continue_shared_memory_tlb_shootdown_and_proc_work() {
    let result = run(4, &["--", "/bin/kernelcheck"], 2);
    assert_outcome(&result, Outcome::PowerOff);
    assert_lines(
        &result,
        &[
            "KCHECK PASS signal-handler",
            "KCHECK PASS segv-handler",
            "KCHECK PASS eintr",
            "KCHECK PASS kill-sleeper",
            "KCHECK PASS exit-group",
            "KCHECK PASS shared-mmap",
            "KCHECK PASS tlb-shootdown",
            "KCHECK PASS proc",
            "KCHECK PASS stop-continue",
            "KCHECK PASS socketpair",
            "KCHECK PASS command-exec-failure",
            "KCHECK PASS controlling-terminal",
        ],
    );
    assert_no_line_contains(&result, "KCHECK FAIL");
}

/// The fuzzer: 8 processes at once, every implemented call, every class
/// of bad pointer; the kernel survives and leaks nothing.
#[test]
fn the_system_call_fuzzer_leaves_the_kernel_healthy_and_leaks_nothing() {
    let result = run(4, &["--", "/bin/fuzz", "8", "2000"], 3);
    assert_outcome(&result, Outcome::PowerOff);
    assert_lines(&result, &["FUZZ PASS 8 processes x 2000 calls x 3 rounds, nothing leaked"]);
}

#[test]
fn a_missing_init_is_reported_and_powers_off() {
    let result = run(1, &["init=/no/such/init"], 1);
    assert_outcome(&result, Outcome::Fail);
    assert_lines(&result, &["init: cannot run /no/such/init: no such file; powering off"]);
}

#[test]
fn a_directory_as_init_is_reported_and_powers_off() {
    let result = run(1, &["init=/bin"], 1);
    assert_outcome(&result, Outcome::Fail);
    assert_lines(&result, &["init: cannot run /bin: a directory; powering off"]);
}

#[test]
fn the_end_of_pid_1_ends_the_machine_with_its_status() {
    let result = run(1, &["init=/bin/hello", "--", "--exit", "3"], 1);
    assert_outcome(&result, Outcome::Fail);
    assert_lines(&result, &["hello from user space", "init: PID 1 exited with status 3; powering off"]);
    let passing = run(1, &["init=/bin/hello"], 1);
    assert_outcome(&passing, Outcome::PowerOff);
    assert_lines(&passing, &["init: PID 1 exited with status 0; powering off"]);
}
