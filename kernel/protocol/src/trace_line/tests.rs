//! Host tests for the trace line format: byte-exact lines, round trips,
//! corruption and truncation, thread names, format 1 lines and the note's examples.

use super::*;
use crate::trace_event::SwitchedOutState;
use std::format;
use std::string::{String, ToString};
use std::vec::Vec;

fn counts(recorded: u64, lost: u64, torn: u64) -> SnapshotCounts {
    SnapshotCounts {
        recorded,
        lost,
        torn,
    }
}


fn line(record: TraceLine) -> String {
    record.to_string()
}

#[test]
fn crc32_matches_zlib() {
    assert_eq!(crc32(b""), 0);
    assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    assert_eq!(
        crc32(b"The quick brown fox jumps over the lazy dog"),
        0x414F_A339
    );
}

#[test]
fn known_line_is_byte_exact() {
    let event = TraceEvent {
        sequence: 42,
        tsc: 0x1a2b3c,
        ..TraceEvent::irq_entry(32)
    };
    let text = line(TraceLine::Event { cpu: 1, event });
    let body = "@@TRACE2 cpu=1 seq=42 tsc=1a2b3c kind=irq_entry small=32 narrow=0 wide=0";
    assert_eq!(text, format!("{body} sum={:08x}", crc32(body.as_bytes())));
    assert_eq!(
        line(TraceLine::End { cpus: 4 }),
        format!(
            "@@TRACE2-END cpus=4 sum={:08x}",
            crc32(b"@@TRACE2-END cpus=4")
        )
    );
}

#[test]
fn every_event_kind_round_trips() {
    let extremes = [
        TraceEvent::context_switch(u32::MAX, 0, SwitchedOutState::Exited),
        TraceEvent::wakeup(0, u8::MAX),
        TraceEvent::irq_entry(0),
        TraceEvent::irq_exit(255),
        TraceEvent::ipi_send(u32::MAX, 0xF2),
        TraceEvent::ipi_receive(0xF2),
        TraceEvent::exception(14, u64::MAX),
        TraceEvent::syscall_enter(u32::MAX, u64::MAX, 2),
        TraceEvent::syscall_exit(0, (-38i64) as u64),
        TraceEvent::page_fault(u64::MAX, u32::MAX, 3),
        TraceEvent::fork(u32::MAX, u64::MAX, true),
        TraceEvent::text_head(EventKind::Exec, 16, 2),
        TraceEvent::exit(7, 255),
        TraceEvent::signal_generate(9, u32::MAX, 0x102),
        TraceEvent::signal_deliver(64, u64::MAX, u32::MAX),
        TraceEvent::migrate(u32::MAX, 255, u32::MAX),
        TraceEvent::text_head(EventKind::Marker, 96, 8),
        TraceEvent::data(u8::MAX, u64::MAX, u32::MAX),
    ];
    assert_eq!(extremes.len(), EventKind::ALL.len(), "one payload per kind");
    for (index, payload) in extremes.into_iter().enumerate() {
        let event = TraceEvent {
            sequence: if index % 2 == 0 { u64::MAX - 1 } else { 1 },
            tsc: if index % 2 == 0 { u64::MAX } else { 0 },
            ..payload
        };
        let record = TraceLine::Event {
            cpu: index as u32 * 1000,
            event,
        };
        let text = line(record);
        assert!(text.len() <= MAX_LINE_BYTES, "{text}");
        assert!(text.contains(&format!("kind={} ", EventKind::ALL[index].name())));
        assert_eq!(parse_line(&text), Ok(record), "{text}");
    }
}

#[test]
fn unknown_kind_byte_round_trips_as_a_number() {
    let event = TraceEvent {
        kind: 200,
        ..TraceEvent::default()
    };
    let record = TraceLine::Event { cpu: 0, event };
    let text = line(record);
    assert!(text.contains(" kind=200 "));
    assert_eq!(parse_line(&text), Ok(record));
}

#[test]
fn longest_kind_name_is_the_one_the_bound_test_uses() {
    let longest = EventKind::ALL.iter().map(|kind| kind.name().len()).max().unwrap();
    assert_eq!(EventKind::SignalGenerate.name().len(), longest);
}

#[test]
fn new_kind_lines_are_byte_exact_and_reject_corruption() {
    let event = TraceEvent {
        sequence: 7,
        tsc: 0xabc,
        ..TraceEvent::syscall_enter(1, 0x3, 2)
    };
    let text = line(TraceLine::Event { cpu: 2, event });
    let body = "@@TRACE2 cpu=2 seq=7 tsc=abc kind=sys_enter small=2 narrow=1 wide=3";
    assert_eq!(text, format!("{body} sum={:08x}", crc32(body.as_bytes())));
    for kind in ["sys_exit", "page_fault", "fork", "exec", "exit", "signal_generate", "signal_deliver", "migrate", "marker", "data"] {
        let good = signed(&format!("@@TRACE2 cpu=0 seq=1 tsc=0 kind={kind} small=0 narrow=0 wide=0"));
        assert!(parse_line(&good).is_ok(), "{good}");
        let cut = &good[..good.len() - 12];
        assert!(parse_line(cut).is_err(), "{cut}");
        let flipped = good.replacen(kind, &kind.to_uppercase(), 1);
        assert!(matches!(parse_line(&flipped), Err(ParseError::ChecksumMismatch { .. })), "{flipped}");
        let renamed = signed(&format!("@@TRACE2 cpu=0 seq=1 tsc=0 kind={kind}x small=0 narrow=0 wide=0"));
        assert_eq!(parse_line(&renamed), Err(ParseError::UnknownKind));
    }
    // A byte of a named kind must be written by name.
    let numeric = signed("@@TRACE2 cpu=0 seq=1 tsc=0 kind=18 small=0 narrow=0 wide=0");
    assert_eq!(parse_line(&numeric), Err(ParseError::UnknownKind));
}

#[test]
fn text_chunks_round_trip() {
    use crate::trace_event::{pack_text_chunk, unpack_text_chunk, TEXT_BYTES_PER_SLOT};
    let text = b"hello, world";
    assert_eq!(text.len(), TEXT_BYTES_PER_SLOT);
    let (wide, narrow) = pack_text_chunk(text);
    assert_eq!(wide, u64::from_le_bytes(*b"hello, w"));
    assert_eq!(&unpack_text_chunk(wide, narrow), text);
    let (wide, narrow) = pack_text_chunk(b"ab");
    assert_eq!((wide, narrow), (0x6261, 0));
    let (wide, narrow) = pack_text_chunk(b"0123456789abcdef");
    assert_eq!(&unpack_text_chunk(wide, narrow), b"0123456789ab", "longer chunks are cut to one slot");
}

#[test]
fn longest_line_fits_the_documented_bound() {
    let event = TraceEvent {
        sequence: u64::MAX,
        tsc: u64::MAX,
        wide: u64::MAX,
        narrow: u32::MAX,
        kind: EventKind::SignalGenerate as u8,
        small: u8::MAX,
        reserved: 0,
    };
    let maximal = counts(u64::MAX, u64::MAX, u64::MAX);
    for record in [
        TraceLine::Event {
            cpu: u32::MAX,
            event,
        },
        TraceLine::CpuHeader {
            cpu: u32::MAX,
            idle_thread: Some(u32::MAX),
            counts: maximal,
        },
        TraceLine::Begin {
            cpus: u32::MAX,
            tsc_hz: u64::MAX,
        },
        TraceLine::Thread {
            thread: u32::MAX,
            name: ThreadName::new(&[0xff; 20]),
        },
        TraceLine::End { cpus: u32::MAX },
    ] {
        assert!(line(record).len() <= MAX_LINE_BYTES);
    }
}

#[test]
fn header_and_end_round_trip() {
    let header = TraceLine::CpuHeader {
        cpu: 3,
        idle_thread: Some(4),
        counts: counts(1_000_000, 999_744, 1),
    };
    let text = line(header);
    assert!(text.starts_with("@@TRACE2-CPU cpu=3 idle=4 recorded=1000000 lost=999744 torn=1 sum="));
    assert_eq!(parse_line(&text), Ok(header));
    let end = TraceLine::End { cpus: 64 };
    assert_eq!(parse_line(&line(end)), Ok(end));
}

fn sample_lines() -> [String; 5] {
    let event = TraceEvent {
        sequence: 77,
        tsc: 0xdead_beef,
        ..TraceEvent::exception(13, 0xffff_8000_0000_1234)
    };
    [
        line(TraceLine::Event { cpu: 2, event }),
        line(TraceLine::CpuHeader {
            cpu: 2,
            idle_thread: Some(3),
            counts: counts(90, 10, 3),
        }),
        line(TraceLine::End { cpus: 2 }),
        line(TraceLine::Begin {
            cpus: 2,
            tsc_hz: 2_597_000_000,
        }),
        line(TraceLine::Thread {
            thread: 9,
            name: ThreadName::new(b"a b\\c"),
        }),
    ]
}

#[test]
fn any_single_character_change_is_rejected() {
    for text in sample_lines() {
        let body_length = text.rfind(" sum=").unwrap();
        let bytes = text.as_bytes();
        for position in 0..text.len() {
            for replacement in [b'0', b'1', b'9', b'a', b'f', b'x', b' ', b'=', b'@', b'-'] {
                if bytes[position] == replacement {
                    continue;
                }
                let mut changed = bytes.to_vec();
                changed[position] = replacement;
                let changed = String::from_utf8(changed).unwrap();
                if position < body_length {
                    assert_ne!(
                        crc32(&changed.as_bytes()[..body_length]),
                        crc32(&bytes[..body_length])
                    );
                }
                assert!(parse_line(&changed).is_err(), "accepted {changed:?}");
            }
        }
    }
}

#[test]
fn a_line_cut_anywhere_is_rejected() {
    for text in sample_lines() {
        for cut in 0..text.len() {
            let torn = &text[..cut];
            assert!(parse_line(torn).is_err(), "accepted {torn:?}");
            // The rest of the line lost and other output following on the same line.
            let glued = format!("{torn}hello from cpu 1");
            assert!(parse_line(&glued).is_err(), "accepted {glued:?}");
        }
        assert!(parse_line(&text).is_ok());
    }
}

#[test]
fn marker_is_found_after_leading_output() {
    let [event_line, header_line, ..] = sample_lines();
    let expected = parse_line(&event_line).unwrap();
    for prefix in [
        "",
        "boot: cpu 1 ticks 5",
        "@@TRAC",
        "x@@TRACE2 cpu=0 se",
        "\u{1b}[0m ",
        "PANIC @@",
    ] {
        assert_eq!(
            parse_line(&format!("{prefix}{event_line}\r\n")),
            Ok(expected),
            "{prefix:?}"
        );
    }
    // A torn line followed, without a newline, by a whole one: the last marker wins.
    let glued = format!("{}{}", &header_line[..20], event_line);
    assert_eq!(parse_line(&glued), Ok(expected));
}

#[test]
fn errors_name_the_problem() {
    let [event_line, ..] = sample_lines();
    assert_eq!(
        parse_line("smp: 4 of 4 CPUs online"),
        Err(ParseError::NoMarker)
    );
    assert_eq!(
        parse_line("@@TRACE2 cpu=1 seq=2"),
        Err(ParseError::MissingChecksum)
    );
    assert_eq!(
        parse_line(&format!("{event_line} trailing")),
        Err(ParseError::MalformedChecksum)
    );
    let upper = event_line
        .to_uppercase()
        .replace("@@TRACE2 CPU", "@@TRACE2 cpu");
    assert!(parse_line(&upper).is_err());
    let flipped = event_line.replacen("seq=77", "seq=78", 1);
    assert!(matches!(
        parse_line(&flipped),
        Err(ParseError::ChecksumMismatch { .. })
    ));
}

/// Appends a correct checksum to `body`, so field-level checks are reached.
fn signed(body: &str) -> String {
    format!("{body} sum={:08x}", crc32(body.as_bytes()))
}

#[test]
fn well_checksummed_but_invalid_fields_are_rejected() {
    let cases: [(&str, ParseError); 14] = [
        (
            "@@TRACE2 cpu=01 seq=1 tsc=0 kind=switch small=0 narrow=0 wide=0",
            ParseError::MalformedField { name: "cpu" },
        ),
        (
            "@@TRACE2 cpu=0 seq=1 tsc=0x10 kind=switch small=0 narrow=0 wide=0",
            ParseError::MalformedField { name: "tsc" },
        ),
        (
            "@@TRACE2 cpu=0 seq=1 tsc=A kind=switch small=0 narrow=0 wide=0",
            ParseError::MalformedField { name: "tsc" },
        ),
        (
            "@@TRACE2 cpu=0 seq=1 tsc=0 kind=switch small=256 narrow=0 wide=0",
            ParseError::MalformedField { name: "small" },
        ),
        (
            "@@TRACE2 cpu=0 seq=1 tsc=0 kind=1 small=0 narrow=0 wide=0",
            ParseError::UnknownKind,
        ),
        (
            "@@TRACE2 cpu=0 seq=1 tsc=0 kind=bogus small=0 narrow=0 wide=0",
            ParseError::UnknownKind,
        ),
        (
            "@@TRACE2 cpu=0 seq=1 tsc=0 kind=switch narrow=0 small=0 wide=0",
            ParseError::MissingField { name: "small" },
        ),
        (
            "@@TRACE2 cpu=0 seq=1 tsc=0 kind=switch small=0 narrow=0",
            ParseError::MissingField { name: "wide" },
        ),
        ("@@TRACE2-END cpus=1 extra=2", ParseError::TrailingField),
        ("@@TRACE-BEGIN cpus=1", ParseError::UnknownRecord),
        ("@@TRACE3 cpu=0", ParseError::UnknownRecord),
        (
            "@@TRACE2-CPU cpu=0 recorded=1 lost=0 torn=0",
            ParseError::MissingField { name: "idle" },
        ),
        (
            "@@TRACE2-THREAD tid=1 name=a\\x41",
            ParseError::MalformedField { name: "name" },
        ),
        (
            "@@TRACE2-THREAD tid=1 name=abcdefghijklmnopq",
            ParseError::MalformedField { name: "name" },
        ),
    ];
    for (body, error) in cases {
        assert_eq!(parse_line(&signed(body)), Err(error), "{body}");
    }
}


#[test]
fn thread_names_escape_canonically() {
    let cases: [(&[u8], &str); 5] = [
        (b"worker-1", "worker-1"),
        (b"swapper/0", "swapper/0"),
        (b"a b", "a\\x20b"),
        (b"back\\slash", "back\\x5cslash"),
        (&[0xc3, 0xa9, 0], "\\xc3\\xa9\\x00"),
    ];
    for (raw, escaped) in cases {
        let name = ThreadName::new(raw);
        assert_eq!(name.to_string(), escaped);
        assert_eq!(ThreadName::from_escaped(escaped), Some(name));
        let record = TraceLine::Thread { thread: 7, name };
        assert_eq!(parse_line(&line(record)), Ok(record));
    }
    assert_eq!(ThreadName::new(b"").to_string(), "");
    assert_eq!(ThreadName::new(&[b'x'; 40]).as_bytes().len(), THREAD_NAME_MAX_BYTES);
    for not_canonical in ["\\x41", "\\X20", "\\x2", "\\xg0", "a\\", "\\xA9"] {
        assert_eq!(ThreadName::from_escaped(not_canonical), None, "{not_canonical}");
    }
}

#[test]
fn format_1_lines_are_still_read() {
    let header = signed("@@TRACE-CPU cpu=1 recorded=3 lost=0 torn=1");
    assert_eq!(
        parse_line(&header),
        Ok(TraceLine::CpuHeader {
            cpu: 1,
            idle_thread: None,
            counts: counts(3, 0, 1)
        })
    );
    // A format-1 header is written back as format 1 (it has no idle thread).
    assert_eq!(line(parse_line(&header).unwrap()), header);
    let event = signed("@@TRACE cpu=1 seq=2 tsc=5 kind=switch small=1 narrow=7 wide=0");
    let Ok(TraceLine::Event { cpu: 1, event }) = parse_line(&event) else {
        panic!("format-1 event not read");
    };
    assert_eq!((event.narrow, event.wide, event.small), (7, 0, 1));
    assert_eq!(
        parse_line(&signed("@@TRACE-END cpus=2")),
        Ok(TraceLine::End { cpus: 2 })
    );
}

#[test]
fn dump_writer_emits_header_then_events() {
    let events = [
        TraceEvent {
            sequence: 5,
            tsc: 10,
            ..TraceEvent::wakeup(3, 1)
        },
        TraceEvent {
            sequence: 6,
            tsc: 11,
            ..TraceEvent::context_switch(1, 3, SwitchedOutState::Runnable)
        },
    ];
    let mut dump = String::new();
    format_cpu_dump(1, 2, &counts(6, 4, 0), &events, &mut dump).unwrap();
    let parsed: Vec<TraceLine> = dump.lines().map(|text| parse_line(text).unwrap()).collect();
    assert_eq!(
        parsed,
        [
            TraceLine::CpuHeader {
                cpu: 1,
                idle_thread: Some(2),
                counts: counts(6, 4, 0)
            },
            TraceLine::Event {
                cpu: 1,
                event: events[0]
            },
            TraceLine::Event {
                cpu: 1,
                event: events[1]
            },
        ]
    );
}

#[test]
fn event_kind_bytes_and_names_round_trip() {
    for kind in EventKind::ALL {
        assert_eq!(EventKind::from_u8(kind as u8), Some(kind));
        assert_eq!(EventKind::from_name(kind.name()), Some(kind));
    }
    assert_eq!(EventKind::from_u8(0), None);
    assert_eq!(EventKind::from_u8(19), None);
    assert_eq!(EventKind::from_name("irq"), None);
    for state in 0..4 {
        assert_eq!(SwitchedOutState::from_u8(state).map(|state| state as u8), Some(state));
    }
    assert_eq!(SwitchedOutState::from_u8(4), None);
}

/// The records between `begin` and `end` markers of the format note.
fn note_records(begin_marker: &str, end_marker: &str) -> Vec<TraceLine> {
    let note = include_str!("../../../../TEAM_NOTES/flight-recorder-format.md");
    let begin = note.find(begin_marker).unwrap();
    let end = note.find(end_marker).unwrap();
    note[begin..end]
        .lines()
        .filter(|text| text.contains(MARKER))
        .map(|text| parse_line(text).unwrap_or_else(|error| panic!("{text}: {error}")))
        .collect()
}

/// Events left to read after each header, minus those read: zero when they agree.
fn unaccounted_events(records: &[TraceLine]) -> i64 {
    let mut expected = 0i64;
    for record in records {
        match record {
            TraceLine::CpuHeader { counts, .. } => expected += counts.kept() as i64,
            TraceLine::Event { .. } => expected -= 1,
            _ => {}
        }
    }
    expected
}

/// The example dumps in the format note are real: every line parses, the
/// per-CPU event counts agree with the headers, idle threads are named.
#[test]
fn format_note_examples_parse() {
    let records = note_records("<!-- examples:begin -->", "<!-- examples:end -->");
    assert_eq!(records.len(), 19);
    assert_eq!(unaccounted_events(&records), 0);
    assert_eq!(records[0], TraceLine::Begin { cpus: 2, tsc_hz: 2_597_000_000 });
    assert_eq!(records.last(), Some(&TraceLine::End { cpus: 2 }));
    for record in &records {
        if let TraceLine::CpuHeader { idle_thread: Some(idle), .. } = record {
            assert!(records.iter().any(|other| matches!(other, TraceLine::Thread { thread, .. } if thread == idle)));
        }
        // Format-2 lines are canonical: written back byte for byte.
        assert!(note_text_contains(&line(*record)), "{record:?}");
    }
    let version_1 = note_records("<!-- examples-v1:begin -->", "<!-- examples-v1:end -->");
    assert_eq!(version_1.len(), 13);
    assert_eq!(unaccounted_events(&version_1), 0);

    assert_eq!(
        parse_line("hello from cpu 1 @@TRACE2-END cpus=2 sum=d379ba72\r\n"),
        Ok(TraceLine::End { cpus: 2 })
    );
    let whole = "@@TRACE2 cpu=0 seq=1022 tsc=5d2c0a17f3 kind=irq_entry small=253 narrow=0 wide=0 sum=fb81fe03";
    assert!(parse_line(whole).is_ok());
    assert_eq!(parse_line(&whole[..50]), Err(ParseError::MissingChecksum));
    assert_eq!(parse_line(&whole[..whole.len() - 2]), Err(ParseError::MalformedChecksum));
    assert!(matches!(
        parse_line(&whole.replace("seq=1022", "seq=1023")),
        Err(ParseError::ChecksumMismatch { .. })
    ));
}

fn note_text_contains(text: &str) -> bool {
    include_str!("../../../../TEAM_NOTES/flight-recorder-format.md").contains(text)
}
