//! `test=producer_consumer`: producers on some CPUs and consumers on others
//! pass numbered messages through a bounded queue guarded by a sleeping
//! mutex, blocking on wait queues when it is full or empty. Every message
//! must arrive exactly once.

use crate::sched::{Mutex, WaitQueue};
use alloc::collections::VecDeque;
use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU8, AtomicUsize, Ordering};

const PRODUCERS: u64 = 4;
const CONSUMERS: u64 = 4;
const MESSAGES_PER_PRODUCER: u64 = 2_000;
const CAPACITY: usize = 16;
/// A consumer that receives this stops.
const STOP: u64 = u64::MAX;

struct Channel {
    queue: Mutex<VecDeque<u64>>,
    /// `queue.len()`, updated under the mutex, read by the wait conditions
    /// (which run under a wait queue's spinlock and cannot take the mutex).
    length: AtomicUsize,
    not_empty: WaitQueue,
    not_full: WaitQueue,
    /// How many times each message arrived.
    received: Vec<AtomicU8>,
}

impl Channel {
    fn send(&self, message: u64) {
        loop {
            {
                let mut queue = self.queue.lock();
                if queue.len() < CAPACITY {
                    queue.push_back(message);
                    self.length.store(queue.len(), Ordering::Release);
                    drop(queue);
                    self.not_empty.wake_one();
                    return;
                }
            }
            self.not_full.wait_until(|| self.has_room());
        }
    }

    fn receive(&self) -> u64 {
        loop {
            {
                let mut queue = self.queue.lock();
                if let Some(message) = queue.pop_front() {
                    self.length.store(queue.len(), Ordering::Release);
                    drop(queue);
                    self.not_full.wake_one();
                    return message;
                }
            }
            self.not_empty.wait_until(|| self.has_messages());
        }
    }

    fn has_room(&self) -> bool {
        self.length.load(Ordering::Acquire) < CAPACITY
    }

    fn has_messages(&self) -> bool {
        self.length.load(Ordering::Acquire) > 0
    }
}

pub fn run() -> Result<(), String> {
    let cpus = super::support::online_cpus();
    let cpu_count = cpus.len();
    let total = PRODUCERS * MESSAGES_PER_PRODUCER;
    let channel = Arc::new(Channel {
        queue: Mutex::new(VecDeque::new()),
        length: AtomicUsize::new(0),
        not_empty: WaitQueue::new(),
        not_full: WaitQueue::new(),
        received: (0..total).map(|_| AtomicU8::new(0)).collect(),
    });
    let mut consumers = Vec::new();
    for index in 0..CONSUMERS {
        let channel = channel.clone();
        let cpu = cpus[(index as usize * 2 + 1) % cpu_count];
        consumers.push(
            crate::sched::spawn_pinned(cpu, format!("consumer-{index}"), move || loop {
                let message = channel.receive();
                if message == STOP {
                    break;
                }
                channel.received[message as usize].fetch_add(1, Ordering::Relaxed);
            })
            .map_err(|error| format!("spawn: {error}"))?,
        );
    }
    let mut producers = Vec::new();
    for index in 0..PRODUCERS {
        let channel = channel.clone();
        let cpu = cpus[(index as usize * 2) % cpu_count];
        producers.push(
            crate::sched::spawn_pinned(cpu, format!("producer-{index}"), move || {
                for sequence in 0..MESSAGES_PER_PRODUCER {
                    channel.send(index * MESSAGES_PER_PRODUCER + sequence);
                }
            })
            .map_err(|error| format!("spawn: {error}"))?,
        );
    }
    for producer in producers {
        producer.join();
    }
    for _ in 0..CONSUMERS {
        channel.send(STOP);
    }
    for consumer in consumers {
        consumer.join();
    }
    let missing = channel.received.iter().filter(|count| count.load(Ordering::Relaxed) == 0).count();
    let duplicated = channel.received.iter().filter(|count| count.load(Ordering::Relaxed) > 1).count();
    crate::kprintln!(
        "producer_consumer: {} messages, {} producers, {} consumers: {} missing, {} duplicated",
        total,
        PRODUCERS,
        CONSUMERS,
        missing,
        duplicated
    );
    if missing != 0 || duplicated != 0 {
        return Err(format!("{missing} messages missing, {duplicated} delivered more than once"));
    }
    Ok(())
}
