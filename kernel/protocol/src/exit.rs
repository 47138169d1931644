//! The kernel ends a run by writing one value to QEMU's `isa-debug-exit`
//! device; QEMU then exits with status `(value << 1) | 1`, so a guest can
//! never produce status 0 (which QEMU uses for its own clean exits, such as
//! a triple fault under `-no-reboot`).

/// I/O port of the `isa-debug-exit` device (`-device isa-debug-exit,iobase=0xf4`).
pub const ISA_DEBUG_EXIT_PORT: u16 = 0xf4;
/// Width in bytes of its port window (`iosize=0x04`).
pub const ISA_DEBUG_EXIT_IOSIZE: u16 = 0x04;

/// Why the kernel leaves the VM: the value it writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum GuestExit {
    /// The in-kernel test passed, or the kernel shut down cleanly.
    Pass = 0x10,
    /// An in-kernel test failed (after printing `TEST FAIL NAME: reason`).
    Fail = 0x11,
    /// The kernel panicked (after printing `PANIC cpu=K ...`).
    Panic = 0x12,
    /// A program powered the machine off (`reboot(2)` with
    /// `LINUX_REBOOT_CMD_POWER_OFF`, e.g. `poweroff` at the shell, or init
    /// after its program exited with status 0).
    PowerOff = 0x13,
}

impl GuestExit {
    /// Every value, for tables and tests.
    pub const ALL: [GuestExit; 4] = [GuestExit::Pass, GuestExit::Fail, GuestExit::Panic, GuestExit::PowerOff];

    /// QEMU's exit status after the guest wrote this value.
    pub const fn qemu_status(self) -> i32 {
        qemu_status_for(self as u8)
    }
}

/// The QEMU process status produced by a guest write of `guest_value`.
pub const fn qemu_status_for(guest_value: u8) -> i32 {
    ((guest_value as i32) << 1) | 1
}

const _: () = assert!(GuestExit::Pass.qemu_status() == 33);
const _: () = assert!(GuestExit::Fail.qemu_status() == 35);
const _: () = assert!(GuestExit::Panic.qemu_status() == 37);
const _: () = assert!(GuestExit::PowerOff.qemu_status() == 39);
