//! `Hook<F>`: a typed, set-once slot for a function a lower layer calls and
//! a higher layer provides (an interrupt handler, the scheduler's tick), so
//! that dependencies point one way without storing functions as integers.
//!
//! Reading is lock-free (one acquire load once set), so hooks may be called
//! from interrupt and NMI context.

/// See the module doc.
pub struct Hook<F: Copy> {
    slot: spin::Once<F>,
}

impl<F: Copy> Hook<F> {
    /// An empty hook.
    pub const fn new() -> Self {
        Self { slot: spin::Once::new() }
    }

    /// Sets the hook. Panics if it was set before: each hook has one owner,
    /// which registers it once at boot.
    pub fn set(&self, function: F) {
        let mut fresh = false;
        self.slot.call_once(|| {
            fresh = true;
            function
        });
        assert!(fresh, "hook registered twice");
    }

    /// The hook, if set.
    pub fn get(&self) -> Option<F> {
        self.slot.get().copied()
    }
}

impl<F: Copy> Default for Hook<F> {
    fn default() -> Self {
        Self::new()
    }
}
