//! The leaf layer of synchronisation: guards that keep a thread on its CPU,
//! and spinlocks. Nothing here knows about threads or the scheduler (the
//! blocking primitives, `WaitQueue` and `Mutex`, live in `sched`).
//!
//! | type | taken from | while held |
//! |---|---|---|
//! | `IrqSpinLock` | threads *and* interrupt handlers (run queues, wait queues, sleeper lists, call queues, frames, heap, page table) | interrupts and preemption off on this CPU |
//! | `SpinLock` | threads only, short sections | preemption off on this CPU |
//! | `PreemptGuard` / `IrqGuard` | anywhere | the thread stays on its CPU |
//!
//! (The console keeps a bare `spin::Mutex` inside `without_interrupts`: its
//! panic path needs `try_lock` and `force_unlock`.)

mod guard;
mod irq_spin_lock;
mod spin_lock;

pub use guard::{register_preemption_point, IrqGuard, PinsCpu, PreemptGuard};
pub use irq_spin_lock::IrqSpinLock;
pub use spin_lock::SpinLock;
