//! Every thread the scheduler started (not the idle threads), by id, as
//! weak references: for SysRq's thread list, which must show kernel
//! threads blocked on wait queues too (no run queue holds them).

use super::Thread;
use crate::sync::IrqSpinLock;
use alloc::collections::BTreeMap;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;

static THREADS: IrqSpinLock<BTreeMap<u32, Weak<Thread>>> = IrqSpinLock::new(BTreeMap::new());

/// Registers a new thread (dropping the entries of threads gone since).
pub fn register(thread: &Arc<Thread>) {
    let mut threads = THREADS.lock();
    threads.retain(|_, thread| thread.strong_count() > 0);
    threads.insert(thread.id(), Arc::downgrade(thread));
}

/// The threads still alive (an exited one is alive while something holds
/// it, e.g. its `JoinHandle`), by ascending id.
pub fn all() -> Vec<Arc<Thread>> {
    THREADS.lock().values().filter_map(Weak::upgrade).collect()
}

/// The thread with id `id`, if it is alive.
pub fn find(id: u32) -> Option<Arc<Thread>> {
    THREADS.lock().get(&id)?.upgrade()
}
