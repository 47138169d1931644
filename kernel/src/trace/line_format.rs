//! The flight recorder's serial dump lines: formatting without heap, CRC-32, and a strict parser.
//!
//! Specification: `TEAM_NOTES/flight-recorder-format.md`. In short, each
//! record is one line
//!
//! ```text
//! @@TRACE cpu=0 seq=42 tsc=1a2b3c kind=irq_entry small=32 narrow=0 wide=0 sum=0123abcd
//! @@TRACE-CPU cpu=0 recorded=42 lost=10 torn=0 sum=....
//! @@TRACE-END cpus=4 sum=....
//! ```
//!
//! where `sum` is the CRC-32 (zlib's) of the bytes from the `@@TRACE` marker
//! up to the space before `sum=`. Numbers are canonical (no leading zeros,
//! lowercase hex without `0x`), so `format(parse(line)) == line`.

use core::fmt::{self, Write};

use super::{EventKind, SnapshotCounts, TraceEvent};

/// Prefix of every record; a parser looks for its last occurrence in a line.
pub const MARKER: &str = "@@TRACE";
/// First token of an event line.
pub const EVENT_MARKER: &str = "@@TRACE";
/// First token of a per-CPU summary line.
pub const CPU_HEADER_MARKER: &str = "@@TRACE-CPU";
/// First token of the line that ends a dump.
pub const END_MARKER: &str = "@@TRACE-END";
/// Longest possible record, in bytes, without the line terminator (a stack buffer of this size fits any line).
pub const MAX_LINE_BYTES: usize = 160;

/// CRC-32/ISO-HDLC lookup table (reflected polynomial 0xEDB88320), built at compile time.
const CRC32_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut index = 0;
    while index < 256 {
        let mut value = index as u32;
        let mut bit = 0;
        while bit < 8 {
            value = if value & 1 != 0 {
                0xEDB8_8320 ^ (value >> 1)
            } else {
                value >> 1
            };
            bit += 1;
        }
        table[index] = value;
        index += 1;
    }
    table
};

/// Running CRC-32 (the one in zlib, PNG and Ethernet; `crc32(b"123456789") == 0xcbf43926`).
#[derive(Clone, Copy, Debug)]
struct Crc32 {
    /// Inverted running remainder.
    state: u32,
}

impl Crc32 {
    const fn new() -> Self {
        Self { state: !0 }
    }

    fn update(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.state =
                CRC32_TABLE[((self.state ^ u32::from(byte)) & 0xFF) as usize] ^ (self.state >> 8);
        }
    }

    const fn finish(self) -> u32 {
        !self.state
    }
}

/// CRC-32 of `bytes` (same as Python's `zlib.crc32`).
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = Crc32::new();
    crc.update(bytes);
    crc.finish()
}

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

/// Writes the event line for `event` recorded on `cpu` (no line terminator).
///
/// An unknown `kind` byte is written as its decimal value. `reserved` is not written.
pub fn format_event_line(cpu: u32, event: &TraceEvent, out: &mut impl Write) -> fmt::Result {
    let mut line = ChecksumWriter::new(out);
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
    )?;
    line.finish()
}

/// Writes the summary line that precedes `cpu`'s events (no line terminator).
pub fn format_cpu_header(cpu: u32, counts: &SnapshotCounts, out: &mut impl Write) -> fmt::Result {
    let mut line = ChecksumWriter::new(out);
    write!(
        line,
        "{CPU_HEADER_MARKER} cpu={cpu} recorded={} lost={} torn={}",
        counts.recorded, counts.lost, counts.torn
    )?;
    line.finish()
}

/// Writes the line that ends a dump of `cpus` CPUs (no line terminator).
pub fn format_end(cpus: u32, out: &mut impl Write) -> fmt::Result {
    let mut line = ChecksumWriter::new(out);
    write!(line, "{END_MARKER} cpus={cpus}")?;
    line.finish()
}

/// Writes `cpu`'s header line and then one line per event, each ending in `\n`.
///
/// `events` should be what the snapshot that produced `counts` kept.
pub fn format_cpu_dump(
    cpu: u32,
    counts: &SnapshotCounts,
    events: &[TraceEvent],
    out: &mut impl Write,
) -> fmt::Result {
    format_cpu_header(cpu, counts, out)?;
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
    /// `@@TRACE`: one event of one CPU (`event.reserved` is 0).
    Event { cpu: u32, event: TraceEvent },
    /// `@@TRACE-CPU`: summary before a CPU's events.
    CpuHeader { cpu: u32, counts: SnapshotCounts },
    /// `@@TRACE-END`: the dump is complete.
    End { cpus: u32 },
}

impl fmt::Display for TraceLine {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TraceLine::Event { cpu, event } => format_event_line(*cpu, event, formatter),
            TraceLine::CpuHeader { cpu, counts } => format_cpu_header(*cpu, counts, formatter),
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
    /// The checksum is right but the marker is not one of the three record tags.
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
        Some(EVENT_MARKER) => parse_event(&mut fields)?,
        Some(CPU_HEADER_MARKER) => TraceLine::CpuHeader {
            cpu: fields.decimal("cpu")?,
            counts: SnapshotCounts {
                recorded: fields.decimal("recorded")?,
                lost: fields.decimal("lost")?,
                torn: fields.decimal("torn")?,
            },
        },
        Some(END_MARKER) => TraceLine::End {
            cpus: fields.decimal("cpus")?,
        },
        _ => return Err(ParseError::UnknownRecord),
    };
    match fields.tokens.next() {
        None => Ok(parsed),
        Some(_) => Err(ParseError::TrailingField),
    }
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

fn parse_checksum(text: &str) -> Option<u32> {
    let well_formed = text.len() == 8 && text.bytes().all(is_lowercase_hex_digit);
    if !well_formed {
        return None;
    }
    u32::from_str_radix(text, 16).ok()
}

fn is_lowercase_hex_digit(byte: u8) -> bool {
    byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte)
}

/// Digits only, no sign, no leading zero (except "0" itself), fits in u64.
fn canonical_decimal(text: &str) -> Option<u64> {
    let canonical = !text.is_empty()
        && text.bytes().all(|byte| byte.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'));
    if !canonical {
        return None;
    }
    text.parse().ok()
}

/// Lowercase hex digits, no `0x`, no leading zero (except "0" itself), fits in u64.
fn canonical_hexadecimal(text: &str) -> Option<u64> {
    let canonical = !text.is_empty()
        && text.bytes().all(is_lowercase_hex_digit)
        && (text == "0" || !text.starts_with('0'));
    if !canonical {
        return None;
    }
    u64::from_str_radix(text, 16).ok()
}

/// The space-separated `name=value` tokens of a record after its marker, read in order.
struct Fields<'l> {
    tokens: core::str::Split<'l, char>,
}

impl<'l> Fields<'l> {
    /// The value of the next token, which must be `name=value`.
    fn value(&mut self, name: &'static str) -> Result<&'l str, ParseError> {
        self.tokens
            .next()
            .and_then(|token| token.strip_prefix(name))
            .and_then(|rest| rest.strip_prefix('='))
            .ok_or(ParseError::MissingField { name })
    }

    fn decimal<T: TryFrom<u64>>(&mut self, name: &'static str) -> Result<T, ParseError> {
        canonical_decimal(self.value(name)?)
            .and_then(|value| T::try_from(value).ok())
            .ok_or(ParseError::MalformedField { name })
    }

    fn hexadecimal(&mut self, name: &'static str) -> Result<u64, ParseError> {
        canonical_hexadecimal(self.value(name)?).ok_or(ParseError::MalformedField { name })
    }
}
