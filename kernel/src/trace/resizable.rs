//! A CPU's ring that `buffer_size_kb` can resize: a pointer to the ring in
//! use, swapped for a ring of another size while the CPU may be writing.
//!
//! A writer loads the pointer once per event, so one racing a resize
//! finishes its event in the ring it loaded. Rings are therefore never
//! freed: the rings a CPU had are kept, one per size (sizes are powers of
//! two, so at most a few dozen), and a resize back to a size used before
//! takes that ring again. The caller clears the trace after a resize
//! (`flight_recorder::clear`), so no reader expects an event of the old ring.

use super::TraceRing;
use alloc::boxed::Box;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicPtr, Ordering};

/// The ring a CPU records into now, and the ones it had.
pub struct ResizableRing {
    current: AtomicPtr<TraceRing<'static>>,
    /// Every ring this CPU had (current included), by capacity; only
    /// `resize` touches it, under the caller's lock.
    kept: spin::Mutex<Vec<&'static TraceRing<'static>>>,
}

impl ResizableRing {
    /// A ring of `capacity` events (a power of two).
    pub fn leak_new(capacity: usize) -> Self {
        let ring: &'static TraceRing<'static> = Box::leak(Box::new(TraceRing::leak_new(capacity)));
        Self { current: AtomicPtr::new(ring as *const _ as *mut _), kept: spin::Mutex::new(alloc::vec![ring]) }
    }

    /// The ring in use now.
    #[inline]
    pub fn ring(&self) -> &'static TraceRing<'static> {
        // SAFETY: `current` always holds a pointer made from a leaked
        // `&'static TraceRing` (here or in `resize`), never freed.
        unsafe { &*self.current.load(Ordering::Acquire) }
    }

    /// Switches to a ring of `capacity` events (a power of two), the one
    /// kept from before if there is one.
    pub fn resize(&self, capacity: usize) {
        let mut kept = self.kept.lock();
        let ring = match kept.iter().find(|ring| ring.capacity() == capacity) {
            Some(ring) => *ring,
            None => {
                let ring: &'static TraceRing<'static> = Box::leak(Box::new(TraceRing::leak_new(capacity)));
                kept.push(ring);
                ring
            }
        };
        self.current.store(ring as *const _ as *mut _, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::TraceEvent;

    #[test]
    fn resizing_switches_rings_and_reuses_a_size_used_before() {
        let resizable = ResizableRing::leak_new(8);
        let first = resizable.ring() as *const TraceRing<'static>;
        resizable.ring().write(1, 10, TraceEvent::irq_entry(3));
        resizable.resize(32);
        assert_eq!(resizable.ring().capacity(), 32);
        assert_eq!(resizable.ring().snapshot(2).events.len(), 0, "a fresh ring");
        resizable.resize(8);
        assert_eq!(resizable.ring() as *const TraceRing<'static>, first, "the 8-slot ring again");
        assert_eq!(resizable.kept.lock().len(), 2);
    }
}
