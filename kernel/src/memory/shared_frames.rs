//! Frames mapped by more than one address space (copy-on-write after
//! `fork`): how many extra owners each has. A frame absent from the table
//! has one owner. Only user pages are ever shared, so the table stays as
//! small as the memory `fork` children still share with their parents.

use crate::sync::IrqSpinLock;
use alloc::collections::BTreeMap;

/// Frame -> owners beyond the first.
static EXTRA_OWNERS: IrqSpinLock<BTreeMap<u64, u32>> = IrqSpinLock::new(BTreeMap::new());

/// One more address space maps `frame`.
pub fn share(frame: u64) {
    *EXTRA_OWNERS.lock().entry(frame).or_insert(0) += 1;
}

/// Whether another address space also maps `frame`.
pub fn is_shared(frame: u64) -> bool {
    EXTRA_OWNERS.lock().contains_key(&frame)
}

/// One owner lets go of `frame`: returns true when it was the last (the
/// caller frees it), false when others still map it.
pub fn release(frame: u64) -> bool {
    let mut table = EXTRA_OWNERS.lock();
    match table.get_mut(&frame) {
        None => true,
        Some(1) => {
            table.remove(&frame);
            false
        }
        Some(count) => {
            *count -= 1;
            false
        }
    }
}

/// Frames with more than one owner (for leak checks).
pub fn shared_count() -> usize {
    EXTRA_OWNERS.lock().len()
}
