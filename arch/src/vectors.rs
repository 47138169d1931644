//! The one table of what each vector needs (Intel SDM vol. 3, table 6-1):
//! whether the CPU pushes an error code, whether it takes the paranoid entry,
//! which IST stack it runs on, and its name for reports. The entry stubs'
//! assembler gets the sets from here as constant bit masks, and the IDT its
//! IST slots, so the facts are written once.

use percpu::ist;

/// Vectors the architecture reserves for exceptions (0..32).
pub const EXCEPTION_VECTOR_COUNT: u8 = 32;
/// Divide error (#DE).
pub const DIVIDE_ERROR: u8 = 0;
/// Debug exception (#DB).
pub const DEBUG: u8 = 1;
/// Non-maskable interrupt.
pub const NMI: u8 = 2;
/// Breakpoint (#BP).
pub const BREAKPOINT: u8 = 3;
/// Invalid opcode (#UD).
pub const INVALID_OPCODE: u8 = 6;
/// Double fault (#DF).
pub const DOUBLE_FAULT: u8 = 8;
/// Page fault (#PF).
pub const PAGE_FAULT: u8 = 14;
/// x87 floating-point error (#MF).
pub const X87_FLOATING_POINT: u8 = 16;
/// Alignment check (#AC).
pub const ALIGNMENT_CHECK: u8 = 17;
/// Machine check (#MC).
pub const MACHINE_CHECK: u8 = 18;
/// SIMD floating-point exception (#XM).
pub const SIMD_FLOATING_POINT: u8 = 19;

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
    matches!(vector, DOUBLE_FAULT | 10..=14 | 17 | 21 | 29 | 30)
}

/// Whether `vector` uses the paranoid entry (GS decided by `IA32_GS_BASE`):
/// those that can arrive between a `swapgs` and the next instruction.
pub const fn is_paranoid(vector: u8) -> bool {
    matches!(vector, NMI | DOUBLE_FAULT | MACHINE_CHECK)
}

/// The IST slot `vector` runs on (0: the interrupted or `rsp0` stack).
pub const fn ist_index_for(vector: u8) -> u8 {
    match vector {
        DEBUG => ist::DEBUG,
        NMI => ist::NMI,
        DOUBLE_FAULT => ist::DOUBLE_FAULT,
        MACHINE_CHECK => ist::MACHINE_CHECK,
        _ => 0,
    }
}

/// Bit `v` set for each exception vector `v` that `has` selects.
const fn exception_mask(has: Selector) -> u32 {
    let mut mask = 0;
    let mut vector = 0;
    while vector < EXCEPTION_VECTOR_COUNT {
        let selected = match has {
            Selector::ErrorCode => has_error_code(vector),
            Selector::Paranoid => is_paranoid(vector),
        };
        if selected {
            mask |= 1 << vector;
        }
        vector += 1;
    }
    mask
}

/// Which set `exception_mask` builds (const fns cannot take fn pointers).
#[derive(Clone, Copy)]
enum Selector {
    ErrorCode,
    Paranoid,
}

/// `has_error_code` as a bit mask over vectors 0..32, for the stub assembler.
pub const ERROR_CODE_VECTORS_MASK: u32 = exception_mask(Selector::ErrorCode);
/// `is_paranoid` as a bit mask over vectors 0..32, for the stub assembler.
pub const PARANOID_VECTORS_MASK: u32 = exception_mask(Selector::Paranoid);
const _: () = assert!(!is_paranoid(EXCEPTION_VECTOR_COUNT) && !has_error_code(EXCEPTION_VECTOR_COUNT));

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

    #[test]
    fn masks_hold_the_same_sets() {
        for vector in 0..32u8 {
            assert_eq!(ERROR_CODE_VECTORS_MASK >> vector & 1 == 1, has_error_code(vector), "vector {vector}");
            assert_eq!(PARANOID_VECTORS_MASK >> vector & 1 == 1, is_paranoid(vector), "vector {vector}");
        }
    }

    #[test]
    fn paranoid_vectors_and_debug_have_their_own_stacks() {
        let with_ist: Vec<u8> = (0..=255).filter(|v| ist_index_for(*v) != 0).collect();
        assert_eq!(with_ist, [1, 2, 8, 18]);
    }
}
