//! User mode, first steps: system calls from ring 3 through the PCR, on
//! every CPU at once while threads are preempted and migrate (seed lesson 5
//! with real user threads), and user faults that kill only their thread.

use qemu_tests::*;

/// Boots `test=NAME` at `smp` with the default timeout times `factor`.
fn boot_user_test(name: &str, smp: u32, factor: u32) -> RunResult {
    let cfg = QemuConfig { timeout: Some(timeout(factor)), ..config(smp, &[&format!("test={name}")]) };
    boot(&cfg)
}

/// TCG only: this machine's `/dev/kvm` emulates instructions and its
/// SYSCALL leaves CS (and so the privilege level) unchanged: the first
/// instruction of the entry stub then faults as a user fetch of a kernel
/// page (TEAM_NOTES/kvm-here-is-an-emulator.md).
#[test]
fn user_threads_on_every_cpu_get_their_own_stacks_back_from_system_calls() {
    for smp in [4, 1] {
        let cfg = QemuConfig { accel: Accel::Tcg, timeout: Some(timeout(2)), ..config(smp, &["test=user_syscalls"]) };
        let result = boot(&cfg);
        assert_outcome(&result, Outcome::Pass);
        assert_line_contains(&result, &format!("user threads on {smp} CPUs made"));
        assert_line_contains(&result, "; 0 came back changed; 0 unimplemented");
        assert_test_passed(&result, "user_syscalls");
    }
}

#[test]
fn a_user_fault_kills_only_its_thread() {
    let result = boot_user_test("user_faults", 2, 2);
    assert_outcome(&result, Outcome::Pass);
    assert_line_contains(&result, "user fault: thread ");
    assert_line_contains(&result, "#PF (page fault) at rip 0x0, address 0x0, error 0x14, cs 0x23 ss 0x1b");
    assert_line_contains(&result, "; thread killed");
    assert_line_contains(&result, "user_faults: user-null-call (rip 0x0) ended with status 142");
    assert_line_contains(&result, "user_faults: user-jump-into-kernel");
    assert_line_contains(&result, "user_faults: every CPU still runs threads");
    // UMIP (both accelerators here offer it): `sgdt` in ring 3 is a #GP.
    if result.serial_lines().any(|line| line.contains("UMIP on")) {
        assert_line_contains(&result, "user_faults: user-sgdt (rip 0x400000) ended with status 141");
    }
    assert_no_line_contains(&result, PANIC);
    assert_test_passed(&result, "user_faults");
}

/// SMEP: a kernel call into a user page faults (#PF, instruction fetch from
/// a present page in supervisor mode: error 0x11) and the kernel panics,
/// naming the address. Skipped with a line when the CPU lacks SMEP.
#[test]
fn the_kernel_never_executes_a_user_page() {
    let result = boot_user_test("smep", 2, 2);
    if result.serial_lines().any(|line| line.contains("does not offer SMEP")) {
        println!("skipped: no SMEP on this CPU");
        return;
    }
    assert_outcome(&result, Outcome::Panic);
    let fault = result.serial_lines().find(|line| line.starts_with(EXCEPTION) && field(line, "vector") == Some("14"));
    let Some(fault) = fault else { panic!("no #PF report; {}", describe(&result)) };
    assert_eq!(field(fault, "cr2"), Some("0x400000"), "{fault}");
    assert_eq!(field(fault, "error"), Some("0x11"), "{fault}");
    assert_no_line_contains(&result, TEST_FAIL);
}
