//! Thread id -> name, remembered for the trace dump (Linux's `saved_cmdlines`).
//!
//! The flight recorder stores thread ids only; this table keeps the names
//! that go with them so the dump can name every thread that appears in it.
//! A thread's name is noted when it is switched out (it is then the running
//! thread) and, at dump time, for every CPU's running thread. The table is a
//! fixed array indexed by `id % capacity`, written without locks: a newer
//! thread displaces an older one with the same index, so only the most
//! recent ids are kept (an id the dump cannot name is shown by number).
//!
//! ```text
//!  slot: id (AtomicU32: 0 empty, BUSY being written) | name: 2 x AtomicU64 | length
//!  note(id, name):  id already there -> done (the common case: one load)
//!                   else CAS old -> BUSY (a racing writer wins, we skip),
//!                   store name, store id (Release)
//!  read(slot):      a := id (Acquire); name; fence(Acquire); b := id; accept iff a == b, not 0/BUSY
//! ```

use super::{ThreadName, THREAD_NAME_MAX_BYTES};
use core::sync::atomic::{fence, AtomicU32, AtomicU64, AtomicU8, Ordering};

/// Names the table holds at once (the most recent ids; ids are handed out in order).
pub const THREAD_NAME_SLOTS: usize = 512;
/// `id` of a slot being written.
const BUSY: u32 = u32::MAX;
/// `id` of a slot never written (thread ids start at 1).
const EMPTY: u32 = 0;
const NAME_WORDS: usize = THREAD_NAME_MAX_BYTES / 8;

struct NameSlot {
    id: AtomicU32,
    length: AtomicU8,
    words: [AtomicU64; NAME_WORDS],
}

impl NameSlot {
    const fn new() -> Self {
        Self {
            id: AtomicU32::new(EMPTY),
            length: AtomicU8::new(0),
            words: [const { AtomicU64::new(0) }; NAME_WORDS],
        }
    }
}

/// See the module doc. One static instance, [`THREAD_NAMES`], serves the kernel.
pub struct ThreadNameTable {
    slots: [NameSlot; THREAD_NAME_SLOTS],
}

/// The kernel's table.
pub static THREAD_NAMES: ThreadNameTable = ThreadNameTable::new();

impl Default for ThreadNameTable {
    fn default() -> Self {
        Self::new()
    }
}

impl ThreadNameTable {
    /// An empty table.
    pub const fn new() -> Self {
        Self {
            slots: [const { NameSlot::new() }; THREAD_NAME_SLOTS],
        }
    }

    /// Remembers that thread `id` is called `name` (cut to 16 bytes), unless
    /// it is already there or another CPU is writing the same slot.
    #[inline]
    pub fn note(&self, id: u32, name: &str) {
        self.write(id, name, false);
    }

    /// Like [`note`](Self::note), but replaces the name if `id` is there
    /// already (a thread whose process has since called exec).
    pub fn rename(&self, id: u32, name: &str) {
        self.write(id, name, true);
    }

    #[inline]
    fn write(&self, id: u32, name: &str, replace: bool) {
        if id == EMPTY || id == BUSY {
            return;
        }
        let slot = &self.slots[id as usize % THREAD_NAME_SLOTS];
        let current = slot.id.load(Ordering::Relaxed);
        if (current == id && !replace) || current == BUSY {
            return;
        }
        if slot
            .id
            .compare_exchange(current, BUSY, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            return;
        }
        let name = ThreadName::new(name.as_bytes());
        let mut padded = [0u8; THREAD_NAME_MAX_BYTES];
        padded[..name.as_bytes().len()].copy_from_slice(name.as_bytes());
        for (word, chunk) in slot.words.iter().zip(padded.chunks_exact(8)) {
            let mut bytes = [0u8; 8];
            bytes.copy_from_slice(chunk);
            word.store(u64::from_le_bytes(bytes), Ordering::Relaxed);
        }
        slot.length
            .store(name.as_bytes().len() as u8, Ordering::Relaxed);
        slot.id.store(id, Ordering::Release);
    }

    /// Calls `visit(id, name)` for every complete entry, in slot order.
    pub fn for_each(&self, mut visit: impl FnMut(u32, ThreadName)) {
        for slot in &self.slots {
            let before = slot.id.load(Ordering::Acquire);
            if before == EMPTY || before == BUSY {
                continue;
            }
            let mut padded = [0u8; THREAD_NAME_MAX_BYTES];
            for (word, chunk) in slot.words.iter().zip(padded.chunks_exact_mut(8)) {
                chunk.copy_from_slice(&word.load(Ordering::Relaxed).to_le_bytes());
            }
            let length = usize::from(slot.length.load(Ordering::Relaxed)).min(THREAD_NAME_MAX_BYTES);
            // Orders the name loads before the re-check.
            fence(Ordering::Acquire);
            if slot.id.load(Ordering::Relaxed) == before {
                visit(before, ThreadName::new(&padded[..length]));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    fn entries(table: &ThreadNameTable) -> Vec<(u32, ThreadName)> {
        let mut found = Vec::new();
        table.for_each(|id, name| found.push((id, name)));
        found
    }

    #[test]
    fn noted_names_are_listed_once() {
        let table = ThreadNameTable::new();
        table.note(3, "worker-1");
        table.note(3, "renamed");
        table.note(9, "a-name-longer-than-sixteen-bytes");
        table.note(0, "never");
        assert_eq!(
            entries(&table),
            [
                (3, ThreadName::new(b"worker-1")),
                (9, ThreadName::new(b"a-name-longer-th"))
            ]
        );
    }

    #[test]
    fn rename_replaces_and_note_does_not() {
        let table = ThreadNameTable::new();
        table.note(7, "sh");
        table.note(7, "ls");
        assert_eq!(entries(&table), [(7, ThreadName::new(b"sh"))]);
        table.rename(7, "ls");
        assert_eq!(entries(&table), [(7, ThreadName::new(b"ls"))]);
    }

    #[test]
    fn a_newer_id_displaces_an_older_one_in_its_slot() {
        let table = ThreadNameTable::new();
        table.note(5, "old");
        table.note(5 + THREAD_NAME_SLOTS as u32, "new");
        assert_eq!(
            entries(&table),
            [(5 + THREAD_NAME_SLOTS as u32, ThreadName::new(b"new"))]
        );
    }

    #[test]
    fn racing_writers_never_leave_a_mixed_name() {
        use std::sync::Arc;
        let table = Arc::new(ThreadNameTable::new());
        let writers: Vec<_> = (0..4u32)
            .map(|writer| {
                let table = table.clone();
                std::thread::spawn(move || {
                    for round in 0..20_000u32 {
                        let id = 1 + (round * 4 + writer) % 64 * THREAD_NAME_SLOTS as u32;
                        table.note(id, &std::format!("t{id}"));
                    }
                })
            })
            .collect();
        for _ in 0..2_000 {
            table.for_each(|id, name| assert_eq!(name.as_bytes(), std::format!("t{id}").as_bytes()));
        }
        for writer in writers {
            writer.join().unwrap();
        }
    }
}
