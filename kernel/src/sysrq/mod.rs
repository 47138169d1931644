//! Magic SysRq over the serial line, as on Linux: a BREAK, then one key.
//! In `cargo xtask run` on a terminal: Ctrl-A B (QEMU's multiplexed
//! console sends a BREAK), then the key.
//!
//! | key | what |
//! |---|---|
//! | `h` | the keys |
//! | `t` | per CPU its running thread; every thread with its state |
//! | `l` | a backtrace of every CPU (an IPI to the others) |
//! | `z` | the flight recorder dumped to the trace port (COM2), as `trace dump` |
//!
//! `tty::uart_input` takes the BREAK and the key out of the input (the
//! shell never sees them) and calls [`on_key`] from COM1's interrupt;
//! the key is run by the `sysrq` kernel thread, because the dump
//! allocates and takes locks an interrupt handler must not. The thread is
//! not pinned, so any CPU that still schedules runs it: a user program
//! stuck in a loop is preempted for it. TEAM_NOTES/magic-sysrq.md.

mod cpu_backtraces;
mod thread_list;

use crate::sched::WaitQueue;
use crate::sync::IrqSpinLock;
use crate::tty::raw_ring::RawRing;
use protocol::serial::SYSRQ;

/// Keys typed and not yet run (a BREAK-key pair each).
static KEYS: IrqSpinLock<RawRing> = IrqSpinLock::new(RawRing::new());
/// The `sysrq` thread waits here for keys.
static KEY_ARRIVED: WaitQueue = WaitQueue::new();

/// One key: its byte, what it does (for `h`), how.
type Command = (u8, &'static str, fn());

const COMMANDS: &[Command] = &[
    (b'h', "help", help),
    (
        b't',
        "threads: per CPU the running one, then all with their state",
        thread_list::print,
    ),
    (b'l', "backtrace of every CPU", cpu_backtraces::print),
    (b'z', "dump the trace to the trace port (COM2)", dump_trace),
];

/// Starts the `sysrq` thread and the backtrace IPI's handler. Once, on
/// the BSP, before the terminal takes input.
pub fn start() {
    cpu_backtraces::init();
    if let Err(error) = crate::sched::spawn("sysrq", run_keys_forever) {
        crate::kwarn!("sysrq: cannot start its thread ({error:?}); SysRq keys do nothing");
    }
}

/// A SysRq key arrived (COM1's interrupt handler): queue it for the thread.
pub fn on_key(key: u8) {
    KEYS.lock().push(key);
    KEY_ARRIVED.wake_all();
}

fn run_keys_forever() {
    loop {
        KEY_ARRIVED.wait_until(|| !KEYS.lock().is_empty());
        while let Some(key) = KEYS.lock().pop() {
            run(key);
        }
    }
}

fn run(key: u8) {
    match COMMANDS
        .iter()
        .find(|(command_key, _, _)| *command_key == key)
    {
        Some((_, what, command)) => {
            crate::kprintln!("{SYSRQ} {}: {what}", char::from(key));
            command();
        }
        None => {
            crate::kprintln!("{SYSRQ} unknown key {:?} ({key:#04x})", char::from(key));
            help();
        }
    }
}

fn help() {
    let mut keys = alloc::string::String::new();
    for (key, what, _) in COMMANDS {
        keys.push_str(&alloc::format!(" {}={what};", char::from(*key)));
    }
    crate::kprintln!(
        "{SYSRQ} keys (after a BREAK, Ctrl-A B in cargo xtask run):{}",
        keys.trim_end_matches(';')
    );
}

/// Stops recording (so the dump does not trace itself), dumps like
/// `/sys/kernel/tracing/dump`, then records what was recorded before.
fn dump_trace() {
    let classes = crate::flight_recorder::stop();
    let report = crate::flight_recorder::dump_to_trace_port();
    crate::flight_recorder::configure(classes, crate::flight_recorder::enabled_cpus());
    crate::kprintln!("{report}");
}
