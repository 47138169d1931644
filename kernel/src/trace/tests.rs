//! Host tests for the flight recorder ring: wrap/torn accounting, a racing
//! reader, and whole dumps through the shared line format.

use super::*;
use crate::random::Rng;
use std::string::{String, ToString};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::vec::Vec;
use std::thread;

fn slots(capacity: usize) -> Vec<TraceSlot> {
    (0..capacity).map(|_| TraceSlot::new()).collect()
}

/// An event whose every field is derived from `sequence`, so a mixed-up slot shows.
fn event_for(sequence: u64) -> TraceEvent {
    let kind = EventKind::ALL[(sequence % 7) as usize];
    TraceEvent {
        sequence,
        tsc: sequence.wrapping_mul(1000) ^ 0x5555,
        wide: sequence.wrapping_mul(0x9E37_79B9_7F4A_7C15),
        narrow: (sequence as u32).wrapping_mul(3),
        kind: kind as u8,
        small: sequence as u8,
        reserved: 0,
    }
}

/// Writes sequences `first..next` as the owning CPU would.
fn write_range(ring: &TraceRing<'_>, first: u64, next: u64) {
    for sequence in first..next {
        let event = event_for(sequence);
        ring.write(sequence, event.tsc, event);
    }
}

fn counts(recorded: u64, lost: u64, torn: u64) -> SnapshotCounts {
    SnapshotCounts {
        recorded,
        lost,
        torn,
    }
}

fn sequences(snapshot: &Snapshot) -> Vec<u64> {
    snapshot.events.iter().map(|event| event.sequence).collect()
}

#[test]
fn write_then_snapshot_without_wrap() {
    let storage = slots(8);
    let ring = TraceRing::new(&storage);
    assert_eq!(ring.capacity(), 8);
    write_range(&ring, 1, 6);
    let snapshot = ring.snapshot(6);
    assert_eq!(snapshot.counts, counts(5, 0, 0));
    let expected: Vec<TraceEvent> = (1..6).map(event_for).collect();
    assert_eq!(snapshot.events, expected);
}

#[test]
fn wrap_around_keeps_newest_in_order_and_counts_lost() {
    let storage = slots(8);
    let ring = TraceRing::new(&storage);
    write_range(&ring, 1, 21);
    let snapshot = ring.snapshot(21);
    assert_eq!(sequences(&snapshot), (13..=20).collect::<Vec<_>>());
    assert_eq!(snapshot.events[0], event_for(13));
    assert_eq!(snapshot.counts, counts(20, 12, 0));
}

#[test]
fn in_progress_slot_is_torn_and_skipped() {
    let storage = slots(8);
    let ring = TraceRing::new(&storage);
    write_range(&ring, 1, 11);
    // Sequence 7 was being rewritten when the CPU stopped (as `write` leaves it mid-way).
    storage[7].sequence.store(IN_PROGRESS, Ordering::Relaxed);
    let snapshot = ring.snapshot(11);
    assert_eq!(sequences(&snapshot), [3, 4, 5, 6, 8, 9, 10]);
    assert_eq!(snapshot.counts, counts(10, 2, 1));
}

#[test]
fn reserved_but_unwritten_sequences_are_torn() {
    let storage = slots(8);
    let ring = TraceRing::new(&storage);
    write_range(&ring, 1, 12);
    // 12 and 13 were reserved (counter at 14) but never written; their slots hold 4 and 5.
    let snapshot = ring.snapshot(14);
    assert_eq!(sequences(&snapshot), (6..=11).collect::<Vec<_>>());
    assert_eq!(snapshot.counts, counts(13, 5, 2));
}

#[test]
fn sequence_zero_or_one_means_empty() {
    let storage = slots(4);
    let ring = TraceRing::new(&storage);
    for next in [0, FIRST_SEQUENCE] {
        let snapshot = ring.snapshot(next);
        assert!(snapshot.events.is_empty());
        assert_eq!(snapshot.counts, SnapshotCounts::default());
    }
}

#[test]
fn stale_counter_sees_newer_events_as_lost() {
    let storage = slots(8);
    let ring = TraceRing::new(&storage);
    write_range(&ring, 1, 21);
    // A live reader that read the counter at 13 and the slots after 20 writes.
    let snapshot = ring.snapshot(13);
    assert!(snapshot.events.is_empty());
    assert_eq!(snapshot.counts, counts(12, 12, 0));
}

#[test]
fn snapshot_into_short_buffer_keeps_newest() {
    let storage = slots(8);
    let ring = TraceRing::new(&storage);
    write_range(&ring, 1, 8);
    let mut buffer = [TraceEvent::default(); 3];
    let summary = ring.snapshot_into(8, &mut buffer);
    assert_eq!(summary, counts(7, 4, 0));
    assert_eq!(summary.kept(), 3);
    assert_eq!(buffer, [event_for(5), event_for(6), event_for(7)]);
}

#[test]
#[should_panic(expected = "power of two")]
fn capacity_must_be_a_power_of_two() {
    let storage = slots(6);
    let _ = TraceRing::new(&storage);
}

#[test]
#[should_panic(expected = "power of two")]
fn capacity_zero_is_rejected() {
    let _ = TraceRing::new(&[]);
}

#[test]
fn leaked_ring_records() {
    let ring = TraceRing::leak_new(16);
    assert_eq!(ring.capacity(), 16);
    write_range(&ring, 1, 3);
    assert_eq!(ring.snapshot(3).events, [event_for(1), event_for(2)]);
}

#[test]
fn slot_memory_has_the_trace_event_layout() {
    let storage = slots(2);
    let ring = TraceRing::new(&storage);
    let event = TraceEvent::ipi_send(0xA1B2_C3D4, 0xF0);
    ring.write(3, 0x1234, event);
    // SAFETY: TraceSlot and TraceEvent have the same size; the slot's 32-byte
    // alignment exceeds TraceEvent's 8; AtomicU64 has the in-memory
    // representation of u64; every bit pattern is a valid TraceEvent; and no
    // thread writes the slot during the read.
    let raw = unsafe { core::ptr::read((&storage[1] as *const TraceSlot).cast::<TraceEvent>()) };
    assert_eq!(
        raw,
        TraceEvent {
            sequence: 3,
            tsc: 0x1234,
            ..event
        }
    );
}

#[test]
fn constructors_fill_the_documented_fields() {
    let switch = TraceEvent::context_switch(7, 9, SwitchedOutState::Sleeping);
    assert_eq!(
        (
            switch.event_kind(),
            switch.narrow,
            switch.wide,
            switch.small
        ),
        (Some(EventKind::ContextSwitch), 7, 9, 2)
    );
    let wakeup = TraceEvent::wakeup(12, 3);
    assert_eq!((wakeup.kind, wakeup.narrow, wakeup.small), (2, 12, 3));
    assert_eq!(TraceEvent::irq_entry(32).small, 32);
    assert_eq!(TraceEvent::irq_exit(32).kind, EventKind::IrqExit as u8);
    let send = TraceEvent::ipi_send(5, 0xF1);
    assert_eq!((send.narrow, send.small), (5, 0xF1));
    assert_eq!(TraceEvent::ipi_receive(0xF1).kind, 6);
    let exception = TraceEvent::exception(14, 0xFFFF_8000_0010_2030);
    assert_eq!(
        (exception.small, exception.wide),
        (14, 0xFFFF_8000_0010_2030)
    );
    for event in [switch, wakeup, send, exception] {
        assert_eq!((event.sequence, event.tsc, event.reserved), (0, 0, 0));
    }
}

/// A reader on another thread snapshots while the writer laps the ring many
/// times: every accepted event must be exactly what was written for its
/// sequence, in increasing order, and the counts must add up.
#[test]
fn racing_reader_never_accepts_a_mixed_slot() {
    const MIN_WRITES: u64 = 20_000;
    const READS: u64 = 100_000;
    let storage: &'static [TraceSlot] = std::boxed::Box::leak(slots(4).into_boxed_slice());
    let ring = TraceRing::new(storage);
    let next_sequence = Arc::new(AtomicU64::new(FIRST_SEQUENCE));
    let reader_done = Arc::new(AtomicBool::new(false));

    // Keeps writing until the reader has taken its snapshots, so they all race.
    let writer = {
        let next_sequence = Arc::clone(&next_sequence);
        let reader_done = Arc::clone(&reader_done);
        thread::spawn(move || {
            let mut writes = 0u64;
            while writes < MIN_WRITES || !reader_done.load(Ordering::Acquire) {
                let sequence = next_sequence.fetch_add(1, Ordering::Relaxed);
                let event = event_for(sequence);
                ring.write(sequence, event.tsc, event);
                writes += 1;
                // Uneven pauses, like a CPU doing work between events, so the
                // reader sees complete slots as well as lapped and torn ones.
                for _ in 0..sequence % 32 {
                    core::hint::spin_loop();
                }
            }
        })
    };

    while next_sequence.load(Ordering::Acquire) < 1_000 {
        core::hint::spin_loop();
    }
    let mut accepted = 0u64;
    for _ in 0..READS {
        let snapshot = ring.snapshot(next_sequence.load(Ordering::Acquire));
        let counts = snapshot.counts;
        assert_eq!(counts.kept() + counts.lost + counts.torn, counts.recorded);
        assert_eq!(counts.kept(), snapshot.events.len() as u64);
        for pair in snapshot.events.windows(2) {
            assert!(pair[0].sequence < pair[1].sequence);
        }
        for event in &snapshot.events {
            assert_eq!(*event, event_for(event.sequence));
        }
        accepted += snapshot.events.len() as u64;
    }
    reader_done.store(true, Ordering::Release);
    writer.join().unwrap();
    let next = next_sequence.load(Ordering::Acquire);
    let last = ring.snapshot(next);
    assert_eq!(sequences(&last), (next - 4..next).collect::<Vec<_>>());
    assert!(accepted > 0, "the reader never saw a complete event");
}

/// Random events through small rings of several CPUs (some slots torn), the
/// whole dump formatted with noise in between, parsed back: equal.
#[test]
fn randomized_dump_round_trips() {
    let mut rng = Rng::new(0x7ACE_2026);
    for round in 0..200 {
        let cpus = rng.range_inclusive(1, 4) as u32;
        let capacity = 1 << rng.range_inclusive(0, 4);
        let mut dump = String::new();
        let mut expected = Vec::new();
        for cpu in 0..cpus {
            let storage = slots(capacity);
            let ring = TraceRing::new(&storage);
            let next_sequence = FIRST_SEQUENCE + rng.below(3 * capacity as u64);
            for sequence in FIRST_SEQUENCE..next_sequence {
                let payload = match rng.below(7) {
                    0 => TraceEvent::context_switch(
                        rng.next_u32(),
                        rng.next_u32(),
                        SwitchedOutState::Blocked,
                    ),
                    1 => TraceEvent::wakeup(rng.next_u32(), rng.below(256) as u8),
                    2 => TraceEvent::irq_entry(rng.below(256) as u8),
                    3 => TraceEvent::irq_exit(rng.below(256) as u8),
                    4 => TraceEvent::ipi_send(rng.next_u32(), rng.below(256) as u8),
                    5 => TraceEvent::ipi_receive(rng.below(256) as u8),
                    _ => TraceEvent::exception(rng.below(32) as u8, rng.next_u64()),
                };
                if rng.chance(1, 10) {
                    continue; // reserved, never written: torn
                }
                ring.write(sequence, rng.next_u64() >> rng.below(64), payload);
            }
            let snapshot = ring.snapshot(next_sequence);
            let counts = snapshot.counts;
            assert_eq!(counts.kept() + counts.lost + counts.torn, counts.recorded);
            format_cpu_dump(cpu, cpu + 100, &counts, &snapshot.events, &mut dump).unwrap();
            if rng.chance(1, 2) {
                dump.push_str("some other console line\n");
            }
            expected.push(TraceLine::CpuHeader {
                cpu,
                idle_thread: Some(cpu + 100),
                counts,
            });
            expected.extend(
                snapshot
                    .events
                    .iter()
                    .map(|&event| TraceLine::Event { cpu, event }),
            );
        }
        format_end(cpus, &mut dump).unwrap();
        dump.push('\n');
        expected.push(TraceLine::End { cpus });

        let parsed: Vec<TraceLine> = dump
            .lines()
            .filter_map(|text| parse_line(text).ok())
            .collect();
        assert_eq!(parsed, expected, "round {round}");
        for text in dump.lines().filter(|text| text.contains(MARKER)) {
            assert_eq!(parse_line(text).unwrap().to_string(), text);
        }
    }
}


#[test]
fn snapshot_since_a_clear_counts_only_later_events() {
    let storage = slots(8);
    let ring = TraceRing::new(&storage);
    write_range(&ring, 1, 21);
    let mut buffer = vec![TraceEvent::default(); 8];
    // Cleared at 18: 18, 19, 20 recorded since, all kept.
    let counts = ring.snapshot_since(18, 21, &mut buffer);
    assert_eq!(counts, counts_of(3, 0, 0));
    assert_eq!(buffer[..3].iter().map(|event| event.sequence).collect::<Vec<_>>(), [18, 19, 20]);
    // Cleared at 5: 16 recorded since, the ring held the last 8.
    assert_eq!(ring.snapshot_since(5, 21, &mut buffer), counts_of(16, 8, 0));
    // Cleared now: nothing.
    assert_eq!(ring.snapshot_since(21, 21, &mut buffer), counts_of(0, 0, 0));
    // First 0 means from the start.
    assert_eq!(ring.snapshot_since(0, 21, &mut buffer), ring.snapshot_into(21, &mut buffer));
}

fn counts_of(recorded: u64, lost: u64, torn: u64) -> SnapshotCounts {
    counts(recorded, lost, torn)
}
