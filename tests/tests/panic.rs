//! A deliberate panic on the last CPU is reported with its location and stops the others.

use qemu_tests::*;

const SMP: u32 = 4;

/// True for `FILE:LINE:COL` with numeric LINE and COL.
fn is_location(text: &str) -> bool {
    let mut parts = text.rsplitn(3, ':');
    let column = parts.next().unwrap_or("");
    let line = parts.next().unwrap_or("");
    let file = parts.next().unwrap_or("");
    !file.is_empty() && line.parse::<u32>().is_ok() && column.parse::<u32>().is_ok()
}

#[test]
fn deliberate_panic_reports_location_and_stops_other_cpus() {
    let result = boot_test("panic", SMP);
    assert_outcome(&result, Outcome::Panic);
    let prefix = format!("{PANIC} cpu={} at ", SMP - 1);
    let suffix = ": deliberate test panic";
    let panic_line = result
        .serial_lines()
        .find(|line| line.starts_with(&prefix) && line.ends_with(suffix));
    let Some(panic_line) = panic_line else {
        panic!(
            "no '{prefix}FILE:LINE:COL{suffix}' line; {}",
            describe(&result)
        );
    };
    let location = &panic_line[prefix.len()..panic_line.len() - suffix.len()];
    assert!(
        is_location(location),
        "'{location}' is not FILE:LINE:COL in {panic_line:?}"
    );
    assert_line_contains(&result, &format!("panic: stopped {} other CPUs", SMP - 1));
    assert_no_line_contains(&result, TEST_PASS);
}

#[test]
fn location_shape() {
    assert!(is_location("kernel/src/tests.rs:42:9"));
    assert!(!is_location("kernel/src/tests.rs:42"));
    assert!(!is_location(":1:2"));
}
