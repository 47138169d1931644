//! User mode: system calls from ring 3 through the PCR, on every CPU at
//! once while threads are preempted and migrate (seed lesson 5 with real
//! user threads, which also keep their FPU state and FS base), user faults
//! that kill only their thread, SMEP, SMAP, and copy-in/copy-out.

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

/// Boots a test that makes the kernel touch a user page at 0x400000 and
/// expects the protection to stop it: a #PF report with `error` and a
/// panic. Returns false (with a line) when the CPU lacks the protection.
fn expect_protection_fault(test: &str, protection: &str, error: &str) -> bool {
    let result = boot_user_test(test, 2, 2);
    if result.serial_lines().any(|line| line.contains(&format!("does not offer {protection}"))) {
        println!("skipped: no {protection} on this CPU");
        return false;
    }
    assert_outcome(&result, Outcome::Panic);
    let fault = result.serial_lines().find(|line| line.starts_with(EXCEPTION) && field(line, "vector") == Some("14"));
    let Some(fault) = fault else { panic!("no #PF report; {}", describe(&result)) };
    assert_eq!(field(fault, "cr2"), Some("0x400000"), "{fault}");
    assert_eq!(field(fault, "error"), Some(error), "{fault}");
    assert_no_line_contains(&result, TEST_FAIL);
    true
}

/// SMEP: a kernel call into a user page faults (#PF, instruction fetch from
/// a present page in supervisor mode: error 0x11) and the kernel panics,
/// naming the address. Skipped with a line when the CPU lacks SMEP.
#[test]
fn the_kernel_never_executes_a_user_page() {
    expect_protection_fault("smep", "SMEP", "0x11");
}

/// SMAP: a kernel read of a user page outside the copy routine faults
/// (#PF, supervisor read of a present page: error 0x1).
#[test]
fn the_kernel_never_reads_a_user_page_outside_the_copy_routine() {
    expect_protection_fault("smap", "SMAP", "0x1");
}

/// Copy-in/copy-out: good copies work (demand paging included), every
/// kind of bad pointer gives EFAULT, and no frame leaks.
#[test]
fn user_copies_fail_with_efault_on_bad_pointers_and_leak_nothing() {
    let result = boot_user_test("user_copy", 2, 2);
    assert_outcome(&result, Outcome::Pass);
    assert_line_contains(&result, "user_copy: every good copy worked, every bad pointer gave EFAULT, no frame leaked");
    assert_test_passed(&result, "user_copy");
}
