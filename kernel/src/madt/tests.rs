//! Host tests for the MADT walker over fake ACPI tables built in a byte buffer.

use super::*;
use std::vec;
use std::vec::Vec;

/// "Physical memory" for tests: `bytes[0]` lives at physical address `base`.
struct FakeMemory {
    base: u64,
    bytes: Vec<u8>,
}

impl PhysicalMemory for FakeMemory {
    fn read(&self, phys_addr: u64, length_bytes: usize) -> Option<&[u8]> {
        let start = usize::try_from(phys_addr.checked_sub(self.base)?).ok()?;
        self.bytes.get(start..start.checked_add(length_bytes)?)
    }
}

const BASE: u64 = 0xE_0000;
const RSDP_AT: usize = 0x40;
const ROOT_AT: usize = 0x100;
const OTHER_TABLE_AT: usize = 0x200;
const MADT_AT: usize = 0x400;

fn fix_checksum(bytes: &mut [u8], checksum_index: usize) {
    bytes[checksum_index] = 0;
    bytes[checksum_index] = checksum(bytes).wrapping_neg();
}

fn sdt(signature: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut table = vec![0u8; SDT_HEADER_SIZE_BYTES];
    table[..4].copy_from_slice(signature);
    table[4..8].copy_from_slice(&((SDT_HEADER_SIZE_BYTES + body.len()) as u32).to_le_bytes());
    table[8] = 1;
    table[10..16].copy_from_slice(b"TESTOE");
    table.extend_from_slice(body);
    fix_checksum(&mut table, 9);
    table
}

fn rsdp(revision: u8, rsdt: u32, xsdt: u64) -> Vec<u8> {
    let mut bytes = vec![0u8; RSDP_V2_SIZE_BYTES];
    bytes[..8].copy_from_slice(b"RSD PTR ");
    bytes[9..15].copy_from_slice(b"TESTOE");
    bytes[15] = revision;
    bytes[16..20].copy_from_slice(&rsdt.to_le_bytes());
    bytes[20..24].copy_from_slice(&(RSDP_V2_SIZE_BYTES as u32).to_le_bytes());
    bytes[24..32].copy_from_slice(&xsdt.to_le_bytes());
    fix_checksum(&mut bytes[..RSDP_V1_SIZE_BYTES], 8);
    fix_checksum(&mut bytes, 32);
    if revision == 0 {
        bytes.truncate(RSDP_V1_SIZE_BYTES);
    }
    bytes
}

fn madt(entries: &[Vec<u8>]) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&0xFEE0_0000u32.to_le_bytes());
    body.extend_from_slice(&1u32.to_le_bytes()); // PCAT_COMPAT
    entries
        .iter()
        .for_each(|entry| body.extend_from_slice(entry));
    sdt(b"APIC", &body)
}

fn local_apic(uid: u8, apic_id: u8, flags: u32) -> Vec<u8> {
    let mut entry = vec![0, 8, uid, apic_id];
    entry.extend_from_slice(&flags.to_le_bytes());
    entry
}

fn local_x2apic(apic_id: u32, flags: u32, uid: u32) -> Vec<u8> {
    let mut entry = vec![9, 16, 0, 0];
    [apic_id, flags, uid]
        .iter()
        .for_each(|field| entry.extend_from_slice(&field.to_le_bytes()));
    entry
}

fn io_apic(id: u8, phys_addr: u32, gsi_base: u32) -> Vec<u8> {
    let mut entry = vec![1, 12, id, 0];
    entry.extend_from_slice(&phys_addr.to_le_bytes());
    entry.extend_from_slice(&gsi_base.to_le_bytes());
    entry
}

fn source_override(isa_irq: u8, gsi: u32, flags: u16) -> Vec<u8> {
    let mut entry = vec![2, 10, 0, isa_irq];
    entry.extend_from_slice(&gsi.to_le_bytes());
    entry.extend_from_slice(&flags.to_le_bytes());
    entry
}

fn standard_entries() -> Vec<Vec<u8>> {
    vec![
        local_apic(0, 0, 1),
        local_apic(1, 1, 1),
        local_apic(2, 2, 1),
        local_apic(3, 3, 1),
        io_apic(0, 0xFEC0_0000, 0),
        source_override(0, 2, 0),
        source_override(9, 9, 0b1101), // active high, level
        vec![4, 6, 0xFF, 5, 0, 1],     // local APIC NMI: skipped
    ]
}

/// Lays out RSDP (v2 unless `revision` is 0), root table, a dummy table and `madt_bytes`.
fn memory_with(revision: u8, madt_bytes: &[u8]) -> FakeMemory {
    let mut bytes = vec![0u8; (MADT_AT + madt_bytes.len()).max(0x1000)];
    let madt_phys = BASE + MADT_AT as u64;
    let other_phys = BASE + OTHER_TABLE_AT as u64;
    let (root, rsdp_bytes) = if revision == 0 {
        let entries: Vec<u8> = [other_phys as u32, madt_phys as u32]
            .iter()
            .flat_map(|a| a.to_le_bytes())
            .collect();
        (
            sdt(b"RSDT", &entries),
            rsdp(0, (BASE + ROOT_AT as u64) as u32, 0),
        )
    } else {
        // The first XSDT entry points to unreadable memory and must be skipped.
        let entries: Vec<u8> = [0xDEAD_0000_0000u64, other_phys, madt_phys]
            .iter()
            .flat_map(|a| a.to_le_bytes())
            .collect();
        (sdt(b"XSDT", &entries), rsdp(2, 0, BASE + ROOT_AT as u64))
    };
    let other = sdt(b"FACP", &[0; 16]);
    bytes[RSDP_AT..RSDP_AT + rsdp_bytes.len()].copy_from_slice(&rsdp_bytes);
    bytes[ROOT_AT..ROOT_AT + root.len()].copy_from_slice(&root);
    bytes[OTHER_TABLE_AT..OTHER_TABLE_AT + other.len()].copy_from_slice(&other);
    bytes[MADT_AT..MADT_AT + madt_bytes.len()].copy_from_slice(madt_bytes);
    FakeMemory { base: BASE, bytes }
}

fn topology_of(entries: &[Vec<u8>]) -> Result<CpuTopology, MadtError> {
    topology_from_rsdp(&memory_with(2, &madt(entries)), BASE + RSDP_AT as u64)
}

fn apic_ids(topology: &CpuTopology) -> Vec<u32> {
    topology.cpus.iter().map(|cpu| cpu.apic_id).collect()
}

#[test]
fn normal_four_cpu_table_via_xsdt_and_rsdt() {
    for revision in [2, 0] {
        let memory = memory_with(revision, &madt(&standard_entries()));
        let topology = topology_from_rsdp(&memory, BASE + RSDP_AT as u64).unwrap();
        assert_eq!(apic_ids(&topology), [0, 1, 2, 3]);
        assert_eq!(topology.enabled_cpus().count(), 4);
        assert_eq!(topology.local_apic_phys_addr, 0xFEE0_0000);
        assert!(topology.legacy_pics_present);
        assert_eq!(
            &*topology.io_apics,
            [IoApic {
                id: 0,
                phys_addr: 0xFEC0_0000,
                gsi_base: 0
            }]
        );
        assert_eq!(topology.isa_irq_to_gsi(0).gsi, 2);
        assert_eq!(topology.isa_irq_to_gsi(4).gsi, 4);
        let sci = topology.isa_irq_to_gsi(9);
        assert_eq!(
            (sci.polarity, sci.trigger_mode),
            (Polarity::ActiveHigh, TriggerMode::Level)
        );
        assert_eq!(topology.duplicate_apic_ids, 0);
    }
}

#[test]
fn x2apic_entries_and_address_override() {
    let mut entries = standard_entries();
    entries.push(local_x2apic(300, 1, 10));
    entries.push(local_x2apic(2, 1, 11)); // same CPU as the xAPIC entry: deduplicated
    entries.push(local_x2apic(u32::MAX, 1, 12)); // invalid ID
    let mut address_override = vec![5, 12, 0, 0];
    address_override.extend_from_slice(&0x1_FEE0_0000u64.to_le_bytes());
    entries.push(address_override);
    let topology = topology_of(&entries).unwrap();
    assert_eq!(apic_ids(&topology), [0, 1, 2, 3, 300]);
    assert!(topology.cpus[4].from_x2apic_entry && !topology.cpus[0].from_x2apic_entry);
    assert_eq!(topology.cpus[4].acpi_processor_uid, 10);
    assert_eq!(topology.duplicate_apic_ids, 1);
    assert_eq!(topology.unusable_cpu_entries, 1);
    assert_eq!(topology.local_apic_phys_addr, 0x1_FEE0_0000);
}

#[test]
fn disabled_and_online_capable_cpus() {
    let entries = [
        local_apic(0, 0, 1),
        local_apic(1, 1, 0),
        local_apic(2, 2, 0b10),
        io_apic(0, 0xFEC0_0000, 0),
    ];
    let topology = topology_of(&entries).unwrap();
    assert_eq!(apic_ids(&topology), [0, 2]);
    assert!(!topology.cpus[1].enabled);
    assert_eq!(topology.enabled_cpus().count(), 1);
    assert_eq!(topology.unusable_cpu_entries, 1);
}

#[test]
fn duplicate_apic_ids_keep_the_first() {
    let entries = [
        local_apic(0, 0, 1),
        local_apic(1, 5, 1),
        local_apic(2, 5, 1),
        io_apic(0, 0xFEC0_0000, 0),
    ];
    let topology = topology_of(&entries).unwrap();
    assert_eq!(apic_ids(&topology), [0, 5]);
    assert_eq!(topology.cpus[1].acpi_processor_uid, 1);
    assert_eq!(topology.duplicate_apic_ids, 1);
}

#[test]
fn hundreds_of_cpus_are_all_listed() {
    let mut entries: Vec<Vec<u8>> = vec![local_x2apic(1000, 0b10, 0)]; // online-capable placeholder
    entries.extend((0..300u32).map(|id| local_x2apic(id, 1, id)));
    entries.push(io_apic(0, 0xFEC0_0000, 0));
    let topology = topology_of(&entries).unwrap();
    assert_eq!(topology.cpus.len(), 301);
    assert_eq!(topology.enabled_cpus().count(), 300);
    assert_eq!(topology.duplicate_apic_ids, 0);
}

#[test]
fn table_errors() {
    let rsdp_phys = BASE + RSDP_AT as u64;
    let mut bad_checksum = madt(&standard_entries());
    bad_checksum[40] ^= 0x10;
    let error = topology_from_rsdp(&memory_with(2, &bad_checksum), rsdp_phys).unwrap_err();
    assert_eq!(
        error,
        MadtError::BadTableChecksum {
            signature: *b"APIC",
            phys_addr: BASE + MADT_AT as u64
        }
    );
    assert!(std::format!("{error}").contains("bad checksum"));

    let not_madt = sdt(b"HPET", &[0; 20]);
    assert_eq!(
        topology_from_rsdp(&memory_with(2, &not_madt), rsdp_phys).unwrap_err(),
        MadtError::MadtNotFound
    );

    let no_cpus = [io_apic(0, 0xFEC0_0000, 0), local_apic(0, 0, 0)];
    assert_eq!(
        topology_of(&no_cpus).unwrap_err(),
        MadtError::NoUsableProcessors
    );
    assert_eq!(
        topology_of(&[local_apic(0, 0, 1)]).unwrap_err(),
        MadtError::NoIoApic
    );

    let memory = memory_with(2, &madt(&standard_entries()));
    assert!(matches!(
        topology_from_rsdp(&memory, rsdp_phys + 16),
        Err(MadtError::BadRsdpSignature { .. })
    ));
    assert!(matches!(
        topology_from_rsdp(&memory, 0x10),
        Err(MadtError::RsdpUnreadable { .. })
    ));
    let mut memory = memory;
    memory.bytes[RSDP_AT + 8] ^= 1;
    assert!(matches!(
        topology_from_rsdp(&memory, rsdp_phys),
        Err(MadtError::BadRsdpChecksum { .. })
    ));
}

#[test]
fn truncated_and_malformed_madts_are_errors() {
    let madt_phys = BASE + MADT_AT as u64;
    // Length field claims far more than the buffer holds.
    let mut too_long = madt(&standard_entries());
    too_long[4..8].copy_from_slice(&0x8000u32.to_le_bytes());
    fix_checksum(&mut too_long, 9);
    let error = topology_from_rsdp(&memory_with(2, &too_long), BASE + RSDP_AT as u64).unwrap_err();
    assert!(
        matches!(
            error,
            MadtError::TableUnreadable {
                length_bytes: 0x8000,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(matches!(
        topology_from_madt(&too_long, madt_phys),
        Err(MadtError::TableUnreadable { .. })
    ));
    // Absurd length field.
    too_long[4..8].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(matches!(
        topology_from_madt(&too_long, madt_phys),
        Err(MadtError::BadTableLength { .. })
    ));

    let cases: [(Vec<u8>, usize); 4] = [
        (vec![0, 0, 0, 0, 0, 0, 0, 0], 0), // length 0 would loop forever
        (vec![0x80, 1], 1),                // length 1 cannot even cover its header
        (vec![0, 6, 0, 0, 1, 0], 6),       // Local APIC shorter than 8 bytes
        (vec![1, 200, 0, 0], 200),         // runs past the end of the table
    ];
    for (bad_entry, length_bytes) in cases {
        let entries = [local_apic(0, 0, 1), io_apic(0, 0xFEC0_0000, 0), bad_entry];
        let error = topology_of(&entries).unwrap_err();
        let expected_offset = MADT_ENTRIES_OFFSET_BYTES + 8 + 12;
        assert!(
            matches!(error, MadtError::MalformedMadtEntry { offset_bytes, length_bytes: found, .. }
                if offset_bytes == expected_offset && found == length_bytes),
            "{error:?}"
        );
    }
    // A lone trailing type byte with no length byte.
    let entries = [local_apic(0, 0, 1), io_apic(0, 0xFEC0_0000, 0), vec![0x80]];
    assert!(matches!(
        topology_of(&entries),
        Err(MadtError::MalformedMadtEntry { .. })
    ));
    // Too short to hold the MADT fixed fields.
    let stub = sdt(b"APIC", &[0; 4]);
    assert!(matches!(
        topology_from_madt(&stub, madt_phys),
        Err(MadtError::BadTableLength { .. })
    ));
}

#[test]
fn rsdp_scan_finds_valid_structures_only() {
    let mut area = vec![0u8; 0x400];
    assert_eq!(find_rsdp_in(&area, BASE), None);
    let mut bad_v1 = rsdp(0, 0x1234, 0);
    bad_v1[8] ^= 0xFF;
    area[0x20..0x20 + bad_v1.len()].copy_from_slice(&bad_v1);
    let mut bad_v2 = rsdp(2, 0, 0x5678);
    bad_v2[33] ^= 0xFF; // extended checksum only
    area[0x60..0x60 + bad_v2.len()].copy_from_slice(&bad_v2);
    let good_v1 = rsdp(0, 0x1234, 0);
    area[0x108..0x108 + good_v1.len()].copy_from_slice(&good_v1); // not 16-aligned: ignored
    assert_eq!(find_rsdp_in(&area, BASE), None);
    let good_v2 = rsdp(2, 0, 0x5678);
    area[0x200..0x200 + good_v2.len()].copy_from_slice(&good_v2);
    assert_eq!(find_rsdp_in(&area, BASE), Some(BASE + 0x200));
    // With an unaligned base the physical 16-byte grid shifts; 0x108 + 8 is aligned.
    assert_eq!(find_rsdp_in(&area, BASE + 8), Some(BASE + 8 + 0x108));
    area[0x3F0..0x3F8].copy_from_slice(b"RSD PTR "); // cut off by the end of the area
    area[0x200] = 0;
    assert_eq!(find_rsdp_in(&area[0x300..], BASE + 0x300), None);
    area[0x108] = 0;
    assert_eq!(find_rsdp_in(&area, BASE), None);
}
