use super::*;

const LIMIT: u64 = 0x8000_0000_0000;

struct Segment {
    kind: u32,
    flags: u32,
    offset: u64,
    address: u64,
    file_bytes: u64,
    memory_bytes: u64,
}

fn load(flags: u32, offset: u64, address: u64, file_bytes: u64, memory_bytes: u64) -> Segment {
    Segment { kind: PT_LOAD, flags, offset, address, file_bytes, memory_bytes }
}

/// A minimal ELF64 file: header, program headers at 64, then `body` bytes
/// up to `file_size`.
fn elf(kind: u16, machine: u16, entry: u64, segments: &[Segment], file_size: usize) -> Vec<u8> {
    let mut file = vec![0u8; file_size.max(64 + 56 * segments.len())];
    file[..4].copy_from_slice(b"\x7fELF");
    file[4] = 2; // 64-bit
    file[5] = 1; // little-endian
    file[6] = 1; // version
    file[16..18].copy_from_slice(&kind.to_le_bytes());
    file[18..20].copy_from_slice(&machine.to_le_bytes());
    file[20..24].copy_from_slice(&1u32.to_le_bytes());
    file[24..32].copy_from_slice(&entry.to_le_bytes());
    file[32..40].copy_from_slice(&64u64.to_le_bytes()); // phoff
    file[52..54].copy_from_slice(&64u16.to_le_bytes()); // ehsize
    file[54..56].copy_from_slice(&56u16.to_le_bytes()); // phentsize
    file[56..58].copy_from_slice(&(segments.len() as u16).to_le_bytes());
    for (index, segment) in segments.iter().enumerate() {
        let at = 64 + 56 * index;
        file[at..at + 4].copy_from_slice(&segment.kind.to_le_bytes());
        file[at + 4..at + 8].copy_from_slice(&segment.flags.to_le_bytes());
        file[at + 8..at + 16].copy_from_slice(&segment.offset.to_le_bytes());
        file[at + 16..at + 24].copy_from_slice(&segment.address.to_le_bytes());
        file[at + 24..at + 32].copy_from_slice(&segment.address.to_le_bytes());
        file[at + 32..at + 40].copy_from_slice(&segment.file_bytes.to_le_bytes());
        file[at + 40..at + 48].copy_from_slice(&segment.memory_bytes.to_le_bytes());
        file[at + 48..at + 56].copy_from_slice(&0x1000u64.to_le_bytes());
    }
    file
}

fn static_program() -> Vec<u8> {
    elf(
        ET_EXEC,
        EM_X86_64,
        0x401000,
        &[load(PF_R, 0, 0x400000, 0x200, 0x200), load(PF_R | PF_X, 0x1000, 0x401000, 0x100, 0x100), load(PF_R | PF_W, 0x2000, 0x402000, 0x10, 0x3000)],
        0x2010,
    )
}

#[test]
fn a_static_executable_loads_at_its_addresses() {
    let file = static_program();
    let plan = plan(&file, LIMIT).unwrap();
    assert_eq!(plan.entry, 0x401000);
    assert_eq!(plan.program_headers, 0x400040);
    assert_eq!(plan.program_header_count, 3);
    assert_eq!(plan.program_header_size, 56);
    assert_eq!(plan.image_end, 0x405000);
    assert!(!plan.executable_stack);
    let read = Protection { read: true, write: false, execute: false };
    let code = Protection { read: true, write: false, execute: true };
    assert_eq!(
        plan.ranges,
        vec![
            PageRange { start: 0x400000, end: 0x401000, protection: read },
            PageRange { start: 0x401000, end: 0x402000, protection: code },
            PageRange { start: 0x402000, end: 0x405000, protection: Protection::READ_WRITE },
        ]
    );
    assert_eq!(plan.copies.len(), 3);
    assert_eq!(plan.copies[2].address, 0x402000);
    assert_eq!(plan.copies[2].bytes.len(), 0x10);
}

#[test]
fn a_position_independent_executable_gets_the_pie_base() {
    let file = elf(ET_DYN, EM_X86_64, 0x1000, &[load(PF_R | PF_X, 0, 0, 0x1100, 0x1100)], 0x1100);
    let plan = plan(&file, LIMIT).unwrap();
    assert_eq!(plan.entry, PIE_LOAD_BASE + 0x1000);
    assert_eq!(plan.program_headers, PIE_LOAD_BASE + 64);
    assert_eq!(plan.ranges[0].start, PIE_LOAD_BASE);
}

#[test]
fn segments_sharing_a_page_give_it_both_protections() {
    let file = elf(ET_EXEC, EM_X86_64, 0x401000, &[load(PF_R | PF_X, 0, 0x401000, 0x800, 0x800), load(PF_R | PF_W, 0x800, 0x401800, 0x10, 0x10)], 0x1000);
    let plan = plan(&file, LIMIT).unwrap();
    assert_eq!(plan.ranges, vec![PageRange { start: 0x401000, end: 0x402000, protection: Protection { read: true, write: true, execute: true } }]);
}

#[test]
fn refusals_name_their_reason() {
    let good = static_program();
    assert!(matches!(plan(b"#!/bin/sh\n", LIMIT), Err(ElfError::Malformed(_))));
    assert!(matches!(plan(&good[..40], LIMIT), Err(ElfError::Malformed(_))));
    // Program headers cut off.
    assert!(matches!(plan(&good[..100], LIMIT), Err(ElfError::Malformed(_))));
    let arm = elf(ET_EXEC, 183, 0x401000, &[load(PF_R | PF_X, 0, 0x401000, 0x10, 0x10)], 0x100);
    assert!(matches!(plan(&arm, LIMIT), Err(ElfError::Unsupported(_))));
    let relocatable = elf(1, EM_X86_64, 0x401000, &[load(PF_R | PF_X, 0, 0x401000, 0x10, 0x10)], 0x100);
    assert!(matches!(plan(&relocatable, LIMIT), Err(ElfError::Unsupported(_))));
    let interp = elf(ET_EXEC, EM_X86_64, 0x401000, &[Segment { kind: PT_INTERP, flags: PF_R, offset: 0, address: 0, file_bytes: 1, memory_bytes: 1 }, load(PF_R | PF_X, 0, 0x401000, 0x10, 0x10)], 0x100);
    assert!(matches!(plan(&interp, LIMIT), Err(ElfError::Unsupported(_))));
    let kernel_half = elf(ET_EXEC, EM_X86_64, 0xffff_8000_0000_0000, &[load(PF_R | PF_X, 0, 0xffff_8000_0000_0000, 0x10, 0x10)], 0x100);
    assert!(matches!(plan(&kernel_half, LIMIT), Err(ElfError::Unsupported(_))));
    let wraps = elf(ET_EXEC, EM_X86_64, 0x401000, &[load(PF_R | PF_X, 0, 0x401000, 0x10, u64::MAX)], 0x100);
    assert!(plan(&wraps, LIMIT).is_err());
    let data_past_end = elf(ET_EXEC, EM_X86_64, 0x401000, &[load(PF_R | PF_X, 0x10_0000, 0x401000, 0x10, 0x10)], 0x100);
    assert!(matches!(plan(&data_past_end, LIMIT), Err(ElfError::Malformed(_))));
    let more_file_than_memory = elf(ET_EXEC, EM_X86_64, 0x401000, &[load(PF_R | PF_X, 0, 0x401000, 0x20, 0x10)], 0x100);
    assert!(matches!(plan(&more_file_than_memory, LIMIT), Err(ElfError::Malformed(_))));
    let entry_not_code = elf(ET_EXEC, EM_X86_64, 0x401000, &[load(PF_R | PF_W, 0, 0x401000, 0x10, 0x10)], 0x100);
    assert!(matches!(plan(&entry_not_code, LIMIT), Err(ElfError::Malformed(_))));
    let no_load = elf(ET_EXEC, EM_X86_64, 0x401000, &[], 0x100);
    assert!(matches!(plan(&no_load, LIMIT), Err(ElfError::Malformed(_))));
}

/// Every truncation and every single-byte corruption of a valid file is
/// either refused or planned inside the user half: never a panic.
#[test]
fn damaged_files_never_panic() {
    let good = static_program();
    for length in 0..good.len() {
        let _ = plan(&good[..length], LIMIT);
    }
    let mut random = crate::random::Rng::new(7);
    for _ in 0..20_000 {
        let mut damaged = good.clone();
        let at = random.below(0x200) as usize;
        damaged[at] = random.next_u32() as u8;
        if let Ok(plan) = plan(&damaged, LIMIT) {
            assert!(plan.ranges.iter().all(|range| range.end <= LIMIT && range.start < range.end));
        }
    }
}
