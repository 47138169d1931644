//! Seed lesson 3: the heap and frame allocator survive every CPU allocating at once.

use qemu_tests::*;

const SMP: u32 = 4;

#[test]
fn all_cpus_allocate_and_free_concurrently() {
    // A stress test: allow twice the usual timeout (it took ~58 s under KVM in
    // the first kernel builds).
    let cfg = QemuConfig {
        timeout: Some(timeout(2)),
        ..config(SMP, &["test=alloc_stress"])
    };
    let result = boot(&cfg);
    assert_outcome(&result, Outcome::Pass);
    assert_all_cpus_online(&result, SMP);
    assert_test_passed(&result, "alloc_stress");
}
