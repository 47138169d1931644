//! QEMU's isa-debug-exit device (`-device isa-debug-exit,iobase=0xf4`): a
//! write of `v` makes QEMU exit with status `(v << 1) | 1`. The values are
//! `protocol::GuestExit`, shared with xtask and the tests.

use x86_64::instructions::port::Port;

use protocol::GuestExit;

/// Leaves QEMU with `code`. If the device is absent (a real machine, or QEMU
/// started without it) the write does nothing and the CPU halts forever.
pub fn exit_qemu(code: GuestExit) -> ! {
    // SAFETY: the port is the debug-exit device in our QEMU configuration
    // and unassigned (writes ignored) everywhere else.
    unsafe { Port::<u32>::new(protocol::ISA_DEBUG_EXIT_PORT).write(u32::from(code as u8)) };
    crate::cpu::halt_forever()
}
