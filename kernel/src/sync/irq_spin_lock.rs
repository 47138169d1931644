//! A spinlock that also disables interrupts on this CPU while held: for data
//! shared with interrupt handlers (an interrupt handler spinning on a lock
//! its own CPU holds would deadlock).

use core::ops::{Deref, DerefMut};

/// See the module doc.
pub struct IrqSpinLock<T> {
    inner: spin::Mutex<T>,
}

/// Holds the lock; restores the interrupt flag when dropped.
pub struct IrqSpinLockGuard<'a, T> {
    guard: Option<spin::MutexGuard<'a, T>>,
    interrupts_were_enabled: bool,
}

impl<T> IrqSpinLock<T> {
    pub const fn new(value: T) -> Self {
        Self { inner: spin::Mutex::new(value) }
    }

    /// Disables interrupts, then spins until the lock is ours.
    pub fn lock(&self) -> IrqSpinLockGuard<'_, T> {
        let interrupts_were_enabled = arch::cpu::interrupts_enabled();
        arch::cpu::disable_interrupts();
        IrqSpinLockGuard { guard: Some(self.inner.lock()), interrupts_were_enabled }
    }
}

impl<T> IrqSpinLockGuard<'_, T> {
    /// Releases the lock but leaves interrupts disabled (for a caller about
    /// to switch threads); returns whether they were enabled at `lock`.
    pub fn unlock_keeping_interrupts_off(mut self) -> bool {
        drop(self.guard.take());
        let were_enabled = self.interrupts_were_enabled;
        self.interrupts_were_enabled = false;
        were_enabled
    }
}

impl<T> Deref for IrqSpinLockGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.guard.as_ref().expect("guard present until drop")
    }
}

impl<T> DerefMut for IrqSpinLockGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.guard.as_mut().expect("guard present until drop")
    }
}

impl<T> Drop for IrqSpinLockGuard<'_, T> {
    fn drop(&mut self) {
        drop(self.guard.take());
        if self.interrupts_were_enabled {
            arch::cpu::enable_interrupts();
        }
    }
}
