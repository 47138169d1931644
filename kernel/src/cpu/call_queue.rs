//! One CPU's mailbox of function calls other CPUs asked it to run (a field
//! of its per-CPU block). The queue only; sending the IPI and running the
//! calls is `ipi`'s logic.

use crate::sync::IrqSpinLock;
use alloc::collections::VecDeque;
use core::ptr::NonNull;
use core::sync::atomic::{AtomicBool, Ordering};

/// Requests a call queue holds without allocating (it grows beyond).
const CALL_QUEUE_INITIAL_CAPACITY: usize = 16;

/// A function to run and the flag its caller waits on.
pub struct CallRequest {
    pub function: fn(),
    /// The caller's completion flag. The caller spins on it until it is
    /// set, so it outlives the request.
    done: NonNull<AtomicBool>,
}

// SAFETY: `done` points at an AtomicBool, which any CPU may set; the caller
// keeps it alive until it reads `true` (see `CallRequest::complete`).
unsafe impl Send for CallRequest {}

impl CallRequest {
    /// A request to run `function` and then set `done`.
    ///
    /// # Safety
    /// `done` must stay alive until it reads `true`.
    pub unsafe fn new(function: fn(), done: &AtomicBool) -> Self {
        Self { function, done: NonNull::from(done) }
    }

    /// Runs the function, then tells the caller.
    pub fn run_and_complete(self) {
        (self.function)();
        // SAFETY: the caller keeps the flag alive until it reads `true`
        // (contract of `new`), which happens only after this store.
        unsafe { self.done.as_ref() }.store(true, Ordering::Release);
    }
}

/// See the module doc.
pub struct CallQueue {
    requests: IrqSpinLock<VecDeque<CallRequest>>,
}

impl CallQueue {
    /// An empty queue, reserved up front so that which CPU first sends a
    /// call does not decide when heap memory is taken (tests compare heap
    /// use before and after).
    pub fn new() -> Self {
        Self { requests: IrqSpinLock::new(VecDeque::with_capacity(CALL_QUEUE_INITIAL_CAPACITY)) }
    }

    pub fn push(&self, request: CallRequest) {
        self.requests.lock().push_back(request);
    }

    pub fn pop(&self) -> Option<CallRequest> {
        self.requests.lock().pop_front()
    }
}

impl Default for CallQueue {
    fn default() -> Self {
        Self::new()
    }
}
