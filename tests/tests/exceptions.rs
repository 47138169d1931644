//! Every CPU raises a deliberate invalid-opcode exception (#UD) on itself and
//! handles it on its own PCR (the handler checks GS's CPU id against the CPU
//! found from the hardware APIC id).

use qemu_tests::*;

const SMP: u32 = 4;

#[test]
fn each_cpu_handles_its_own_exception() {
    let result = boot_test("exceptions", SMP);
    assert_outcome(&result, Outcome::Pass);
    assert_all_cpus_online(&result, SMP);
    let lines: Vec<&str> = result.serial_lines().collect();
    for cpu in 0..SMP {
        let cpu_text = cpu.to_string();
        let report = lines.iter().position(|line| {
            line.starts_with(&format!("{EXCEPTION} "))
                && field(line, "cpu") == Some(cpu_text.as_str())
                && field(line, "vector") == Some("6")
                && line.contains("(#UD invalid opcode)")
                && ["error", "rip", "rsp", "cr2"]
                    .iter()
                    .all(|key| field(line, key).is_some_and(|v| v.starts_with("0x")))
        });
        let Some(report) = report else {
            panic!("no '{EXCEPTION} cpu={cpu} vector=6 (#UD invalid opcode) error=0x.. rip=0x.. rsp=0x.. cr2=0x..' line; {}", describe(&result));
        };
        let handled = format!("exceptions: cpu {cpu} handled on its own PCR");
        assert!(
            lines[report + 1..]
                .iter()
                .any(|line| line.contains(&handled)),
            "no '{handled}' line after cpu {cpu}'s exception report; {}",
            describe(&result)
        );
    }
    assert_test_passed(&result, "exceptions");
}
