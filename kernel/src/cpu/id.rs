//! `CpuId`: the dense number of a CPU that came online (0 = the BSP).

use core::fmt;
use core::sync::atomic::{AtomicU32, Ordering};

/// The dense number of a CPU that is online. Made only by the registry (for
/// CPUs marked online) and by the running CPU for itself, so holding one
/// means the CPU exists and runs the kernel: an AP that failed to start
/// leaves no `CpuId`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CpuId(u32);

impl CpuId {
    /// The CPU numbered `index`, if it is online.
    pub fn new(index: u32) -> Option<CpuId> {
        super::registry::is_online(index).then_some(CpuId(index))
    }

    /// For the registry and the running CPU only: `index` names a CPU that
    /// is online (or is the caller itself, coming online).
    pub(super) const fn trusted(index: u32) -> CpuId {
        CpuId(index)
    }

    /// The number, for reports and indexing.
    pub const fn as_u32(self) -> u32 {
        self.0
    }

    /// The number as an index.
    pub const fn index(self) -> usize {
        self.0 as usize
    }
}

impl fmt::Display for CpuId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(formatter)
    }
}

/// An atomic `Option<CpuId>`: it only ever stores values that were
/// `CpuId`s, so what it loads is one too.
#[derive(Debug)]
pub struct AtomicCpuId(AtomicU32);

/// Stored for `None`.
const NO_CPU: u32 = u32::MAX;

impl AtomicCpuId {
    pub const fn new(cpu: Option<CpuId>) -> Self {
        Self(AtomicU32::new(match cpu {
            Some(cpu) => cpu.0,
            None => NO_CPU,
        }))
    }

    pub fn load(&self, order: Ordering) -> Option<CpuId> {
        let value = self.0.load(order);
        (value != NO_CPU).then_some(CpuId(value))
    }

    pub fn store(&self, cpu: Option<CpuId>, order: Ordering) {
        self.0.store(cpu.map_or(NO_CPU, |cpu| cpu.0), order);
    }
}
