//! Self-test of the QEMU runner and exit protocol, with tiny hand-built guests (no kernel needed).
//!
//! Each guest is a 32-bit PVH ELF of a few dozen bytes: it prints a line on
//! COM1, then writes a value to isa-debug-exit, triple-faults or hangs. This
//! pins down the QEMU flags (machine types, CPU models, isa-debug-exit on
//! microvm) and the status mapping independently of the kernel.
//!
//! ```text
//!  file offset  0 ELF header (52) | 52 PT_LOAD, PT_NOTE headers (2 x 32)
//!             116 Xen note: PHYS32_ENTRY -> entry | 136 code
//!  loaded at paddr 0x100000
//! ```

use std::path::PathBuf;
use std::time::Duration;

use qemu_tests::*;
use protocol::GuestExit;

const GUEST_EXIT_PASS: u8 = GuestExit::Pass as u8;
const GUEST_EXIT_FAIL: u8 = GuestExit::Fail as u8;
const GUEST_EXIT_PANIC: u8 = GuestExit::Panic as u8;

const LOAD_ADDRESS: u32 = 0x10_0000;
const ELF_HEADER_SIZE: usize = 52;
const PROGRAM_HEADER_SIZE: usize = 32;
const NOTE_OFFSET: usize = ELF_HEADER_SIZE + 2 * PROGRAM_HEADER_SIZE;
const NOTE_SIZE: usize = 20;
const CODE_OFFSET: usize = NOTE_OFFSET + NOTE_SIZE;
/// `XEN_ELFNOTE_PHYS32_ENTRY`: the 32-bit PVH entry point QEMU's loader looks for.
const XEN_ELFNOTE_PHYS32_ENTRY: u32 = 18;
const GREETING: &str = "runner self-test guest\n";

/// What the guest does after printing its greeting.
#[derive(Clone, Copy)]
enum Ending {
    /// `out 0xf4, al` with this value.
    DebugExit(u8),
    /// `int3` with no IDT: triple fault, QEMU exits 0 under `-no-reboot`.
    TripleFault,
    /// `cli; hlt` forever.
    Hang,
    /// Prints `M`, the PVH module count as a digit and the first 6 bytes of
    /// module 0 (`M1070701` for one newc initrd), then exits PASS.
    EchoModuleStart,
}

/// 32-bit machine code: greet on COM1 (port 0x3f8), then end as asked.
fn guest_code(ending: Ending) -> Vec<u8> {
    let mut code = vec![0x66, 0xba, 0xf8, 0x03]; // mov dx, 0x3f8
    for byte in GREETING.bytes() {
        code.extend([0xb0, byte, 0xee]); // mov al, byte; out dx, al
    }
    match ending {
        Ending::DebugExit(value) => code.extend([0xb0, value, 0xe6, 0xf4]), // mov al, value; out 0xf4, al
        Ending::TripleFault => code.extend([0xcd, 0x03]),                   // int 3
        Ending::Hang => code.push(0xfa),                                    // cli
        Ending::EchoModuleStart => {
            code.extend([0xb0, b'M', 0xee]); // mov al, 'M'; out dx, al
            code.extend([0x8b, 0x43, 0x0c, 0x04, b'0', 0xee]); // mov eax, [ebx+12] (nr_modules); add al, '0'; out dx, al
            code.extend([0x8b, 0x73, 0x10, 0x8b, 0x36]); // mov esi, [ebx+16] (modlist_paddr); mov esi, [esi] (paddr)
            code.extend([0xb9, 6, 0, 0, 0]); // mov ecx, 6
            code.extend([0xac, 0xee, 0xe2, 0xfc]); // 1: lodsb; out dx, al; loop 1b
            code.extend([0xb0, b'\n', 0xee]); // mov al, '\n'; out dx, al
            code.extend([0xb0, GUEST_EXIT_PASS, 0xe6, 0xf4]); // mov al, PASS; out 0xf4, al
        }
    }
    code.extend([0xf4, 0xeb, 0xfd]); // 1: hlt; jmp 1b
    code
}

/// A complete ELF32 image whose PVH entry runs `guest_code(ending)`.
fn guest_elf(ending: Ending) -> Vec<u8> {
    let code = guest_code(ending);
    let total = (CODE_OFFSET + code.len()) as u32;
    let entry = LOAD_ADDRESS + CODE_OFFSET as u32;
    let mut elf = Vec::new();
    let half = |elf: &mut Vec<u8>, value: u16| elf.extend(value.to_le_bytes());
    let word = |elf: &mut Vec<u8>, value: u32| elf.extend(value.to_le_bytes());
    // ELF header: 32-bit, little-endian, executable, i386.
    elf.extend([0x7f, b'E', b'L', b'F', 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    half(&mut elf, 2); // e_type = ET_EXEC
    half(&mut elf, 3); // e_machine = EM_386
    word(&mut elf, 1); // e_version
    word(&mut elf, entry);
    word(&mut elf, ELF_HEADER_SIZE as u32); // e_phoff
    word(&mut elf, 0); // e_shoff
    word(&mut elf, 0); // e_flags
    half(&mut elf, ELF_HEADER_SIZE as u16);
    half(&mut elf, PROGRAM_HEADER_SIZE as u16);
    half(&mut elf, 2); // e_phnum
    half(&mut elf, 40); // e_shentsize
    half(&mut elf, 0); // e_shnum
    half(&mut elf, 0); // e_shstrndx
                       // PT_LOAD: the whole file at LOAD_ADDRESS, read/write/execute.
    for value in [1, 0, LOAD_ADDRESS, LOAD_ADDRESS, total, total, 7, 0x1000] {
        word(&mut elf, value);
    }
    // PT_NOTE: the Xen note.
    let note_address = LOAD_ADDRESS + NOTE_OFFSET as u32;
    for value in [
        4,
        NOTE_OFFSET as u32,
        note_address,
        note_address,
        NOTE_SIZE as u32,
        NOTE_SIZE as u32,
        4,
        4,
    ] {
        word(&mut elf, value);
    }
    assert_eq!(elf.len(), NOTE_OFFSET);
    for value in [4, 4, XEN_ELFNOTE_PHYS32_ENTRY] {
        word(&mut elf, value); // namesz, descsz, type
    }
    elf.extend(b"Xen\0");
    word(&mut elf, entry);
    assert_eq!(elf.len(), CODE_OFFSET);
    elf.extend(code);
    elf
}

/// Writes the guest to a file of its own and returns a config booting it.
fn guest_config(name: &str, ending: Ending, accel: Accel, machine: Machine) -> QemuConfig {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("runner-guest-{name}.elf"));
    std::fs::write(&path, guest_elf(ending)).expect("write guest ELF");
    QemuConfig {
        accel,
        machine: Some(machine),
        timeout: Some(Duration::from_secs(30)),
        echo: false,
        ..QemuConfig::new(path)
    }
}

fn expect(cfg: &QemuConfig, outcome: Outcome) -> RunResult {
    let result = boot(cfg);
    assert_outcome(&result, outcome);
    if outcome != Outcome::Other(1) {
        assert_line_contains(&result, GREETING.trim_end());
    }
    result
}

#[test]
fn tcg_pc_maps_pass_fail_panic() {
    let cases = [
        (GUEST_EXIT_PASS, Outcome::Pass),
        (GUEST_EXIT_FAIL, Outcome::Fail),
        (GUEST_EXIT_PANIC, Outcome::Panic),
    ];
    for (value, outcome) in cases {
        let cfg = guest_config(
            &format!("tcg-pc-{value:#x}"),
            Ending::DebugExit(value),
            Accel::Tcg,
            Machine::Pc,
        );
        let result = expect(&cfg, outcome);
        assert_eq!(result.accel, ResolvedAccel::Tcg);
    }
}

/// microvm must have isa-debug-exit (and serial) too: the KVM default machine.
#[test]
fn tcg_microvm_reports_pass() {
    expect(
        &guest_config(
            "tcg-microvm",
            Ending::DebugExit(GUEST_EXIT_PASS),
            Accel::Tcg,
            Machine::Microvm,
        ),
        Outcome::Pass,
    );
}

#[test]
fn kvm_microvm_reports_pass_and_fail() {
    if skip_without_kvm() {
        return;
    }
    let pass = guest_config(
        "kvm-pass",
        Ending::DebugExit(GUEST_EXIT_PASS),
        Accel::Kvm,
        Machine::Microvm,
    );
    expect(&pass, Outcome::Pass);
    let fail = guest_config(
        "kvm-fail",
        Ending::DebugExit(GUEST_EXIT_FAIL),
        Accel::Kvm,
        Machine::Microvm,
    );
    expect(&fail, Outcome::Fail);
}

/// `-initrd` reaches a PVH kernel as module 0 of `hvm_start_info`, on both
/// machine types, with the archive's bytes at the module's address.
#[test]
fn initrd_arrives_as_the_first_pvh_module() {
    let mut archive = xtask::cpio_newc::NewcWriter::new(Vec::new());
    archive.file("init", 0o755, b"not really a program").unwrap();
    let archive = archive.finish().unwrap();
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("runner-initrd.cpio");
    std::fs::write(&path, archive).expect("write archive");
    for machine in [Machine::Pc, Machine::Microvm] {
        let cfg = QemuConfig {
            initrd: Some(path.clone()),
            ..guest_config(&format!("module-{machine}"), Ending::EchoModuleStart, Accel::Tcg, machine)
        };
        let result = expect(&cfg, Outcome::Pass);
        assert_line_contains(&result, "M1070701");
    }
}

#[test]
fn triple_fault_is_no_result() {
    expect(
        &guest_config("triple-fault", Ending::TripleFault, Accel::Tcg, Machine::Pc),
        Outcome::NoResult,
    );
}

#[test]
fn hang_times_out() {
    let cfg = QemuConfig {
        timeout: Some(Duration::from_secs(2)),
        ..guest_config("hang", Ending::Hang, Accel::Tcg, Machine::Pc)
    };
    let result = expect(&cfg, Outcome::Timeout);
    assert!(
        result.wall >= Duration::from_secs(2) && result.wall < Duration::from_secs(10),
        "{:?}",
        result.wall
    );
}

#[test]
fn unbootable_file_is_other_status() {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("runner-not-a-kernel.txt");
    std::fs::write(&path, "this is not a kernel\n").expect("write file");
    let cfg = QemuConfig {
        accel: Accel::Tcg,
        timeout: Some(Duration::from_secs(30)),
        echo: false,
        ..QemuConfig::new(path)
    };
    let result = expect(&cfg, Outcome::Other(1));
    assert!(
        !result.qemu_stderr.is_empty(),
        "QEMU should explain why it could not boot the file"
    );
}
