//! The flight recorder's hooks beyond the scheduler and interrupts: system
//! calls, page faults, process and thread lifecycle, signals, migrations
//! and user markers. Each is one call from its subsystem; payloads that do
//! not fit one slot (syscall arguments, names, marker text) follow their
//! head as `data` slots (TEAM_NOTES/flight-recorder-format.md).

use super::{class_enabled, record, record_with_data, rename_running_thread};
use crate::cpu_id::CpuId;
use crate::trace::{EventKind, TraceEvent};
use protocol::trace_event::{
    fault_flags, pack_text_chunk, signal_generate, SYSCALL_ARGUMENTS_RECORDED, TEXT_BYTES_PER_SLOT,
    TEXT_MAX_BYTES,
};

/// `clone`'s flag for a thread of the caller's process.
const CLONE_THREAD: u64 = 0x0001_0000;
/// Page-fault error-code bit: the access came from user mode.
const ERROR_CODE_USER: u64 = 1 << 2;
/// Data slots the longest text needs.
const TEXT_SLOTS: usize = TEXT_MAX_BYTES.div_ceil(TEXT_BYTES_PER_SLOT);

/// System call `number` entered with `arguments` (the first few are kept).
#[inline]
pub fn syscall_enter(number: u64, arguments: &[u64; 6]) {
    if !class_enabled(EventKind::SyscallEnter) {
        return;
    }
    let mut more = [(0u64, 0u32); SYSCALL_ARGUMENTS_RECORDED - 1];
    for (slot, &argument) in more.iter_mut().zip(&arguments[1..]) {
        *slot = (argument, 0);
    }
    let head = TraceEvent::syscall_enter(number as u32, arguments[0], more.len() as u8);
    record_with_data(EventKind::SyscallEnter, head, &more);
}

/// System call `number` returns `value` (a negative errno as two's complement).
#[inline]
pub fn syscall_exit(number: u64, value: u64) {
    record(EventKind::SyscallExit, TraceEvent::syscall_exit(number as u32, value));
}

/// A page fault at `address` with `error_code`, taken at `rip`: `resolved`
/// (a page was mapped) or fatal (a signal, or `EFAULT` for a kernel copy).
pub fn page_fault(address: u64, error_code: u64, rip: u64, resolved: bool) {
    let mut flags = if resolved { fault_flags::RESOLVED } else { 0 };
    if error_code & ERROR_CODE_USER != 0 {
        flags |= fault_flags::USER;
    }
    let head = TraceEvent::page_fault(address, error_code as u32, flags);
    record_with_data(EventKind::PageFault, head, &[(rip, 0)]);
}

/// The running thread cloned `child` with `clone_flags`.
pub fn fork(child: u32, clone_flags: u64) {
    record(EventKind::Fork, TraceEvent::fork(child, clone_flags, clone_flags & CLONE_THREAD != 0));
}

/// The running thread's process executed a program now called `name`.
pub fn exec(name: &str) {
    if class_enabled(EventKind::Exec) {
        rename_running_thread(name);
        record_text(EventKind::Exec, name.as_bytes());
    }
}

/// The running thread renamed itself (`prctl(PR_SET_NAME)`): the dump
/// names it so (a name that is not UTF-8 is left out).
pub fn thread_renamed(name: &[u8]) {
    if let Ok(name) = core::str::from_utf8(name) {
        rename_running_thread(name);
    }
}

/// Thread `thread` (the running one) exits with `code`: recorded before
/// its process is finished and its parent told (as Linux's
/// `sched_process_exit`), so a parent that stops tracing once `wait`
/// returns still has the event.
pub fn exit(thread: u32, code: u64) {
    record(EventKind::Exit, TraceEvent::exit(thread, code));
}

/// `signal` with `si_code` `code` was sent to `target` (a whole process
/// when `group`); `result` is one of `protocol::trace_event::signal_generate`'s results.
pub fn signal_generate(signal: u64, code: i32, target: u32, group: bool, result: u64) {
    let bits = (result & signal_generate::RESULT_MASK)
        | if group { signal_generate::GROUP } else { 0 }
        | u64::from(code as u32) << signal_generate::CODE_SHIFT;
    record(EventKind::SignalGenerate, TraceEvent::signal_generate(signal as u8, target, bits));
}

/// `signal` is being delivered to the running thread: `handler` (0 default,
/// 1 ignore, else the address) with `sa_flags`.
pub fn signal_deliver(signal: u64, handler: u64, sa_flags: u64) {
    record(EventKind::SignalDeliver, TraceEvent::signal_deliver(signal as u8, handler, sa_flags as u32));
}

/// `thread`, which last ran on `from` (if it ran), is queued on `to`:
/// recorded when that is another CPU.
pub fn migration(thread: u32, from: Option<CpuId>, to: CpuId) {
    if let Some(from) = from.filter(|from| *from != to) {
        record(EventKind::Migrate, TraceEvent::migrate(thread, from.as_u32() as u8, to.as_u32()));
    }
}

/// A user marker: `text` (cut to `TEXT_MAX_BYTES`; a final newline is dropped).
pub fn marker(text: &[u8]) {
    let text = text.strip_suffix(b"\n").unwrap_or(text);
    record_text(EventKind::Marker, text);
}

/// A text head of `kind` and its data slots (cut to `TEXT_MAX_BYTES`).
fn record_text(kind: EventKind, text: &[u8]) {
    if !class_enabled(kind) {
        return;
    }
    let text = &text[..text.len().min(TEXT_MAX_BYTES)];
    let mut slots = [(0u64, 0u32); TEXT_SLOTS];
    let mut used = 0;
    for (slot, chunk) in slots.iter_mut().zip(text.chunks(TEXT_BYTES_PER_SLOT)) {
        *slot = pack_text_chunk(chunk);
        used += 1;
    }
    let head = TraceEvent::text_head(kind, text.len() as u32, used as u8);
    record_with_data(kind, head, &slots[..used]);
}
