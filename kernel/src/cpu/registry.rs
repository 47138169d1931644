//! The registry of per-CPU blocks: every block allocated at boot, by CPU
//! number, and which of them came online.

use super::per_cpu::BringUp;
use super::{CpuId, PerCpu, ThisCpu};
use alloc::boxed::Box;
use core::sync::atomic::{AtomicU32, Ordering};

/// Every CPU's block, indexed by CPU number (0 = BSP); set once by the BSP
/// before any AP starts.
static BLOCKS: spin::Once<Box<[&'static PerCpu]>> = spin::Once::new();
static ONLINE_COUNT: AtomicU32 = AtomicU32::new(0);

/// Records the blocks of all CPUs of this boot (index `i` is CPU `i`). Once.
pub fn install_all(blocks: Box<[&'static PerCpu]>) {
    for (index, block) in blocks.iter().enumerate() {
        assert_eq!(block.id().index(), index, "per-CPU blocks out of order");
    }
    assert!(BLOCKS.get().is_none(), "cpu::install_all called twice");
    BLOCKS.call_once(|| blocks);
}

fn blocks() -> &'static [&'static PerCpu] {
    BLOCKS.get().map_or(&[], |blocks| blocks)
}

/// How many CPUs the kernel made blocks for (online or not).
pub fn count() -> usize {
    blocks().len()
}

/// The id of CPU `index`, if it came online.
pub fn online_id(index: u32) -> Option<CpuId> {
    let block = blocks().get(index as usize)?;
    block.is_online().then(|| block.id())
}

/// Marks the running CPU online: others may now send it IPIs and work.
/// Returns false if the BSP abandoned it first (it must then stop).
pub fn mark_online(this: &ThisCpu) -> bool {
    this.online_tsc.store(arch::tsc::read(), Ordering::Relaxed);
    let won = this
        .bring_up
        .compare_exchange(BringUp::Starting as u8, BringUp::Online as u8, Ordering::AcqRel, Ordering::Acquire)
        .is_ok();
    if won {
        ONLINE_COUNT.fetch_add(1, Ordering::AcqRel);
    }
    won
}

/// For the BSP: gives up on a CPU that has not come online; returns false
/// if it came online after all (then it stays).
pub fn abandon(block: &PerCpu) -> bool {
    block
        .bring_up
        .compare_exchange(BringUp::Starting as u8, BringUp::Abandoned as u8, Ordering::AcqRel, Ordering::Acquire)
        .is_ok()
}

/// The block of CPU `index`, online or not (bring-up code only).
pub(crate) fn block(index: usize) -> Option<&'static PerCpu> {
    blocks().get(index).copied()
}

/// The block of online CPU `cpu`.
pub fn get(cpu: CpuId) -> &'static PerCpu {
    blocks()[cpu.index()]
}

/// The blocks of all online CPUs, by CPU number.
pub fn online() -> impl Iterator<Item = &'static PerCpu> {
    blocks().iter().copied().filter(|block| block.is_online())
}

/// How many CPUs are online.
pub fn online_count() -> u32 {
    ONLINE_COUNT.load(Ordering::Acquire)
}

/// The online CPU whose local APIC id is `apic_id`.
pub fn with_apic_id(apic_id: u32) -> Option<CpuId> {
    online().find(|block| block.apic_id() == apic_id).map(PerCpu::id)
}
