//! Bitmap allocator for 4 KiB physical frames over the free ranges of a memory map.
//!
//! The caller supplies the storage (a `&mut [u64]`, e.g. carved out of the first
//! usable RAM range and then `reserve_range`d). It holds two bitmaps, one bit per
//! frame:
//!
//! ```text
//! storage: [ used bitmap: words 0..n          ][ usable bitmap: words n..2n       ]
//!            1 = allocated or not RAM            1 = frame came from add_free_range
//! ```
//!
//! Every frame starts used and not usable. `add_free_range` makes frames usable
//! and free; `reserve_range` marks them used (kernel image, bitmap, trampoline).
//! `free` refuses addresses that are unaligned, beyond the bitmap, not usable RAM,
//! or already free, so a double free is reported instead of corrupting the map.

/// Size of one physical frame.
pub const FRAME_SIZE_BYTES: u64 = 4096;

const BITS_PER_WORD: usize = 64;

/// Why a frame could not be returned to the allocator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FreeError {
    /// The address is not a multiple of [`FRAME_SIZE_BYTES`].
    Unaligned { phys_addr: u64 },
    /// The address lies beyond the memory the bitmap describes.
    OutOfRange { phys_addr: u64 },
    /// The frame was never added as free RAM (a hole, MMIO, or firmware memory).
    NotUsableMemory { phys_addr: u64 },
    /// The frame is already free: a double free.
    DoubleFree { phys_addr: u64 },
}

impl core::fmt::Display for FreeError {
    fn fmt(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match *self {
            Self::Unaligned { phys_addr } => {
                write!(formatter, "frame free of unaligned address {phys_addr:#x}")
            }
            Self::OutOfRange { phys_addr } => {
                write!(
                    formatter,
                    "frame free of {phys_addr:#x} beyond the managed memory"
                )
            }
            Self::NotUsableMemory { phys_addr } => {
                write!(
                    formatter,
                    "frame free of {phys_addr:#x}, which is not usable RAM"
                )
            }
            Self::DoubleFree { phys_addr } => {
                write!(formatter, "double free of frame {phys_addr:#x}")
            }
        }
    }
}

/// Physical frame allocator backed by caller-provided bitmap storage.
pub struct BitmapFrameAllocator<'a> {
    used_bitmap: &'a mut [u64],
    usable_bitmap: &'a mut [u64],
    capacity_frames: usize,
    free_frame_count: usize,
    usable_frame_count: usize,
    /// Word index where the next single-frame search starts (next-fit).
    next_word_hint: usize,
}

impl<'a> BitmapFrameAllocator<'a> {
    /// Number of `u64` storage words needed to describe memory below `phys_limit_bytes`.
    pub const fn bitmap_words_needed(phys_limit_bytes: u64) -> usize {
        let frames = phys_limit_bytes.div_ceil(FRAME_SIZE_BYTES) as usize;
        2 * frames.div_ceil(BITS_PER_WORD)
    }

    /// Creates an allocator with every frame used and not usable.
    ///
    /// Describes memory below `phys_limit_bytes` (rounded up to a frame), or less
    /// if `storage` is shorter than [`Self::bitmap_words_needed`]; check
    /// [`Self::capacity_frames`] to see what fitted.
    pub fn new(storage: &'a mut [u64], phys_limit_bytes: u64) -> Self {
        let wanted_frames = phys_limit_bytes.div_ceil(FRAME_SIZE_BYTES) as usize;
        let words_per_bitmap = (storage.len() / 2).min(wanted_frames.div_ceil(BITS_PER_WORD));
        let capacity_frames = wanted_frames.min(words_per_bitmap * BITS_PER_WORD);
        let (used_bitmap, rest) = storage.split_at_mut(words_per_bitmap);
        let usable_bitmap = &mut rest[..words_per_bitmap];
        used_bitmap.fill(u64::MAX);
        usable_bitmap.fill(0);
        Self {
            used_bitmap,
            usable_bitmap,
            capacity_frames,
            free_frame_count: 0,
            usable_frame_count: 0,
            next_word_hint: 0,
        }
    }

    /// Frames the bitmap can describe (usable or not).
    pub fn capacity_frames(&self) -> usize {
        self.capacity_frames
    }

    /// Frames currently free.
    pub fn free_frames(&self) -> usize {
        self.free_frame_count
    }

    /// Frames the bitmap marks free: always equal to [`Self::free_frames`]
    /// unless the allocator's bookkeeping broke (a free that did not clear
    /// its bit, an allocation that did not set it). A full scan: for audits.
    pub fn free_frames_in_bitmap(&self) -> usize {
        self.used_bitmap.iter().map(|word| word.count_zeros() as usize).sum()
    }

    /// Frames of usable RAM (added by [`Self::add_free_range`]), free or in use.
    pub fn total_frames(&self) -> usize {
        self.usable_frame_count
    }

    /// Adds `[start, end)` as free RAM, shrinking it inward to whole frames.
    ///
    /// Meant for the boot-time memory map walk: overlapping ranges are counted
    /// once, and the part beyond [`Self::capacity_frames`] is ignored. Frames
    /// already marked usable keep their state (an allocated frame stays allocated).
    pub fn add_free_range(&mut self, start_phys: u64, end_phys: u64) {
        let first_frame = start_phys.div_ceil(FRAME_SIZE_BYTES);
        let end_frame = end_phys / FRAME_SIZE_BYTES;
        let (first, end) = self.clamp_frames(first_frame, end_frame);
        for frame in first..end {
            if !test_bit(self.usable_bitmap, frame) {
                set_bit(self.usable_bitmap, frame, true);
                set_bit(self.used_bitmap, frame, false);
                self.usable_frame_count += 1;
                self.free_frame_count += 1;
            }
        }
    }

    /// Marks `[start, end)` as used, growing it outward to whole frames.
    ///
    /// Use it for memory that is free in the map but taken (kernel image, this
    /// bitmap, AP trampoline, frame 0). Frames that are already used are unaffected.
    pub fn reserve_range(&mut self, start_phys: u64, end_phys: u64) {
        let first_frame = start_phys / FRAME_SIZE_BYTES;
        let end_frame = end_phys.div_ceil(FRAME_SIZE_BYTES);
        let (first, end) = self.clamp_frames(first_frame, end_frame);
        for frame in first..end {
            if !test_bit(self.used_bitmap, frame) {
                set_bit(self.used_bitmap, frame, true);
                self.free_frame_count -= 1;
            }
        }
    }

    /// Allocates one frame and returns its physical address (next-fit search).
    pub fn allocate(&mut self) -> Option<u64> {
        if self.free_frame_count == 0 {
            return None;
        }
        let word_count = self.used_bitmap.len();
        for step in 0..word_count {
            let word_index = (self.next_word_hint + step) % word_count;
            let word = self.used_bitmap[word_index];
            if word == u64::MAX {
                continue;
            }
            let frame = word_index * BITS_PER_WORD + word.trailing_ones() as usize;
            // Bits past capacity are never cleared, so `frame` is in range.
            set_bit(self.used_bitmap, frame, true);
            self.free_frame_count -= 1;
            self.next_word_hint = word_index;
            return Some(frame as u64 * FRAME_SIZE_BYTES);
        }
        None
    }

    /// Allocates `count` physically contiguous frames whose first frame number is a
    /// multiple of `align_frames` (a power of two); returns the first address.
    ///
    /// Returns `None` for `count == 0`, a non-power-of-two alignment, or no fit.
    pub fn allocate_contiguous(&mut self, count: usize, align_frames: usize) -> Option<u64> {
        if count == 0 || !align_frames.is_power_of_two() || count > self.free_frame_count {
            return None;
        }
        let mut candidate = 0usize;
        while candidate.checked_add(count)? <= self.capacity_frames {
            let window = candidate..candidate + count;
            if let Some(used_frame) = window
                .clone()
                .rev()
                .find(|&frame| test_bit(self.used_bitmap, frame))
            {
                // No window containing `used_frame` can fit; restart past it.
                candidate = (used_frame + 1).checked_next_multiple_of(align_frames)?;
                continue;
            }
            for frame in window {
                set_bit(self.used_bitmap, frame, true);
            }
            self.free_frame_count -= count;
            return Some(candidate as u64 * FRAME_SIZE_BYTES);
        }
        None
    }

    /// Returns one frame to the allocator.
    pub fn free(&mut self, phys_addr: u64) -> Result<(), FreeError> {
        let frame = self.check_freeable(phys_addr)?;
        set_bit(self.used_bitmap, frame, false);
        self.free_frame_count += 1;
        Ok(())
    }

    /// Returns `count` contiguous frames starting at `phys_addr`; all or nothing.
    pub fn free_contiguous(&mut self, phys_addr: u64, count: usize) -> Result<(), FreeError> {
        for index in 0..count as u64 {
            let frame_addr = phys_addr.saturating_add(index.saturating_mul(FRAME_SIZE_BYTES));
            self.check_freeable(frame_addr)?;
        }
        for index in 0..count as u64 {
            self.free(phys_addr + index * FRAME_SIZE_BYTES)?;
        }
        Ok(())
    }

    /// Returns `true` if the frame containing `phys_addr` is free.
    pub fn is_free(&self, phys_addr: u64) -> bool {
        let frame = phys_addr / FRAME_SIZE_BYTES;
        frame < self.capacity_frames as u64 && !test_bit(self.used_bitmap, frame as usize)
    }

    fn check_freeable(&self, phys_addr: u64) -> Result<usize, FreeError> {
        if !phys_addr.is_multiple_of(FRAME_SIZE_BYTES) {
            return Err(FreeError::Unaligned { phys_addr });
        }
        let frame = phys_addr / FRAME_SIZE_BYTES;
        if frame >= self.capacity_frames as u64 {
            return Err(FreeError::OutOfRange { phys_addr });
        }
        let frame = frame as usize;
        if !test_bit(self.usable_bitmap, frame) {
            return Err(FreeError::NotUsableMemory { phys_addr });
        }
        if !test_bit(self.used_bitmap, frame) {
            return Err(FreeError::DoubleFree { phys_addr });
        }
        Ok(frame)
    }

    fn clamp_frames(&self, first_frame: u64, end_frame: u64) -> (usize, usize) {
        let capacity = self.capacity_frames as u64;
        let end = end_frame.min(capacity);
        let first = first_frame.min(end);
        (first as usize, end as usize)
    }
}

fn test_bit(bitmap: &[u64], index: usize) -> bool {
    bitmap[index / BITS_PER_WORD] & (1 << (index % BITS_PER_WORD)) != 0
}

fn set_bit(bitmap: &mut [u64], index: usize, value: bool) {
    let mask = 1u64 << (index % BITS_PER_WORD);
    if value {
        bitmap[index / BITS_PER_WORD] |= mask;
    } else {
        bitmap[index / BITS_PER_WORD] &= !mask;
    }
}

#[cfg(test)]
mod tests;
