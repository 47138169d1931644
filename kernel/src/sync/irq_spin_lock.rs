//! A spinlock that also disables interrupts (and preemption) on this CPU
//! while held: for data shared with interrupt handlers (an interrupt handler
//! spinning on a lock its own CPU holds would deadlock).

use super::IrqGuard;
use core::ops::{Deref, DerefMut};

/// See the module doc.
pub struct IrqSpinLock<T> {
    inner: spin::Mutex<T>,
}

/// Holds the lock; restores the interrupt flag when dropped.
pub struct IrqSpinLockGuard<'a, T> {
    // Field order matters: the lock is released before the guard restores
    // interrupts.
    lock: spin::MutexGuard<'a, T>,
    irq: IrqGuard,
}

impl<T> IrqSpinLock<T> {
    pub const fn new(value: T) -> Self {
        Self { inner: spin::Mutex::new(value) }
    }

    /// Disables interrupts, then spins until the lock is ours.
    pub fn lock(&self) -> IrqSpinLockGuard<'_, T> {
        let irq = IrqGuard::new();
        IrqSpinLockGuard { lock: self.inner.lock(), irq }
    }
}

impl<T> IrqSpinLockGuard<'_, T> {
    /// Releases the lock but leaves interrupts disabled (for a caller about
    /// to switch threads); returns whether they were enabled at `lock`.
    pub fn unlock_keeping_interrupts_off(self) -> bool {
        let IrqSpinLockGuard { lock, irq } = self;
        drop(lock);
        irq.end_keeping_interrupts_off()
    }
}

impl<T> Deref for IrqSpinLockGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.lock
    }
}

impl<T> DerefMut for IrqSpinLockGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.lock
    }
}
