//! A spinlock for thread context only: preemption is off while it is held,
//! so the holder is never switched out with the lock taken (another thread
//! on the same CPU would spin forever). Never take it in an interrupt handler
//! (use `IrqSpinLock`).

use core::ops::{Deref, DerefMut};

/// See the module doc.
pub struct SpinLock<T> {
    inner: spin::Mutex<T>,
}

/// Holds the lock; re-enables preemption when dropped.
pub struct SpinLockGuard<'a, T> {
    guard: Option<spin::MutexGuard<'a, T>>,
}

impl<T> SpinLock<T> {
    pub const fn new(value: T) -> Self {
        Self { inner: spin::Mutex::new(value) }
    }

    /// Disables preemption, then spins until the lock is ours.
    pub fn lock(&self) -> SpinLockGuard<'_, T> {
        debug_assert!(!percpu::in_interrupt(), "SpinLock taken in interrupt context; use IrqSpinLock");
        percpu::preempt_disable();
        SpinLockGuard { guard: Some(self.inner.lock()) }
    }
}

impl<T> Deref for SpinLockGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.guard.as_ref().expect("guard present until drop")
    }
}

impl<T> DerefMut for SpinLockGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.guard.as_mut().expect("guard present until drop")
    }
}

impl<T> Drop for SpinLockGuard<'_, T> {
    fn drop(&mut self) {
        drop(self.guard.take());
        percpu::preempt_enable();
    }
}
