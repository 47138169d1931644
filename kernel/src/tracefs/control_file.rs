//! One open `/sys/kernel/tracing` file: what a read returns (a snapshot
//! taken at open, read from a position like a regular file) and what a
//! write does.

use super::{reapply, selected_classes, start, tracing_on, SELECTED_CLASSES};
use crate::file::{FileKind, FileOps, Readiness};
use crate::flight_recorder;
use crate::sync::SpinLock;
use crate::trace::filter;
use crate::vfs::TracingFile;
use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::Ordering;
use protocol::linux_abi::Errno;

const O_ACCMODE: u64 = 0o3;
const O_WRONLY: u64 = 0o1;
const O_TRUNC: u64 = 0o1000;

/// An open tracing file.
struct ControlFile {
    file: TracingFile,
    /// What reads return, and how far they got.
    contents: SpinLock<(Vec<u8>, usize)>,
}

/// Opens `file` with `flags` (`O_TRUNC` empties `set_event`'s selection and clears `trace`).
pub fn open(file: TracingFile, flags: u64) -> Result<Arc<dyn FileOps>, Errno> {
    let readable = flags & O_ACCMODE != O_WRONLY;
    if flags & O_TRUNC != 0 && flags & O_ACCMODE != 0 {
        match file {
            TracingFile::SetEvent => {
                SELECTED_CLASSES.store(0, Ordering::Relaxed);
                reapply();
            }
            TracingFile::Trace => flight_recorder::clear(),
            _ => {}
        }
    }
    let text = if readable { contents_of(file)? } else { String::new() };
    Ok(Arc::new(ControlFile { file, contents: SpinLock::new((text.into_bytes(), 0)) }))
}

/// What reading `file` shows now.
fn contents_of(file: TracingFile) -> Result<String, Errno> {
    Ok(match file {
        TracingFile::TracingOn => format!("{}\n", u8::from(tracing_on())),
        TracingFile::SetEvent => filter::class_names(selected_classes()).map(|name| format!("{name}:*\n")).collect(),
        TracingFile::TracingCpumask => {
            format!("{}\n", filter::format_hex_cpumask(&flight_recorder::enabled_cpus(), crate::cpu::online_count()))
        }
        TracingFile::BufferSizeKb => format!("{}\n", buffer_size_kib()),
        TracingFile::Trace => flight_recorder::dump_to_text(),
        TracingFile::TraceMarker | TracingFile::Dump => return Err(Errno::EINVAL),
    })
}

/// Each CPU's ring in KiB.
fn buffer_size_kib() -> usize {
    flight_recorder::events_per_cpu() * core::mem::size_of::<crate::trace::TraceEvent>() / 1024
}

/// `bytes` as text without surrounding whitespace, or `EINVAL`.
fn trimmed(bytes: &[u8]) -> Result<&str, Errno> {
    core::str::from_utf8(bytes).map(str::trim).map_err(|_| Errno::EINVAL)
}

/// The classes named in `text`: our class names or Linux's `class:*` /
/// `class:`, separated by spaces, commas or newlines; `all` or `*:*` for every class.
fn classes_named(text: &str) -> Result<filter::ClassMask, Errno> {
    let mut mask = 0;
    for word in text.split(|character: char| character.is_whitespace() || character == ',').filter(|word| !word.is_empty()) {
        let class = word.strip_suffix(":*").or_else(|| word.strip_suffix(':')).unwrap_or(word);
        mask |= match class {
            "all" | "*" => filter::ALL_CLASSES,
            name => filter::parse_classes(name).ok_or(Errno::EINVAL)?,
        };
    }
    Ok(mask)
}

impl ControlFile {
    fn apply_write(&self, bytes: &[u8]) -> Result<(), Errno> {
        match self.file {
            TracingFile::TracingOn => match trimmed(bytes)? {
                "1" => start(),
                "0" => {
                    flight_recorder::stop();
                }
                _ => return Err(Errno::EINVAL),
            },
            TracingFile::SetEvent => {
                let added = classes_named(trimmed(bytes)?)?;
                SELECTED_CLASSES.fetch_or(added, Ordering::Relaxed);
                reapply();
            }
            TracingFile::TracingCpumask => {
                let cpus = filter::parse_hex_cpumask(trimmed(bytes)?).ok_or(Errno::EINVAL)?;
                let classes = flight_recorder::enabled_classes();
                flight_recorder::configure(classes, cpus);
            }
            TracingFile::BufferSizeKb => {
                let kib: usize = trimmed(bytes)?.parse().map_err(|_| Errno::EINVAL)?;
                let events = kib.checked_mul(1024).ok_or(Errno::EINVAL)? / core::mem::size_of::<crate::trace::TraceEvent>();
                if events == 0 {
                    return Err(Errno::EINVAL);
                }
                match flight_recorder::resize_rings(events.next_power_of_two()) {
                    Ok(()) => {}
                    Err(flight_recorder::ResizeError::BadSize) => return Err(Errno::EINVAL),
                    Err(flight_recorder::ResizeError::Recording) => return Err(Errno::EBUSY),
                }
            }
            TracingFile::TraceMarker => flight_recorder::marker(bytes),
            TracingFile::Trace => {
                if !trimmed(bytes)?.is_empty() {
                    return Err(Errno::EINVAL);
                }
                flight_recorder::clear();
            }
            TracingFile::Dump => {
                crate::kprintln!("{}", flight_recorder::dump_to_trace_port());
            }
        }
        Ok(())
    }
}

impl FileOps for ControlFile {
    fn read(&self, buffer: &mut [u8]) -> Result<usize, Errno> {
        if matches!(self.file, TracingFile::TraceMarker | TracingFile::Dump) {
            return Err(Errno::EINVAL);
        }
        let mut contents = self.contents.lock();
        let (text, position) = &mut *contents;
        let count = buffer.len().min(text.len() - *position);
        buffer[..count].copy_from_slice(&text[*position..*position + count]);
        *position += count;
        Ok(count)
    }

    fn write(&self, bytes: &[u8]) -> Result<usize, Errno> {
        self.apply_write(bytes)?;
        Ok(bytes.len())
    }

    fn readiness(&self) -> Readiness {
        Readiness { readable: true, writable: true, hung_up: false }
    }

    fn kind(&self) -> FileKind {
        FileKind::Regular
    }
}
