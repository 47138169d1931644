//! Perfetto's protobuf trace (`trace.perfetto-trace`), built with the
//! generated types of Perfetto's own schema (`perfetto_protos`).
//!
//! ```text
//! Trace
//!  ├ TracePacket system_info      utsname Linux/x86_64 (prev_state and syscall decoding)
//!  ├ TracePacket track_descriptor process (pid, name) + thread (pid, tid, name), per thread
//!  └ TracePacket ftrace_events    FtraceEventBundle per CPU (one even for an idle CPU):
//!       sched_switch, sched_waking, irq_handler_entry/exit, ipi_raise, ipi_entry,
//!       sys_enter/sys_exit, sched_process_fork/exec/exit, sched_migrate_task,
//!       signal_generate/deliver, print (markers),
//!       each with timestamp (ns) and pid (the running thread; idle is 0)
//! ```
//!
//! Exceptions and page faults have no event in Perfetto's ftrace schema
//! and are left out (trace.txt shows page faults; the summary counts both).

use perfetto_protos::ftrace::PrintFtraceEvent;
use perfetto_protos::ftrace_event::FtraceEvent;
use perfetto_protos::ftrace_event_bundle::FtraceEventBundle;
use perfetto_protos::ipi::{IpiEntryFtraceEvent, IpiRaiseFtraceEvent};
use perfetto_protos::irq::{IrqHandlerEntryFtraceEvent, IrqHandlerExitFtraceEvent};
use perfetto_protos::process_descriptor::ProcessDescriptor;
use perfetto_protos::raw_syscalls::{SysEnterFtraceEvent, SysExitFtraceEvent};
use perfetto_protos::sched::{
    SchedMigrateTaskFtraceEvent, SchedProcessExecFtraceEvent, SchedProcessExitFtraceEvent,
    SchedProcessForkFtraceEvent, SchedSwitchFtraceEvent, SchedWakingFtraceEvent,
};
use perfetto_protos::signal::{SignalDeliverFtraceEvent, SignalGenerateFtraceEvent};
use perfetto_protos::system_info::{SystemInfo, Utsname};
use perfetto_protos::thread_descriptor::ThreadDescriptor;
use perfetto_protos::trace::Trace as PerfettoTrace;
use perfetto_protos::trace_packet::TracePacket;
use perfetto_protos::track_descriptor::TrackDescriptor;
use protobuf::Message;

use crate::linux::{self, DEFAULT_PRIO};
use crate::model::{Event, Payload, Trace};

/// All our packets come from one writer.
const SEQUENCE_ID: u32 = 1;
/// `IrqHandlerExit.ret` for a handled interrupt (Linux's IRQ_HANDLED).
const IRQ_HANDLED: i32 = 1;

/// The trace as Perfetto's protobuf bytes.
pub fn encode(trace: &Trace) -> Vec<u8> {
    build(trace)
        .write_to_bytes()
        .expect("a Perfetto trace with every required field set encodes")
}

/// Parses `bytes` with Perfetto's schema.
pub fn decode(bytes: &[u8]) -> Result<PerfettoTrace, protobuf::Error> {
    PerfettoTrace::parse_from_bytes(bytes)
}

fn packet() -> TracePacket {
    let mut packet = TracePacket::new();
    packet.set_trusted_packet_sequence_id(SEQUENCE_ID);
    packet
}

/// The trace as Perfetto's message.
pub fn build(trace: &Trace) -> PerfettoTrace {
    let mut out = PerfettoTrace::new();
    let mut info = packet();
    let mut utsname = Utsname::new();
    // What the events imitate: Linux's encodings on x86-64.
    utsname.sysname = Some("Linux".to_string());
    utsname.machine = Some("x86_64".to_string());
    let mut system_info = SystemInfo::new();
    system_info.utsname = Some(utsname).into();
    info.set_system_info(system_info);
    out.packet.push(info);

    for thread in trace.threads.values().filter(|thread| thread.idle_of.is_none()) {
        let process_uuid = u64::from(thread.id) << 1;
        let mut process = TrackDescriptor::new();
        process.uuid = Some(process_uuid);
        let mut descriptor = ProcessDescriptor::new();
        descriptor.pid = Some(thread.pid);
        descriptor.process_name = Some(thread.name.clone());
        process.process = Some(descriptor).into();
        let mut process_packet = packet();
        process_packet.set_track_descriptor(process);
        out.packet.push(process_packet);

        let mut track = TrackDescriptor::new();
        track.uuid = Some(process_uuid | 1);
        track.parent_uuid = Some(process_uuid);
        let mut descriptor = ThreadDescriptor::new();
        descriptor.pid = Some(thread.pid);
        descriptor.tid = Some(thread.pid);
        descriptor.thread_name = Some(thread.name.clone());
        track.thread = Some(descriptor).into();
        let mut thread_packet = packet();
        thread_packet.set_track_descriptor(track);
        out.packet.push(thread_packet);
    }

    for &cpu in &trace.cpus {
        let mut bundle = FtraceEventBundle::new();
        bundle.cpu = Some(cpu);
        let events = trace.per_cpu.get(&cpu).map(Vec::as_slice).unwrap_or_default();
        bundle.event = events.iter().filter_map(|event| ftrace_event(trace, event)).collect();
        let mut bundle_packet = packet();
        bundle_packet.set_ftrace_events(bundle);
        out.packet.push(bundle_packet);
    }
    out
}

fn ftrace_event(trace: &Trace, event: &Event) -> Option<FtraceEvent> {
    let mut out = FtraceEvent::new();
    out.set_timestamp(event.ns);
    out.set_pid(trace.thread(event.current).pid as u32);
    match event.payload {
        Payload::Switch {
            prev,
            next,
            prev_state,
        } => {
            let (prev, next) = (trace.thread_on(prev, event.cpu), trace.thread_on(next, event.cpu));
            let mut switch = SchedSwitchFtraceEvent::new();
            switch.prev_comm = Some(prev.name.clone());
            switch.prev_pid = Some(prev.pid);
            switch.prev_prio = Some(DEFAULT_PRIO);
            switch.prev_state = Some(linux::prev_state(prev_state).0);
            switch.next_comm = Some(next.name.clone());
            switch.next_pid = Some(next.pid);
            switch.next_prio = Some(DEFAULT_PRIO);
            out.set_sched_switch(switch);
        }
        Payload::Wakeup { thread, target_cpu } => {
            let woken = trace.thread(thread);
            let mut waking = SchedWakingFtraceEvent::new();
            waking.comm = Some(woken.name.clone());
            waking.pid = Some(woken.pid);
            waking.prio = Some(DEFAULT_PRIO);
            waking.success = Some(1);
            waking.target_cpu = Some(target_cpu as i32);
            out.set_sched_waking(waking);
        }
        Payload::IrqEntry { vector } => {
            let mut entry = IrqHandlerEntryFtraceEvent::new();
            entry.irq = Some(i32::from(vector));
            entry.name = Some(linux::vector_name(vector));
            out.set_irq_handler_entry(entry);
        }
        Payload::IrqExit { vector } => {
            let mut exit = IrqHandlerExitFtraceEvent::new();
            exit.irq = Some(i32::from(vector));
            exit.ret = Some(IRQ_HANDLED);
            out.set_irq_handler_exit(exit);
        }
        Payload::IpiSend { target_cpu, vector } => {
            let mut raise = IpiRaiseFtraceEvent::new();
            raise.target_cpus = Some(1u32.checked_shl(target_cpu).unwrap_or(0));
            raise.reason = Some(linux::ipi_reason(vector).to_string());
            out.set_ipi_raise(raise);
        }
        Payload::IpiReceive { vector } => {
            let mut entry = IpiEntryFtraceEvent::new();
            entry.reason = Some(linux::ipi_reason(vector).to_string());
            out.set_ipi_entry(entry);
        }
        Payload::Exception { .. } | Payload::PageFault { .. } | Payload::Unknown { .. } => return None,
        _ => set_process_event(trace, event, &mut out),
    }
    Some(out)
}

/// The system call, process, signal, migration and marker events.
fn set_process_event(trace: &Trace, event: &Event, out: &mut FtraceEvent) {
    let current = trace.thread(event.current);
    match event.payload {
        Payload::SyscallEnter { number, arguments, argument_count } => {
            let mut enter = SysEnterFtraceEvent::new();
            enter.id = Some(i64::from(number));
            enter.args = arguments[..usize::from(argument_count)].to_vec();
            out.set_sys_enter(enter);
        }
        Payload::SyscallExit { number, value } => {
            let mut exit = SysExitFtraceEvent::new();
            exit.id = Some(i64::from(number));
            exit.ret = Some(value);
            out.set_sys_exit(exit);
        }
        Payload::Fork { child, .. } => {
            let child = trace.thread(child);
            let mut fork = SchedProcessForkFtraceEvent::new();
            fork.parent_comm = Some(current.name.clone());
            fork.parent_pid = Some(current.pid);
            fork.child_comm = Some(child.name.clone());
            fork.child_pid = Some(child.pid);
            out.set_sched_process_fork(fork);
        }
        Payload::Exec { text } => {
            let mut exec = SchedProcessExecFtraceEvent::new();
            exec.filename = Some(trace.texts[text].clone());
            exec.pid = Some(current.pid);
            exec.old_pid = Some(current.pid);
            out.set_sched_process_exec(exec);
        }
        Payload::Exit { thread, .. } => {
            let exiting = trace.thread(thread);
            let mut exit = SchedProcessExitFtraceEvent::new();
            exit.comm = Some(exiting.name.clone());
            exit.pid = Some(exiting.pid);
            exit.prio = Some(DEFAULT_PRIO);
            out.set_sched_process_exit(exit);
        }
        Payload::SignalGenerate { signal, code, target, group, result } => {
            let target = trace.thread(target);
            let mut generate = SignalGenerateFtraceEvent::new();
            generate.sig = Some(i32::from(signal));
            generate.code = Some(code);
            generate.comm = Some(target.name.clone());
            generate.pid = Some(target.pid);
            generate.group = Some(i32::from(group));
            generate.result = Some(i32::from(result));
            out.set_signal_generate(generate);
        }
        Payload::SignalDeliver { signal, sa_flags, .. } => {
            let mut deliver = SignalDeliverFtraceEvent::new();
            deliver.sig = Some(i32::from(signal));
            deliver.code = Some(0);
            deliver.sa_flags = Some(u64::from(sa_flags));
            out.set_signal_deliver(deliver);
        }
        Payload::Migrate { thread, from, to } => {
            let moved = trace.thread(thread);
            let mut migrate = SchedMigrateTaskFtraceEvent::new();
            migrate.comm = Some(moved.name.clone());
            migrate.pid = Some(moved.pid);
            migrate.prio = Some(DEFAULT_PRIO);
            migrate.orig_cpu = Some(from as i32);
            migrate.dest_cpu = Some(to as i32);
            out.set_sched_migrate_task(migrate);
        }
        Payload::Marker { text } => {
            let mut print = PrintFtraceEvent::new();
            print.buf = Some(format!("{}\n", trace.texts[text]));
            out.set_print(print);
        }
        _ => {}
    }
}
