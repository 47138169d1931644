//! Which events the flight recorder keeps: event classes and CPUs, from the
//! `trace=CLASSES` and `trace_cpus=LIST` kernel arguments.
//!
//! ```text
//! trace=sched,irq        classes: sched ipi irq exception syscall fault proc signal marker, or all
//! trace_cpus=0-1,3       CPU ids and ranges (default: every CPU)
//! ```
//!
//! Classes without events yet (`syscall`, `fault`, `proc`, `signal`,
//! `marker`) are accepted, so a command line written for a later kernel
//! still boots. Without `trace=` every class is on (the flight recorder the
//! panic dump reads).

use super::EventKind;

/// A set of event classes as bits (`1 << class`).
pub type ClassMask = u32;

/// Groups of events that are switched on and off together.
#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventClass {
    /// Context switches and wake-ups.
    Sched = 0,
    /// Interrupt entry and exit.
    Irq = 1,
    /// Inter-processor interrupts sent and received.
    Ipi = 2,
    /// CPU exceptions.
    Exception = 3,
    /// System call entry and exit (no events yet).
    Syscall = 4,
    /// Page faults (no events yet).
    Fault = 5,
    /// Process and thread lifecycle (no events yet).
    Proc = 6,
    /// Signals (no events yet).
    Signal = 7,
    /// User markers (no events yet).
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
            EventKind::ContextSwitch | EventKind::Wakeup => EventClass::Sched,
            EventKind::IrqEntry | EventKind::IrqExit => EventClass::Irq,
            EventKind::IpiSend | EventKind::IpiReceive => EventClass::Ipi,
            EventKind::Exception => EventClass::Exception,
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
pub type CpuMask = [u64; 4];

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
