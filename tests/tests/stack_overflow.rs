//! Seed lesson 1: a kernel stack overflow hits the guard page and is reported, not silent.
//!
//! The highest-numbered CPU overflows its kernel stack; the fault must land on
//! the #DF IST stack and be reported as `KERNEL STACK OVERFLOW cpu=K`, followed
//! by a panic on that CPU.

use qemu_tests::*;

const SMP: u32 = 4;

#[test]
fn overflow_on_last_cpu_is_reported_and_panics() {
    let result = boot_test("stack_overflow", SMP);
    assert_outcome(&result, Outcome::Panic);
    let culprit = (SMP - 1).to_string();
    let lines: Vec<&str> = result.serial_lines().collect();
    let overflow = lines.iter().position(|line| {
        line.contains("KERNEL STACK OVERFLOW") && field(line, "cpu") == Some(culprit.as_str())
    });
    let Some(overflow) = overflow else {
        panic!(
            "no 'KERNEL STACK OVERFLOW cpu={culprit}' line; {}",
            describe(&result)
        );
    };
    let panic_prefix = format!("PANIC cpu={culprit}");
    assert!(
        lines[overflow..]
            .iter()
            .any(|line| line.starts_with(&panic_prefix)),
        "no '{panic_prefix} ...' line after the overflow report; {}",
        describe(&result)
    );
    assert_no_line_contains(&result, "TEST PASS");
}
