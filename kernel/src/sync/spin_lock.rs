//! A spinlock for thread context only: preemption is off while it is held,
//! so the holder is never switched out with the lock taken (another thread
//! on the same CPU would spin forever). Never take it in an interrupt handler
//! (use `IrqSpinLock`).

use super::PreemptGuard;
use core::ops::{Deref, DerefMut};

/// See the module doc.
pub struct SpinLock<T> {
    inner: spin::Mutex<T>,
}

/// Holds the lock; re-enables preemption (and reschedules if that became
/// due) when dropped.
pub struct SpinLockGuard<'a, T> {
    // Field order matters: the lock is released before preemption returns.
    lock: spin::MutexGuard<'a, T>,
    _preempt: PreemptGuard,
}

impl<T> SpinLock<T> {
    pub const fn new(value: T) -> Self {
        Self { inner: spin::Mutex::new(value) }
    }

    /// Disables preemption, then spins until the lock is ours. (A misuse
    /// from interrupt context panics naming the caller.)
    #[track_caller]
    pub fn lock(&self) -> SpinLockGuard<'_, T> {
        debug_assert!(!percpu::in_interrupt(), "SpinLock taken in interrupt context; use IrqSpinLock");
        let preempt = PreemptGuard::new();
        SpinLockGuard { lock: self.inner.lock(), _preempt: preempt }
    }
}

impl<T> Deref for SpinLockGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.lock
    }
}

impl<T> DerefMut for SpinLockGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.lock
    }
}
