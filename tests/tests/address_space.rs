//! Seed lesson 2: a kernel stack must stay mapped after a CR3 switch.
//!
//! Every CPU switches to an address space that has only the shared kernel
//! half (what every process page table will have), takes timer interrupts
//! there (the CPU pushes each frame onto the current kernel stack) and uses
//! the heap. A stack, PCR or heap page outside the shared half would triple
//! fault, which QEMU reports as "no result".

use qemu_tests::*;

const SMP: u32 = 4;

#[test]
fn every_cpu_survives_a_switch_to_a_kernel_half_only_address_space() {
    let result = boot_test("address_space", SMP);
    assert_outcome(&result, Outcome::Pass);
    assert_all_cpus_online(&result, SMP);
    for cpu in 0..SMP {
        assert_line_contains(
            &result,
            &format!("address_space: cpu {cpu} took 3 ticks and used the heap in a new address space"),
        );
    }
    assert_test_passed(&result, "address_space");
}
