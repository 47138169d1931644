//! Perfetto's protobuf trace (`trace.perfetto-trace`), built with the
//! generated types of Perfetto's own schema (`perfetto_protos`).
//!
//! ```text
//! Trace
//!  ├ TracePacket system_info      utsname Linux/x86_64 (prev_state and syscall decoding)
//!  ├ TracePacket track_descriptor process (pid, name) + thread (pid, tid, name), per thread
//!  └ TracePacket ftrace_events    FtraceEventBundle per CPU (one even for an idle CPU):
//!       sched_switch, sched_waking, irq_handler_entry/exit, ipi_raise, ipi_entry,
//!       each with timestamp (ns) and pid (the running thread; idle is 0)
//! ```
//!
//! Exceptions have no Linux ftrace event and are left out (trace.txt and
//! the SVG do not show them either; the summary counts them).

use perfetto_protos::ftrace_event::FtraceEvent;
use perfetto_protos::ftrace_event_bundle::FtraceEventBundle;
use perfetto_protos::ipi::{IpiEntryFtraceEvent, IpiRaiseFtraceEvent};
use perfetto_protos::irq::{IrqHandlerEntryFtraceEvent, IrqHandlerExitFtraceEvent};
use perfetto_protos::process_descriptor::ProcessDescriptor;
use perfetto_protos::sched::{SchedSwitchFtraceEvent, SchedWakingFtraceEvent};
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
            let (prev, next) = (trace.thread(prev), trace.thread(next));
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
        Payload::Exception { .. } | Payload::Unknown { .. } => return None,
    }
    Some(out)
}
