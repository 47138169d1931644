//! Which events the flight recorder keeps: event classes and CPUs, from the
//! `trace=CLASSES` and `trace_cpus=LIST` kernel arguments.
//!
//! ```text
//! trace=sched,irq        classes: sched ipi irq exception syscall fault proc signal marker, or all
//! trace_cpus=0-1,3       CPU ids and ranges (default: every CPU)
//! ```
//!
//! Without `trace=` every class is on (the flight recorder the panic dump
//! reads). `/sys/kernel/tracing/set_event` takes the same names.

use super::EventKind;

/// A set of event classes as bits (`1 << class`).
pub type ClassMask = u32;

/// Groups of events that are switched on and off together.
#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventClass {
    /// Context switches, wake-ups and migrations.
    Sched = 0,
    /// Interrupt entry and exit.
    Irq = 1,
    /// Inter-processor interrupts sent and received.
    Ipi = 2,
    /// CPU exceptions.
    Exception = 3,
    /// System call entry (number, first arguments) and exit (return value).
    Syscall = 4,
    /// Page faults (address, error code, user or kernel, resolved or fatal).
    Fault = 5,
    /// Process and thread lifecycle: fork/clone, exec, exit.
    Proc = 6,
    /// Signals sent and delivered.
    Signal = 7,
    /// User markers (`trace_marker` writes).
    Marker = 8,
}

impl EventClass {
    /// Every class, with its name in `trace=`.
    pub const ALL: [(EventClass, &'static str); 9] = [
        (EventClass::Sched, "sched"),
        (EventClass::Irq, "irq"),
        (EventClass::Ipi, "ipi"),
        (EventClass::Exception, "exception"),
        (EventClass::Syscall, "syscall"),
        (EventClass::Fault, "fault"),
        (EventClass::Proc, "proc"),
        (EventClass::Signal, "signal"),
        (EventClass::Marker, "marker"),
    ];

    /// The class's bit in a [`ClassMask`].
    pub const fn bit(self) -> ClassMask {
        1 << self as u8
    }

    /// The class an event kind belongs to.
    pub const fn of(kind: EventKind) -> EventClass {
        match kind {
            EventKind::ContextSwitch | EventKind::Wakeup | EventKind::Migrate => EventClass::Sched,
            EventKind::IrqEntry | EventKind::IrqExit => EventClass::Irq,
            EventKind::IpiSend | EventKind::IpiReceive => EventClass::Ipi,
            EventKind::Exception => EventClass::Exception,
            EventKind::SyscallEnter | EventKind::SyscallExit => EventClass::Syscall,
            EventKind::PageFault => EventClass::Fault,
            EventKind::Fork | EventKind::Exec | EventKind::Exit => EventClass::Proc,
            EventKind::SignalGenerate | EventKind::SignalDeliver => EventClass::Signal,
            EventKind::Marker => EventClass::Marker,
            // Never filtered alone: recorded with its head, under the head's class.
            EventKind::Data => EventClass::Marker,
        }
    }
}

/// Every class on.
pub const ALL_CLASSES: ClassMask = (1 << EventClass::ALL.len()) - 1;

/// Parses `trace=`'s value: `all`, or class names separated by commas.
pub fn parse_classes(text: &str) -> Option<ClassMask> {
    if text == "all" {
        return Some(ALL_CLASSES);
    }
    let mut mask = 0;
    for word in text.split(',') {
        let (class, _) = EventClass::ALL.iter().find(|(_, name)| *name == word)?;
        mask |= class.bit();
    }
    Some(mask)
}

/// CPU ids 0..=255 as a bitmap (`words[id / 64]` bit `id % 64`).
pub type CpuMask = [u64; crate::cpu_set::WORDS];

/// Every CPU.
pub const ALL_CPUS: CpuMask = [u64::MAX; 4];

/// Parses `trace_cpus=`'s value: ids and `first-last` ranges separated by commas.
pub fn parse_cpus(text: &str) -> Option<CpuMask> {
    let mut mask = [0u64; 4];
    for word in text.split(',') {
        let (first, last) = match word.split_once('-') {
            Some((first, last)) => (first.parse::<u8>().ok()?, last.parse::<u8>().ok()?),
            None => {
                let cpu = word.parse::<u8>().ok()?;
                (cpu, cpu)
            }
        };
        if first > last {
            return None;
        }
        for cpu in first..=last {
            mask[usize::from(cpu / 64)] |= 1 << (cpu % 64);
        }
    }
    Some(mask)
}

/// The names of the classes in `mask`, in [`EventClass::ALL`] order.
pub fn class_names(mask: ClassMask) -> impl Iterator<Item = &'static str> {
    EventClass::ALL.into_iter().filter(move |(class, _)| mask & class.bit() != 0).map(|(_, name)| name)
}

/// Parses a CPU mask as Linux's `tracing_cpumask` takes it: hex digits,
/// optionally in comma-separated groups of 32 bits, highest first
/// (`f`, `00000000,0000000f`); trailing whitespace ignored.
pub fn parse_hex_cpumask(text: &str) -> Option<CpuMask> {
    let digits: alloc::string::String = text.trim_end().chars().filter(|character| *character != ',').collect();
    if digits.is_empty() || digits.len() > 64 || !digits.chars().all(|digit| digit.is_ascii_hexdigit()) {
        return None;
    }
    let mut mask = [0u64; 4];
    for (position, digit) in digits.chars().rev().enumerate() {
        let value = u64::from(digit.to_digit(16)?);
        mask[position / 16] |= value << (4 * (position % 16));
    }
    Some(mask)
}

/// Writes `mask` for `cpus` CPUs as Linux prints a cpumask: 32-bit groups
/// of 8 hex digits, highest first, comma-separated, the highest group only
/// as wide as its CPUs need (4 CPUs: `f`; 40: `ff,ffffffff`). The one
/// formatter is `CpuSet::to_hex_mask`.
pub fn format_hex_cpumask(mask: &CpuMask, cpus: u32) -> alloc::string::String {
    crate::cpu_set::CpuSet::from_words(*mask).to_hex_mask(cpus as usize)
}

/// Whether `cpu` is in `mask`.
pub const fn contains_cpu(mask: &CpuMask, cpu: u32) -> bool {
    cpu < 256 && mask[(cpu / 64) as usize] & (1 << (cpu % 64)) != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_parse() {
        assert_eq!(parse_classes("all"), Some(ALL_CLASSES));
        assert_eq!(
            parse_classes("sched,irq"),
            Some(EventClass::Sched.bit() | EventClass::Irq.bit())
        );
        assert_eq!(parse_classes("marker"), Some(1 << 8));
        for bad in ["", "sched,", "Sched", "sched irq", "all,sched"] {
            assert_eq!(parse_classes(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn every_kind_has_a_class_with_a_name() {
        for kind in EventKind::ALL {
            assert!(EventClass::ALL.iter().any(|(class, _)| *class == EventClass::of(kind)));
        }
    }

    #[test]
    fn hex_cpumasks_parse_and_print_as_linux_does() {
        assert_eq!(parse_hex_cpumask("f\n"), Some([0xf, 0, 0, 0]));
        assert_eq!(parse_hex_cpumask("1,00000002"), Some([0x1_0000_0002, 0, 0, 0]));
        assert_eq!(parse_hex_cpumask("10000000000000000"), Some([0, 1, 0, 0]));
        for bad in ["", "\n", "g", "0x1", "-1", &"f".repeat(65)] {
            assert_eq!(parse_hex_cpumask(bad), None, "{bad:?}");
        }
        assert_eq!(format_hex_cpumask(&[0xf, 0, 0, 0], 4), "f");
        assert_eq!(format_hex_cpumask(&[0x5, 0, 0, 0], 8), "05");
        assert_eq!(format_hex_cpumask(&ALL_CPUS, 40), "ff,ffffffff");
        assert_eq!(format_hex_cpumask(&ALL_CPUS, 3), "7");
        let mask = parse_hex_cpumask(&format_hex_cpumask(&[0x3_0000_0001, 0, 0, 0], 64)).unwrap();
        assert_eq!(mask, [0x3_0000_0001, 0, 0, 0]);
    }

    #[test]
    fn each_kind_is_filtered_with_its_class() {
        use EventKind::*;
        let expected = [
            (ContextSwitch, EventClass::Sched),
            (Wakeup, EventClass::Sched),
            (Migrate, EventClass::Sched),
            (IrqEntry, EventClass::Irq),
            (IrqExit, EventClass::Irq),
            (IpiSend, EventClass::Ipi),
            (IpiReceive, EventClass::Ipi),
            (Exception, EventClass::Exception),
            (SyscallEnter, EventClass::Syscall),
            (SyscallExit, EventClass::Syscall),
            (PageFault, EventClass::Fault),
            (Fork, EventClass::Proc),
            (Exec, EventClass::Proc),
            (Exit, EventClass::Proc),
            (SignalGenerate, EventClass::Signal),
            (SignalDeliver, EventClass::Signal),
            (Marker, EventClass::Marker),
        ];
        for (kind, class) in expected {
            assert_eq!(EventClass::of(kind), class, "{kind:?}");
        }
        assert_eq!(class_names(EventClass::Syscall.bit() | EventClass::Marker.bit()).collect::<std::vec::Vec<_>>(), ["syscall", "marker"]);
    }

    #[test]
    fn cpus_parse() {
        let mask = parse_cpus("0-1,3,254").unwrap();
        let listed: std::vec::Vec<u32> = (0..300).filter(|cpu| contains_cpu(&mask, *cpu)).collect();
        assert_eq!(listed, [0, 1, 3, 254]);
        assert!(contains_cpu(&ALL_CPUS, 255));
        for bad in ["", "1-0", "256", "a", "1,", "-1", "0x1"] {
            assert_eq!(parse_cpus(bad), None, "{bad:?}");
        }
    }
}
