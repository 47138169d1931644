//! Mnemonics and names of the architectural exceptions (Intel SDM vol. 3,
//! table 6-1), for reports.

/// Mnemonic and description of exception `vector` (0..32), or `None` for
/// external interrupts.
pub fn exception_name(vector: u64) -> Option<(&'static str, &'static str)> {
    Some(match vector {
        0 => ("#DE", "divide error"),
        1 => ("#DB", "debug"),
        2 => ("NMI", "non-maskable interrupt"),
        3 => ("#BP", "breakpoint"),
        4 => ("#OF", "overflow"),
        5 => ("#BR", "bound range exceeded"),
        6 => ("#UD", "invalid opcode"),
        7 => ("#NM", "device not available"),
        8 => ("#DF", "double fault"),
        9 => ("CSO", "coprocessor segment overrun"),
        10 => ("#TS", "invalid TSS"),
        11 => ("#NP", "segment not present"),
        12 => ("#SS", "stack-segment fault"),
        13 => ("#GP", "general protection"),
        14 => ("#PF", "page fault"),
        16 => ("#MF", "x87 floating-point error"),
        17 => ("#AC", "alignment check"),
        18 => ("#MC", "machine check"),
        19 => ("#XM", "SIMD floating-point"),
        20 => ("#VE", "virtualization"),
        21 => ("#CP", "control protection"),
        28 => ("#HV", "hypervisor injection"),
        29 => ("#VC", "VMM communication"),
        30 => ("#SX", "security"),
        15 | 22..=27 | 31 => ("RSV", "reserved"),
        _ => return None,
    })
}

/// Whether the CPU pushes an error code for exception `vector`.
pub const fn has_error_code(vector: u8) -> bool {
    matches!(vector, 8 | 10..=14 | 17 | 21 | 29 | 30)
}

/// Whether `vector` uses the paranoid entry (GS decided by `IA32_GS_BASE`).
pub const fn is_paranoid(vector: u8) -> bool {
    matches!(vector, 2 | 8 | 18)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_architectural_vector_has_a_name_and_irqs_do_not() {
        for vector in 0..32 {
            assert!(exception_name(vector).is_some(), "vector {vector}");
        }
        assert_eq!(exception_name(14), Some(("#PF", "page fault")));
        assert!(exception_name(32).is_none());
    }

    #[test]
    fn error_code_and_paranoid_sets_match_the_sdm() {
        let with_error: Vec<u8> = (0..32).filter(|v| has_error_code(*v)).collect();
        assert_eq!(with_error, [8, 10, 11, 12, 13, 14, 17, 21, 29, 30]);
        let paranoid: Vec<u8> = (0..=255).filter(|v| is_paranoid(*v)).collect();
        assert_eq!(paranoid, [2, 8, 18]);
    }
}
