//! Reads the dump out of a console log: every line with the `@@TRACE` marker
//! is checked (checksum, then grammar); a bad one is reported with its line
//! number and reason and skipped, the good ones are kept, wherever they are
//! (other output between them, CPUs' lines interleaved).
//!
//! A log may hold several dumps (a live dump, then a panic's): each
//! `@@TRACE2-BEGIN` starts afresh, so the last dump wins.

use std::collections::BTreeMap;
use std::fmt;

use protocol::trace_event::{SnapshotCounts, TraceEvent};
use protocol::trace_line::{parse_line, ParseError, TraceLine};

/// A line that had the marker but was not an intact record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadLine {
    /// 1-based line number in the log.
    pub line_number: usize,
    /// Why it was rejected.
    pub reason: ParseError,
}

impl fmt::Display for BadLine {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "line {}: {}", self.line_number, self.reason)
    }
}

/// One CPU's part of the dump.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CpuDump {
    /// Its idle thread (format 2 headers name it).
    pub idle_thread: Option<u32>,
    /// The header's counts (`None` if the header line was lost).
    pub counts: Option<SnapshotCounts>,
    /// Its events, by ascending sequence number, without duplicates.
    pub events: Vec<TraceEvent>,
}

/// Everything good that was read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Dump {
    /// CPU count from `@@TRACE2-BEGIN`.
    pub cpus: Option<u32>,
    /// TSC ticks per second from `@@TRACE2-BEGIN`.
    pub tsc_hz: Option<u64>,
    /// Thread names by id.
    pub threads: BTreeMap<u32, String>,
    /// Per-CPU parts, by CPU id.
    pub per_cpu: BTreeMap<u32, CpuDump>,
    /// Whether `@@TRACE-END`/`@@TRACE2-END` closed the dump.
    pub complete: bool,
    /// Rejected lines, in log order.
    pub bad_lines: Vec<BadLine>,
    /// Dumps begun in the log (only the last is kept).
    pub dumps_seen: usize,
}

impl Dump {
    /// Problems a reader should know of, besides the bad lines: a missing
    /// end, CPUs with fewer events than their header promised, and events
    /// the rings lost (nothing is lost silently).
    pub fn warnings(&self) -> Vec<String> {
        let mut warnings = Vec::new();
        if !self.complete {
            warnings.push("no @@TRACE2-END line: the dump was cut short".to_string());
        }
        if self.tsc_hz.is_none() {
            warnings.push(format!("no @@TRACE2-BEGIN line with the TSC rate; assuming {ASSUMED_TSC_HZ} Hz"));
        }
        for (cpu, part) in &self.per_cpu {
            match part.counts {
                None => warnings.push(format!("cpu {cpu}: header line missing")),
                Some(counts) if counts.kept() != part.events.len() as u64 => warnings.push(format!(
                    "cpu {cpu}: header says {} events, {} were read",
                    counts.kept(),
                    part.events.len()
                )),
                Some(_) => {}
            }
            if let Some(counts) = part.counts.filter(|counts| counts.lost + counts.torn > 0) {
                warnings.push(format!(
                    "cpu {cpu}: {} older events were overwritten (ring full) and {} were torn",
                    counts.lost, counts.torn
                ));
            }
        }
        warnings
    }

    /// TSC ticks per second: the dump's, else [`ASSUMED_TSC_HZ`].
    pub fn tsc_hz_or_assumed(&self) -> u64 {
        self.tsc_hz.filter(|hz| *hz > 0).unwrap_or(ASSUMED_TSC_HZ)
    }
}

/// TSC rate assumed for format-1 dumps, which do not carry it.
pub const ASSUMED_TSC_HZ: u64 = 1_000_000_000;

/// Reads every trace line of `log`.
pub fn read(log: &str) -> Dump {
    let mut dump = Dump::default();
    let mut bad_lines = Vec::new();
    for (index, text) in log.split('\n').enumerate() {
        if !text.contains(protocol::trace_line::MARKER) {
            continue;
        }
        match parse_line(text) {
            Ok(record) => apply(&mut dump, record),
            Err(reason) => bad_lines.push(BadLine {
                line_number: index + 1,
                reason,
            }),
        }
    }
    for part in dump.per_cpu.values_mut() {
        part.events.sort_by_key(|event| event.sequence);
        part.events.dedup_by_key(|event| event.sequence);
    }
    dump.bad_lines = bad_lines;
    dump
}

fn apply(dump: &mut Dump, record: TraceLine) {
    match record {
        TraceLine::Begin { cpus, tsc_hz } => {
            let dumps_seen = dump.dumps_seen + 1;
            *dump = Dump {
                cpus: Some(cpus),
                tsc_hz: Some(tsc_hz),
                dumps_seen,
                ..Dump::default()
            };
        }
        TraceLine::Thread { thread, name } => {
            let name = String::from_utf8_lossy(name.as_bytes()).into_owned();
            dump.threads.insert(thread, name);
        }
        TraceLine::CpuHeader {
            cpu,
            idle_thread,
            counts,
        } => {
            let part = dump.per_cpu.entry(cpu).or_default();
            part.idle_thread = idle_thread;
            part.counts = Some(counts);
        }
        TraceLine::Event { cpu, event } => dump.per_cpu.entry(cpu).or_default().events.push(event),
        TraceLine::End { cpus } => {
            dump.complete = true;
            dump.cpus.get_or_insert(cpus);
            dump.dumps_seen = dump.dumps_seen.max(1);
        }
    }
}
