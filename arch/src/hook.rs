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

    /// The hook, if set. Never waits (one acquire load): while a `set` is
    /// still running, on another CPU or interrupted on this one, it returns
    /// `None`, so it is safe in interrupt and NMI context.
    pub fn get(&self) -> Option<F> {
        self.slot.get().copied()
    }
}

impl<F: Copy> Default for Hook<F> {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::Hook;

    fn one() -> u32 {
        1
    }

    #[test]
    fn empty_until_set_then_returns_the_function() {
        let hook: Hook<fn() -> u32> = Hook::new();
        assert!(hook.get().is_none());
        hook.set(one);
        assert_eq!(hook.get().map(|function| function()), Some(1));
    }

    #[test]
    #[should_panic(expected = "hook registered twice")]
    fn a_second_set_panics() {
        let hook: Hook<fn() -> u32> = Hook::new();
        hook.set(one);
        hook.set(one);
    }
}
