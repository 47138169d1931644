//! QEMU's isa-debug-exit device (`-device isa-debug-exit,iobase=0xf4`): a
//! write of `v` makes QEMU exit with status `(v << 1) | 1`. The codes mirror
//! `xtask/src/exit_protocol.rs`; 0 is never used because QEMU's own errors
//! exit with small statuses.

use x86_64::instructions::port::Port;

/// I/O port of the isa-debug-exit device, as xtask configures it.
pub const ISA_DEBUG_EXIT_PORT: u16 = 0xf4;

/// Why the kernel is leaving the VM.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum ExitCode {
    /// Test passed or clean shutdown: QEMU exits 33.
    Success = 0x10,
    /// A test failed: QEMU exits 35.
    Failure = 0x11,
    /// The kernel panicked: QEMU exits 37.
    Panic = 0x12,
}

/// Leaves QEMU with `code`. If the device is absent (a real machine, or QEMU
/// started without it) the write does nothing and the CPU halts forever.
pub fn exit_qemu(code: ExitCode) -> ! {
    // SAFETY: port 0xf4 is the debug-exit device in our QEMU configuration
    // and unassigned (writes ignored) everywhere else.
    unsafe { Port::<u32>::new(ISA_DEBUG_EXIT_PORT).write(code as u32) };
    crate::cpu::halt_forever()
}
