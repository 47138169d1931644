//! The kernel image is write-xor-execute: a write to kernel code faults
//! (#PF with a write/protection error code), is reported with the address
//! in CR2, and panics.

use qemu_tests::*;

#[test]
fn writing_kernel_code_faults() {
    let result = boot_test("write_protect", 2);
    assert_outcome(&result, Outcome::Panic);
    let lines: Vec<&str> = result.serial_lines().collect();
    let target = lines
        .iter()
        .find_map(|line| line.strip_prefix("write_protect: writing to kernel code at "))
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no 'writing to kernel code at' line; {}", describe(&result)));
    let fault = lines.iter().find(|line| {
        line.starts_with(&format!("{EXCEPTION} ")) && field(line, "vector") == Some("14") && field(line, "cr2") == Some(target)
    });
    let Some(fault) = fault else {
        panic!("no '#PF ... cr2={target}' report; {}", describe(&result));
    };
    let error = field(fault, "error").and_then(|text| u64::from_str_radix(text.trim_start_matches("0x"), 16).ok());
    assert_eq!(error.map(|code| code & 0b11), Some(0b11), "expected a write to a present page: {fault}");
    // The write is made on the last CPU (an AP), which must enforce it too.
    assert_line_contains(&result, "on cpu 1");
    assert_line_contains(&result, &format!("{PANIC} cpu=1"));
    assert_no_line_contains(&result, TEST_FAIL);
}
