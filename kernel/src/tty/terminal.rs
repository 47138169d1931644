//! The serial terminal: one line discipline behind `/dev/console`,
//! `/dev/ttyS0` and `/dev/tty` (opened through `device_file`), the `tty`
//! kernel thread that feeds it, and the read and write paths with their
//! job-control checks.

use super::foreground::{self, Caller, Ownership};
use super::line_discipline::{Effects, LineDiscipline, ReadOutcome};
use super::uart_input;
use crate::process::process_group;
use crate::process::signal::{SignalInfo, SIGCONT, SIGHUP, SI_KERNEL};
use crate::sched::{Mutex, WaitQueue};
use crate::sync::SpinLock;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use protocol::linux_abi::termios::{default_termios, Winsize};
use protocol::linux_abi::Errno;

/// What the terminal keeps under its lock.
pub(super) struct TerminalState {
    pub discipline: LineDiscipline,
    pub ownership: Ownership,
    pub winsize: Winsize,
}

/// See the module doc.
pub(super) struct Terminal {
    pub state: SpinLock<TerminalState>,
    /// Readers (and pollers) wait here for input.
    readers: WaitQueue,
    /// Changes whenever readers may find something new.
    input_generation: AtomicU64,
    /// When the last byte arrived (monotonic ns; `VTIME`'s inter-byte timer).
    last_input_nanos: AtomicU64,
    /// Writers wait here while XOFF holds output.
    writers: WaitQueue,
    /// XOFF holds output (the discipline's flag, readable without its lock).
    output_stopped: AtomicBool,
    /// The `tty` thread waits here for bytes (and for room to put them).
    worker: WaitQueue,
    /// The line discipline can take another byte.
    has_room: AtomicBool,
    /// One program write at a time, so that writes never interleave.
    write_lock: Mutex<()>,
}

pub(super) static TERMINAL: Terminal = Terminal {
    state: SpinLock::new(TerminalState { discipline: LineDiscipline::new(default_termios()), ownership: Ownership { session: None, foreground: None }, winsize: Winsize { ws_row: 0, ws_col: 0, ws_xpixel: 0, ws_ypixel: 0 } }),
    readers: WaitQueue::new(),
    input_generation: AtomicU64::new(0),
    last_input_nanos: AtomicU64::new(0),
    writers: WaitQueue::new(),
    output_stopped: AtomicBool::new(false),
    worker: WaitQueue::new(),
    has_room: AtomicBool::new(true),
    write_lock: Mutex::new(()),
};

/// Bytes the `tty` thread moves per lock hold.
const FEED_BATCH_BYTES: usize = 64;
/// How often a timed read (`VTIME`) looks again, in microseconds.
const TIMED_READ_RECHECK_MICROS: u64 = 1000;
/// Bytes of a program's write processed per lock hold.
const WRITE_CHUNK_BYTES: usize = 1024;

/// The interrupt handler's news: bytes wait in the raw ring.
pub(super) fn input_arrived() {
    TERMINAL.worker.wake_all();
}

/// The `tty` thread: feeds raw bytes to the line discipline as room allows,
/// echoes, signals the foreground group, wakes readers.
pub(super) fn feed_forever() {
    loop {
        TERMINAL.worker.wait_until(|| TERMINAL.has_room.load(Ordering::Acquire) && uart_input::pending());
        while feed_batch() {}
    }
}

/// Feeds up to a batch of bytes; returns whether it fed any.
fn feed_batch() -> bool {
    let mut echo = Vec::new();
    let mut signals = Vec::new();
    let (mut fed, mut readers, mut output) = (0, false, false);
    {
        let mut state = TERMINAL.state.lock();
        while fed < FEED_BATCH_BYTES && state.discipline.can_accept() {
            let mut byte = [0u8];
            if uart_input::take(&mut byte) == 0 {
                break;
            }
            let mut effects = Effects::default();
            state.discipline.receive(byte[0], &mut effects);
            fed += 1;
            echo.extend_from_slice(&effects.echo);
            if let (Some(signal), Some(group)) = (effects.signal, state.ownership.foreground) {
                signals.push((signal, group));
            }
            readers |= effects.readers_may_proceed;
            output |= effects.output_stopped_changed;
        }
        TERMINAL.has_room.store(state.discipline.can_accept(), Ordering::Release);
        if output {
            publish_output_state(&state);
        }
    }
    if !echo.is_empty() {
        crate::console::write_bytes(&echo);
    }
    for (signal, group) in signals {
        process_group::send_to_group(group, SignalInfo { signal, code: SI_KERNEL, address: 0, sender_pid: 0 });
    }
    if fed > 0 {
        TERMINAL.last_input_nanos.store(crate::clock::monotonic_nanos(), Ordering::Release);
    }
    if readers {
        wake_readers();
    }
    fed > 0
}

pub(super) fn wake_readers() {
    TERMINAL.input_generation.fetch_add(1, Ordering::AcqRel);
    TERMINAL.readers.wake_all();
}

/// A reader took bytes: the discipline may have room again.
fn made_room(state: &TerminalState) {
    if !TERMINAL.has_room.load(Ordering::Acquire) && state.discipline.can_accept() {
        TERMINAL.has_room.store(true, Ordering::Release);
        TERMINAL.worker.wake_all();
    }
}

/// The ownership (session, foreground group) right now.
pub(super) fn ownership() -> Ownership {
    TERMINAL.state.lock().ownership
}

/// What a non-canonical read should do now.
enum RawStep {
    Take,
    ReturnNothing,
    WaitForInput,
    WaitUntil(u64),
}

/// POSIX's four `VMIN`/`VTIME` cases for a read of `wanted` bytes.
fn raw_step(min: u8, time: u8, available: usize, wanted: usize, started_nanos: u64) -> RawStep {
    let time_nanos = u64::from(time) * 100_000_000;
    match (min, time) {
        (0, 0) => RawStep::Take,
        (min, 0) => {
            if available >= usize::from(min).min(wanted) {
                RawStep::Take
            } else {
                RawStep::WaitForInput
            }
        }
        (0, _) => {
            if available > 0 {
                RawStep::Take
            } else if crate::clock::monotonic_nanos() >= started_nanos + time_nanos {
                RawStep::ReturnNothing
            } else {
                RawStep::WaitUntil(started_nanos + time_nanos)
            }
        }
        (min, _) => {
            if available >= usize::from(min).min(wanted) {
                RawStep::Take
            } else if available == 0 {
                RawStep::WaitForInput
            } else {
                let deadline = TERMINAL.last_input_nanos.load(Ordering::Acquire) + time_nanos;
                if crate::clock::monotonic_nanos() >= deadline {
                    RawStep::Take
                } else {
                    RawStep::WaitUntil(deadline)
                }
            }
        }
    }
}

pub(super) fn read(buffer: &mut [u8]) -> Result<usize, Errno> {
    if buffer.is_empty() {
        return Ok(0);
    }
    let caller = foreground::caller();
    let started = crate::clock::monotonic_nanos();
    loop {
        if let Some(caller) = &caller {
            foreground::check_read(ownership(), caller)?;
        }
        let generation = TERMINAL.input_generation.load(Ordering::Acquire);
        let step = {
            let mut state = TERMINAL.state.lock();
            let step = if state.discipline.is_canonical() {
                match state.discipline.read(buffer) {
                    ReadOutcome::Data(count) => Ok(count),
                    ReadOutcome::EndOfFile => Ok(0),
                    ReadOutcome::Empty => Err(RawStep::WaitForInput),
                }
            } else {
                let (min, time) = state.discipline.min_and_time();
                match raw_step(min, time, state.discipline.available(), buffer.len(), started) {
                    RawStep::Take => match state.discipline.read(buffer) {
                        ReadOutcome::Data(count) => Ok(count),
                        _ => Ok(0),
                    },
                    RawStep::ReturnNothing => Ok(0),
                    wait => Err(wait),
                }
            };
            if step.is_ok() {
                made_room(&state);
            }
            step
        };
        match step {
            Ok(count) => return Ok(count),
            Err(RawStep::WaitUntil(deadline)) => {
                if crate::clock::monotonic_nanos() < deadline {
                    crate::sched::sleep_micros_interruptible(TIMED_READ_RECHECK_MICROS).map_err(|_| Errno::ERESTARTSYS)?;
                }
            }
            Err(_) => TERMINAL
                .readers
                .wait_until_interruptible(|| TERMINAL.input_generation.load(Ordering::Acquire) != generation)
                .map_err(|_| Errno::ERESTARTSYS)?,
        }
    }
}

pub(super) fn write(bytes: &[u8]) -> Result<usize, Errno> {
    if let Some(caller) = foreground::caller() {
        let (ownership, tostop) = {
            let state = TERMINAL.state.lock();
            (state.ownership, state.discipline.termios().c_lflag & protocol::linux_abi::termios::TOSTOP != 0)
        };
        if tostop {
            foreground::check_output_or_settings(ownership, &caller)?;
        }
    }
    let _one_writer = TERMINAL.write_lock.lock();
    let mut written = 0;
    for chunk in bytes.chunks(WRITE_CHUNK_BYTES) {
        let stopped = TERMINAL.writers.wait_until_interruptible(|| !output_stopped());
        if stopped.is_err() {
            return if written > 0 { Ok(written) } else { Err(Errno::ERESTARTSYS) };
        }
        let mut out = Vec::with_capacity(chunk.len() + chunk.len() / 8);
        TERMINAL.state.lock().discipline.process_output(chunk, &mut out);
        crate::console::write_bytes(&out);
        written += chunk.len();
    }
    Ok(written)
}

fn output_stopped() -> bool {
    TERMINAL.output_stopped.load(Ordering::Acquire)
}

/// Publishes the discipline's XON/XOFF state to writers (call after
/// anything that may change it) and wakes them.
pub(super) fn publish_output_state(state: &TerminalState) {
    TERMINAL.output_stopped.store(state.discipline.output_stopped(), Ordering::Release);
    TERMINAL.writers.wake_all();
}

/// The session leader of `session` ended: if it owned the terminal, the
/// terminal is released and its foreground group hung up (SIGHUP, then
/// SIGCONT so a stopped group sees it), as on Linux.
pub(super) fn session_leader_exited(session: u32) {
    let foreground = {
        let mut state = TERMINAL.state.lock();
        if state.ownership.session != Some(session) {
            return;
        }
        core::mem::take(&mut state.ownership).foreground
    };
    if let Some(group) = foreground {
        hang_up(group);
    }
}

/// SIGHUP and SIGCONT to `group`.
pub(super) fn hang_up(group: u32) {
    for signal in [SIGHUP, SIGCONT] {
        process_group::send_to_group(group, SignalInfo { signal, code: SI_KERNEL, address: 0, sender_pid: 0 });
    }
}

/// Whether `caller` is the session leader of the terminal's session.
pub(super) fn is_owning_leader(caller: &Caller) -> bool {
    ownership().controls(caller) && caller.pid == caller.session
}
