//! `CpuId`: the dense number of a CPU that came online (0 = the BSP).

use core::fmt;
use core::sync::atomic::{AtomicU32, Ordering};

/// The dense number of a CPU that is online. Made only by the per-CPU
/// registry (`cpu::online_id`, `cpu::online`) and by the running CPU for
/// itself (`cpu::this_cpu`), so holding one means the CPU exists and runs
/// the kernel: an AP that failed to start leaves no `CpuId`. (This file sits
/// below `cpu` so that the types the per-CPU block holds can name CPUs.)
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CpuId(u32);

impl CpuId {
    /// The id `index`, unchecked.
    ///
    /// # Safety
    /// For the per-CPU registry only: `index` must name a CPU that is online,
    /// or the calling CPU itself (which is coming online).
    pub(crate) const unsafe fn new_unchecked(index: u32) -> CpuId {
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

impl fmt::Debug for CpuId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(formatter)
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
