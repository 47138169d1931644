//! The flight recorder's serial dump lines: formatting without heap, CRC-32, and a strict parser.
//!
//! Specification: `TEAM_NOTES/flight-recorder-format.md`. The kernel writes
//! format 2 (`@@TRACE2...`); format 1 (`@@TRACE...`, panic dumps of older
//! kernels) is still read. Each record is one line:
//!
//! ```text
//! @@TRACE2-BEGIN cpus=4 tsc_hz=2597000000 sum=....
//! @@TRACE2-THREAD tid=7 name=worker-1 sum=....
//! @@TRACE2-CPU cpu=0 idle=1 recorded=42 lost=10 torn=0 sum=....
//! @@TRACE2 cpu=0 seq=42 tsc=1a2b3c kind=irq_entry small=32 narrow=0 wide=0 sum=0123abcd
//! @@TRACE2-END cpus=4 sum=....
//! ```
//!
//! where `sum` is the CRC-32 (zlib's) of the bytes from the marker up to the
//! space before `sum=`. Numbers are canonical (no leading zeros, lowercase
//! hex without `0x`), so `format(parse(line)) == line` for format-2 lines.

mod crc32;
mod fields;
#[cfg(test)]
mod tests;
mod thread_name;

use core::fmt::{self, Write};

pub use crc32::crc32;
pub use thread_name::{ThreadName, THREAD_NAME_MAX_BYTES};

use crate::trace_event::{EventKind, SnapshotCounts, TraceEvent};
use crc32::Crc32;
use fields::{canonical_decimal, parse_checksum, Fields};

/// Prefix of every record of every format; a parser looks for its last occurrence in a line.
pub const MARKER: &str = "@@TRACE";
/// First token of an event line (format 2).
pub const EVENT_MARKER: &str = "@@TRACE2";
/// First token of the line that opens a dump: CPU count and TSC frequency (format 2).
pub const BEGIN_MARKER: &str = "@@TRACE2-BEGIN";
/// First token of a thread-name line (format 2).
pub const THREAD_MARKER: &str = "@@TRACE2-THREAD";
/// First token of a per-CPU summary line (format 2).
pub const CPU_HEADER_MARKER: &str = "@@TRACE2-CPU";
/// First token of the line that ends a dump (format 2).
pub const END_MARKER: &str = "@@TRACE2-END";
/// Format-1 markers, read only: event, per-CPU summary (no `idle=`), end.
pub const V1_EVENT_MARKER: &str = "@@TRACE";
/// See [`V1_EVENT_MARKER`].
pub const V1_CPU_HEADER_MARKER: &str = "@@TRACE-CPU";
/// See [`V1_EVENT_MARKER`].
pub const V1_END_MARKER: &str = "@@TRACE-END";
/// Longest possible record, in bytes, without the line terminator (a stack buffer of this size fits any line).
pub const MAX_LINE_BYTES: usize = 160;

/// Forwards text to `inner` while checksumming it, so a line needs no buffer.
struct ChecksumWriter<'w, W: Write + ?Sized> {
    inner: &'w mut W,
    crc: Crc32,
}

impl<'w, W: Write + ?Sized> ChecksumWriter<'w, W> {
    fn new(inner: &'w mut W) -> Self {
        Self {
            inner,
            crc: Crc32::new(),
        }
    }

    /// Appends ` sum=<8 hex digits>`, which is not itself checksummed.
    fn finish(self) -> fmt::Result {
        write!(self.inner, " sum={:08x}", self.crc.finish())
    }
}

impl<W: Write + ?Sized> Write for ChecksumWriter<'_, W> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        self.crc.update(text.as_bytes());
        self.inner.write_str(text)
    }
}

/// Writes the record `body` produces, then its checksum (no line terminator).
fn signed_line<W: Write + ?Sized>(
    out: &mut W,
    body: impl FnOnce(&mut ChecksumWriter<'_, W>) -> fmt::Result,
) -> fmt::Result {
    let mut line = ChecksumWriter::new(out);
    body(&mut line)?;
    line.finish()
}

/// Writes the event line for `event` recorded on `cpu` (no line terminator).
///
/// An unknown `kind` byte is written as its decimal value. `reserved` is not written.
pub fn format_event_line(cpu: u32, event: &TraceEvent, out: &mut impl Write) -> fmt::Result {
    signed_line(out, |line| {
        write!(
            line,
            "{EVENT_MARKER} cpu={cpu} seq={} tsc={:x} kind=",
            event.sequence, event.tsc
        )?;
        match event.event_kind() {
            Some(kind) => line.write_str(kind.name())?,
            None => write!(line, "{}", event.kind)?,
        }
        write!(
            line,
            " small={} narrow={} wide={:x}",
            event.small, event.narrow, event.wide
        )
    })
}

/// Writes the line that opens a dump of `cpus` CPUs whose TSC runs at `tsc_hz`.
pub fn format_begin(cpus: u32, tsc_hz: u64, out: &mut impl Write) -> fmt::Result {
    signed_line(out, |line| write!(line, "{BEGIN_MARKER} cpus={cpus} tsc_hz={tsc_hz}"))
}

/// Writes the line naming thread `thread`.
pub fn format_thread(thread: u32, name: &ThreadName, out: &mut impl Write) -> fmt::Result {
    signed_line(out, |line| write!(line, "{THREAD_MARKER} tid={thread} name={name}"))
}

/// Writes the summary line that precedes `cpu`'s events; `idle_thread` is
/// the id of its idle thread (`None` writes the format-1 line, which has none).
pub fn format_cpu_header(
    cpu: u32,
    idle_thread: Option<u32>,
    counts: &SnapshotCounts,
    out: &mut impl Write,
) -> fmt::Result {
    let SnapshotCounts {
        recorded,
        lost,
        torn,
    } = counts;
    signed_line(out, |line| match idle_thread {
        Some(idle) => write!(
            line,
            "{CPU_HEADER_MARKER} cpu={cpu} idle={idle} recorded={recorded} lost={lost} torn={torn}"
        ),
        None => write!(
            line,
            "{V1_CPU_HEADER_MARKER} cpu={cpu} recorded={recorded} lost={lost} torn={torn}"
        ),
    })
}

/// Writes the line that ends a dump of `cpus` CPUs (no line terminator).
pub fn format_end(cpus: u32, out: &mut impl Write) -> fmt::Result {
    signed_line(out, |line| write!(line, "{END_MARKER} cpus={cpus}"))
}

/// Writes `cpu`'s header line and then one line per event, each ending in `\n`.
///
/// `events` should be what the snapshot that produced `counts` kept.
pub fn format_cpu_dump(
    cpu: u32,
    idle_thread: u32,
    counts: &SnapshotCounts,
    events: &[TraceEvent],
    out: &mut impl Write,
) -> fmt::Result {
    format_cpu_header(cpu, Some(idle_thread), counts, out)?;
    out.write_char('\n')?;
    for event in events {
        format_event_line(cpu, event, out)?;
        out.write_char('\n')?;
    }
    Ok(())
}

/// One parsed record. Its `Display` is the canonical line (without terminator),
/// so the kernel can `println!("{}", TraceLine::Event { cpu, event })`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TraceLine {
    /// `@@TRACE2-BEGIN`: a dump of `cpus` CPUs starts; TSC ticks per second.
    Begin { cpus: u32, tsc_hz: u64 },
    /// `@@TRACE2-THREAD`: thread `thread` is called `name`.
    Thread { thread: u32, name: ThreadName },
    /// `@@TRACE2-CPU` (or format 1's `@@TRACE-CPU`, with no idle thread):
    /// summary before a CPU's events.
    CpuHeader {
        cpu: u32,
        idle_thread: Option<u32>,
        counts: SnapshotCounts,
    },
    /// `@@TRACE2`: one event of one CPU (`event.reserved` is 0).
    Event { cpu: u32, event: TraceEvent },
    /// `@@TRACE2-END`: the dump is complete.
    End { cpus: u32 },
}

impl fmt::Display for TraceLine {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TraceLine::Begin { cpus, tsc_hz } => format_begin(*cpus, *tsc_hz, formatter),
            TraceLine::Thread { thread, name } => format_thread(*thread, name, formatter),
            TraceLine::CpuHeader {
                cpu,
                idle_thread,
                counts,
            } => format_cpu_header(*cpu, *idle_thread, counts, formatter),
            TraceLine::Event { cpu, event } => format_event_line(*cpu, event, formatter),
            TraceLine::End { cpus } => format_end(*cpus, formatter),
        }
    }
}

/// Why a line is not an intact record. A parser skips such lines and resyncs at the next one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParseError {
    /// No `@@TRACE` in the line: ordinary console output.
    NoMarker,
    /// No ` sum=` after the marker: the line was cut short.
    MissingChecksum,
    /// `sum=` is not followed by exactly 8 lowercase hex digits and the end of the line.
    MalformedChecksum,
    /// The checksum does not match the text: a garbled or interleaved line.
    ChecksumMismatch { stated: u32, computed: u32 },
    /// The checksum is right but the marker is not one of the record tags.
    UnknownRecord,
    /// The field `name` is missing or another field stands in its place.
    MissingField { name: &'static str },
    /// The value of `name` is empty, not canonical, or out of range.
    MalformedField { name: &'static str },
    /// `kind=` is neither a known name nor the number of an unknown kind.
    UnknownKind,
    /// Text after the last field of the record.
    TrailingField,
}

impl fmt::Display for ParseError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::NoMarker => write!(formatter, "no {MARKER} marker"),
            ParseError::MissingChecksum => write!(formatter, "no ' sum=' field (line cut short?)"),
            ParseError::MalformedChecksum => {
                write!(
                    formatter,
                    "sum= is not 8 lowercase hex digits at the end of the line"
                )
            }
            ParseError::ChecksumMismatch { stated, computed } => write!(
                formatter,
                "checksum mismatch: line says {stated:08x}, text gives {computed:08x}"
            ),
            ParseError::UnknownRecord => write!(formatter, "unknown record tag after the marker"),
            ParseError::MissingField { name } => write!(formatter, "field '{name}=' missing"),
            ParseError::MalformedField { name } => write!(formatter, "field '{name}=' malformed"),
            ParseError::UnknownKind => write!(formatter, "unknown event kind"),
            ParseError::TrailingField => write!(formatter, "unexpected text after the last field"),
        }
    }
}

/// Parses the record in `line`, which may carry other output before the marker
/// and a line terminator after it. The last `@@TRACE` in the line is used.
pub fn parse_line(line: &str) -> Result<TraceLine, ParseError> {
    let start = line.rfind(MARKER).ok_or(ParseError::NoMarker)?;
    let record = line[start..].trim_end_matches(['\r', '\n']);
    let (body, sum_text) = record
        .rsplit_once(" sum=")
        .ok_or(ParseError::MissingChecksum)?;
    let stated = parse_checksum(sum_text).ok_or(ParseError::MalformedChecksum)?;
    let computed = crc32(body.as_bytes());
    if stated != computed {
        return Err(ParseError::ChecksumMismatch { stated, computed });
    }

    let mut fields = Fields {
        tokens: body.split(' '),
    };
    let parsed = match fields.tokens.next() {
        Some(EVENT_MARKER | V1_EVENT_MARKER) => parse_event(&mut fields)?,
        Some(BEGIN_MARKER) => TraceLine::Begin {
            cpus: fields.decimal("cpus")?,
            tsc_hz: fields.decimal("tsc_hz")?,
        },
        Some(THREAD_MARKER) => TraceLine::Thread {
            thread: fields.decimal("tid")?,
            name: ThreadName::from_escaped(fields.value("name")?)
                .ok_or(ParseError::MalformedField { name: "name" })?,
        },
        Some(CPU_HEADER_MARKER) => parse_cpu_header(&mut fields, true)?,
        Some(V1_CPU_HEADER_MARKER) => parse_cpu_header(&mut fields, false)?,
        Some(END_MARKER | V1_END_MARKER) => TraceLine::End {
            cpus: fields.decimal("cpus")?,
        },
        _ => return Err(ParseError::UnknownRecord),
    };
    match fields.tokens.next() {
        None => Ok(parsed),
        Some(_) => Err(ParseError::TrailingField),
    }
}

fn parse_cpu_header(fields: &mut Fields<'_>, has_idle: bool) -> Result<TraceLine, ParseError> {
    let cpu = fields.decimal("cpu")?;
    let idle_thread = if has_idle {
        Some(fields.decimal("idle")?)
    } else {
        None
    };
    Ok(TraceLine::CpuHeader {
        cpu,
        idle_thread,
        counts: SnapshotCounts {
            recorded: fields.decimal("recorded")?,
            lost: fields.decimal("lost")?,
            torn: fields.decimal("torn")?,
        },
    })
}

fn parse_event(fields: &mut Fields<'_>) -> Result<TraceLine, ParseError> {
    let cpu = fields.decimal("cpu")?;
    let sequence = fields.decimal("seq")?;
    let tsc = fields.hexadecimal("tsc")?;
    let kind = parse_kind(fields.value("kind")?)?;
    let event = TraceEvent {
        sequence,
        tsc,
        kind,
        small: fields.decimal("small")?,
        narrow: fields.decimal("narrow")?,
        wide: fields.hexadecimal("wide")?,
        reserved: 0,
    };
    Ok(TraceLine::Event { cpu, event })
}

/// A kind name, or the canonical decimal byte of a kind that has no name.
fn parse_kind(text: &str) -> Result<u8, ParseError> {
    if let Some(kind) = EventKind::from_name(text) {
        return Ok(kind as u8);
    }
    match canonical_decimal(text).and_then(|value| u8::try_from(value).ok()) {
        Some(byte) if EventKind::from_u8(byte).is_none() => Ok(byte),
        _ => Err(ParseError::UnknownKind),
    }
}
