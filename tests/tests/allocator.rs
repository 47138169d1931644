//! Seed lesson 3: the heap and frame allocator survive every CPU allocating at once.

use qemu_tests::*;

const SMP: u32 = 4;

#[test]
fn all_cpus_allocate_and_free_concurrently() {
    // A stress test on this machine's instruction-emulating KVM: ~60 s
    // alone, but it timed out at 120 s twice while the suite ran other
    // QEMU tests beside it on the 2 host cores (boot to online took 21 s
    // instead of 2.7 s). Four times the usual timeout.
    let cfg = QemuConfig {
        timeout: Some(timeout(4)),
        ..config(SMP, &["test=alloc_stress"])
    };
    let result = boot(&cfg);
    assert_outcome(&result, Outcome::Pass);
    assert_all_cpus_online(&result, SMP);
    assert_test_passed(&result, "alloc_stress");
}
