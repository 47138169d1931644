//! `futex`: WAIT, WAKE and their BITSET forms (what musl, glibc and Rust's
//! `std` use), private or not (memory is never shared between address
//! spaces yet, so both key on the address space and the address).
//!
//! A waiter checks the word and queues itself under the table lock, so a
//! waker that changed the word and then takes the lock finds it: no lost
//! wake-ups. A woken waiter is removed by its waker. Waits with a timeout
//! re-check every tick until the deadline (the scheduler has no timed
//! block yet); waits without one block.

use super::{current, Process};
use crate::sync::SpinLock;
use crate::thread::WaitQueue;
use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, Ordering};
use protocol::linux_abi::Errno;

const FUTEX_WAIT: u64 = 0;
const FUTEX_WAKE: u64 = 1;
const FUTEX_WAIT_BITSET: u64 = 9;
const FUTEX_WAKE_BITSET: u64 = 10;
const FUTEX_PRIVATE_FLAG: u64 = 128;
const FUTEX_CLOCK_REALTIME: u64 = 256;
const FUTEX_BITSET_MATCH_ANY: u32 = u32::MAX;
/// How often a timed wait looks at its deadline, in microseconds.
const TIMED_WAIT_RECHECK_MICROS: u64 = 1000;

/// Where a futex lives: the address space (its memory's address) and the
/// user address of the word.
type Key = (usize, u64);

struct Waiter {
    bitset: u32,
    woken: AtomicBool,
    queue: WaitQueue,
}

static TABLE: SpinLock<BTreeMap<Key, Vec<Arc<Waiter>>>> = SpinLock::new(BTreeMap::new());

fn key_of(process: &Process, address: u64) -> Result<Key, Errno> {
    if !address.is_multiple_of(4) {
        return Err(Errno::EINVAL);
    }
    let memory = process.memory()?;
    Ok((Arc::as_ptr(&memory) as usize, address))
}

/// Wakes up to `count` waiters on `address` whose bitset meets `bitset`.
fn wake(key: Key, count: u64, bitset: u32) -> u64 {
    let mut woken = Vec::new();
    {
        let mut table = TABLE.lock();
        if let Some(waiters) = table.get_mut(&key) {
            let mut index = 0;
            while index < waiters.len() && (woken.len() as u64) < count {
                if waiters[index].bitset & bitset != 0 {
                    woken.push(waiters.remove(index));
                } else {
                    index += 1;
                }
            }
            if waiters.is_empty() {
                table.remove(&key);
            }
        }
    }
    for waiter in &woken {
        waiter.woken.store(true, Ordering::Release);
        waiter.queue.wake_all();
    }
    woken.len() as u64
}

/// Wakes `count` waiters of `process` on `address` (thread exit's
/// `clear_child_tid`).
pub fn wake_address(process: &Process, address: u64, count: u64) {
    if let Ok(key) = key_of(process, address) {
        wake(key, count, FUTEX_BITSET_MATCH_ANY);
    }
}

fn wait(key: Key, address: u64, expected: u32, deadline_nanos: Option<u64>, bitset: u32) -> Result<u64, Errno> {
    let waiter = Arc::new(Waiter { bitset, woken: AtomicBool::new(false), queue: WaitQueue::new() });
    {
        let mut table = TABLE.lock();
        // The word is read under the table lock: a waker that changed it
        // takes this lock after us and finds us queued.
        let value: u32 = crate::uaccess::read_value(address)?;
        if value != expected {
            return Err(Errno::EAGAIN);
        }
        table.entry(key).or_default().push(waiter.clone());
    }
    let gave_up = match deadline_nanos {
        None => waiter.queue.wait_until_interruptible(|| waiter.woken.load(Ordering::Acquire)).err().map(|_| Errno::ERESTARTSYS),
        Some(deadline) => loop {
            if waiter.woken.load(Ordering::Acquire) {
                break None;
            }
            if now_for_deadline() >= deadline {
                break Some(Errno::ETIMEDOUT);
            }
            if crate::sched::sleep_micros_interruptible(TIMED_WAIT_RECHECK_MICROS).is_err() {
                break Some(Errno::EINTR);
            }
        },
    };
    let Some(error) = gave_up else { return Ok(0) };
    // Leave the queue, unless a waker took us out meanwhile (then the
    // wake-up counts: report success).
    let mut table = TABLE.lock();
    if waiter.woken.load(Ordering::Acquire) {
        return Ok(0);
    }
    if let Some(waiters) = table.get_mut(&key) {
        waiters.retain(|other| !Arc::ptr_eq(other, &waiter));
        if waiters.is_empty() {
            table.remove(&key);
        }
    }
    Err(error)
}

fn now_for_deadline() -> u64 {
    crate::clock::monotonic_nanos()
}

pub fn futex(address: u64, operation: u64, value: u64, timeout: u64, _address2: u64, value3: u64) -> Result<u64, Errno> {
    let user = current().ok_or(Errno::EPERM)?;
    let command = operation & !(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
    let key = key_of(&user.process, address)?;
    match command {
        FUTEX_WAIT | FUTEX_WAIT_BITSET => {
            let bitset = if command == FUTEX_WAIT { FUTEX_BITSET_MATCH_ANY } else { value3 as u32 };
            if bitset == 0 {
                return Err(Errno::EINVAL);
            }
            let deadline = if timeout == 0 {
                None
            } else {
                let nanos = crate::uaccess::read_timespec(timeout)?;
                Some(if command == FUTEX_WAIT {
                    // Relative.
                    now_for_deadline().saturating_add(nanos)
                } else if operation & FUTEX_CLOCK_REALTIME != 0 {
                    // Absolute, on the wall clock: convert to monotonic.
                    now_for_deadline().saturating_add(nanos.saturating_sub(crate::clock::realtime_nanos()))
                } else {
                    nanos
                })
            };
            drop(user);
            wait(key, address, value as u32, deadline, bitset)
        }
        FUTEX_WAKE | FUTEX_WAKE_BITSET => {
            let bitset = if command == FUTEX_WAKE { FUTEX_BITSET_MATCH_ANY } else { value3 as u32 };
            if bitset == 0 {
                return Err(Errno::EINVAL);
            }
            Ok(wake(key, value.min(i32::MAX as u64), bitset))
        }
        _ => Err(Errno::ENOSYS),
    }
}
