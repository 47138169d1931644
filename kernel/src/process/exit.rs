//! A process ending: by `exit`/`exit_group`, or killed by a signal from a
//! fault. The end of PID 1 ends the machine, with a console line and a
//! QEMU exit status `cargo xtask run` maps to 0 (status 0) or 1.

use super::{current, INIT_PID};
use protocol::GuestExit;

/// Status of a process whose first thread could not enter ring 3.
pub const EXIT_STATUS_CANNOT_RUN: u64 = 127;
/// A process killed by signal N ends its thread with this plus N (the
/// shell's convention for `$?`) until `wait4` reports signals properly.
pub const KILLED_BY_SIGNAL_BASE: u64 = 128;

/// Ends the calling thread's process with `status` (the low 8 bits are
/// what a parent will see).
pub fn exit_current(status: u64) -> ! {
    let status = status & 0xff;
    if let Some(user) = current() {
        if user.process.pid() == INIT_PID {
            init_ended(&alloc::format!("exited with status {status}"), status == 0);
        }
    }
    crate::sched::exit(status)
}

/// Ends the calling thread's process as killed by `signal`.
pub fn kill_current(signal: u64) -> ! {
    if let Some(user) = current() {
        if user.process.pid() == INIT_PID {
            init_ended(&alloc::format!("was killed by signal {signal}"), false);
        }
    }
    crate::sched::exit(KILLED_BY_SIGNAL_BASE + signal)
}

/// PID 1 is gone: say so and power off.
fn init_ended(how: &str, success: bool) -> ! {
    crate::kprintln!("init: PID 1 {how}; powering off");
    arch::qemu_exit::exit_qemu(if success { GuestExit::Pass } else { GuestExit::Fail })
}

/// `reboot(LINUX_REBOOT_CMD_POWER_OFF)` and friends: the machine stops.
pub fn power_off() -> ! {
    crate::kprintln!("reboot: power off requested by process {}", crate::sched::current_thread_id());
    arch::qemu_exit::exit_qemu(GuestExit::Pass)
}
