//! Locks and waiting. Which lock to use:
//!
//! | lock | taken from | while held |
//! |---|---|---|
//! | `IrqSpinLock` | threads *and* interrupt handlers (run queues, wait queues, sleeper lists, call queues, frames, heap, page table) | interrupts off on this CPU |
//! | `SpinLock` | threads only, short sections | preemption off on this CPU |
//! | `Mutex` | threads only, may be held across sleeps | the holder may block; waiters sleep |
//!
//! `WaitQueue` is the one blocking primitive; `Mutex` and `join` are built on it.
//! (The console keeps a bare `spin::Mutex` inside `without_interrupts`: its
//! panic path needs `try_lock` and `force_unlock`.)

mod irq_spin_lock;
mod mutex;
mod spin_lock;
mod wait_queue;

pub use irq_spin_lock::IrqSpinLock;
pub use mutex::Mutex;
pub use spin_lock::SpinLock;
pub use wait_queue::WaitQueue;
