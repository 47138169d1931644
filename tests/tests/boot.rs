//! Boot matrix: `test=boot` on 1 to 255 CPUs under TCG (pc) and 1 to 16
//! under KVM (microvm; 64 and 255 also boot there, in about 7 and 47 s on
//! this machine's emulating KVM, too slow for every CI run).
//!
//! Each case checks that every CPU came online (exactly one
//! `smp: N of N CPUs online in T ms` line), that each CPU K in 0..N reported
//! `boot: cpu K ticks T` with T >= 1, and `TEST PASS boot`.

use std::collections::BTreeMap;

use qemu_tests::*;

/// Boots `test=boot` with an explicit accelerator and machine, and checks it.
fn boot_case(accel: Accel, machine: Machine, smp: u32, timeout_factor: u32) {
    if accel == Accel::Kvm && skip_without_kvm() {
        return;
    }
    let cfg = QemuConfig {
        accel,
        machine: Some(machine),
        timeout: Some(timeout(timeout_factor)),
        ..config(smp, &["test=boot"])
    };
    let result = boot(&cfg);
    assert_outcome(&result, Outcome::Pass);
    assert_all_cpus_online(&result, smp);
    assert_test_passed(&result, "boot");
    let ticks = ticks_per_cpu(&result);
    for cpu in 0..smp {
        match ticks.get(&cpu) {
            Some(&count) if count >= 1 => {}
            Some(&count) => panic!(
                "cpu {cpu} took {count} timer ticks, expected >= 1; {}",
                describe(&result)
            ),
            None => panic!("no 'boot: cpu {cpu} ticks T' line; {}", describe(&result)),
        }
    }
    let unexpected: Vec<u32> = ticks.keys().copied().filter(|cpu| *cpu >= smp).collect();
    assert!(
        unexpected.is_empty(),
        "tick lines for CPUs beyond {smp}: {unexpected:?}; {}",
        describe(&result)
    );
}

/// `boot: cpu K ticks T` lines as K -> T (a repeated K keeps the last value).
fn ticks_per_cpu(result: &RunResult) -> BTreeMap<u32, u64> {
    result
        .serial_lines()
        .filter_map(|line| {
            let rest = &line[line.find("boot: cpu ")? + "boot: cpu ".len()..];
            let (cpu, ticks) = rest.split_once(" ticks ")?;
            Some((cpu.trim().parse().ok()?, ticks.trim().parse().ok()?))
        })
        .collect()
}

#[test]
fn boot_tcg_pc_smp1() {
    boot_case(Accel::Tcg, Machine::Pc, 1, 1);
}

#[test]
fn boot_tcg_pc_smp2() {
    boot_case(Accel::Tcg, Machine::Pc, 2, 1);
}

#[test]
fn boot_tcg_pc_smp4() {
    boot_case(Accel::Tcg, Machine::Pc, 4, 1);
}

#[test]
fn boot_tcg_pc_smp8() {
    boot_case(Accel::Tcg, Machine::Pc, 8, 2);
}

/// 16 emulated CPUs on a 2-core host: slow, hence the longer timeout.
#[test]
fn boot_tcg_pc_smp16() {
    boot_case(Accel::Tcg, Machine::Pc, 16, 3);
}

/// More CPUs than one 64-bit mask holds.
#[test]
fn boot_tcg_pc_smp64() {
    boot_case(Accel::Tcg, Machine::Pc, 64, 3);
}

/// The most the kernel drives (`protocol::MAX_CPUS`) and QEMU's `pc` takes:
/// all APs started at once, each finding its block by APIC id.
#[test]
fn boot_tcg_pc_smp255() {
    boot_case(Accel::Tcg, Machine::Pc, protocol::MAX_CPUS, 5);
}

#[test]
fn boot_kvm_microvm_smp1() {
    boot_case(Accel::Kvm, Machine::Microvm, 1, 1);
}

#[test]
fn boot_kvm_microvm_smp2() {
    boot_case(Accel::Kvm, Machine::Microvm, 2, 1);
}

#[test]
fn boot_kvm_microvm_smp4() {
    boot_case(Accel::Kvm, Machine::Microvm, 4, 1);
}

#[test]
fn boot_kvm_microvm_smp16() {
    boot_case(Accel::Kvm, Machine::Microvm, 16, 3);
}

/// An AP that does not come up (here: injected with `stall_ap=2`, which
/// stalls CPU 2 before it marks itself online) is given up on after the
/// stall bound, parked with INIT, named in the log, and never gets a
/// `CpuId`: the rest of the boot, the TLB shootdown and the test run on the
/// other three.
#[test]
fn an_ap_that_does_not_come_up_is_left_out() {
    let cfg = QemuConfig { accel: Accel::Tcg, ..config(4, &["stall_ap=2", "test=boot"]) };
    let result = boot(&cfg);
    assert_outcome(&result, Outcome::Pass);
    assert_eq!(smp_online_lines(&result), [SmpOnline { online: 3, found: 4, took_ms: smp_online_lines(&result)[0].took_ms }]);
    assert_line_contains(&result, "smp: the CPU with APIC id 2 did not come up");
    assert_test_passed(&result, "boot");
    let ticks = ticks_per_cpu(&result);
    assert_eq!(ticks.keys().copied().collect::<Vec<u32>>(), [0, 1, 3], "{}", describe(&result));
}
