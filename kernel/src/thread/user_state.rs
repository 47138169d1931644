//! What a user thread keeps in the CPU that the kernel does not save on
//! entry: the FS base (TLS), the user GS base (in IA32_KERNEL_GS_BASE while
//! the kernel runs) and the x87/SSE/AVX registers. The scheduler saves them
//! when it switches away from a user thread and loads them when it switches
//! to one (`sched::switch`); kernel threads have none.

use alloc::alloc::{alloc_zeroed, dealloc, Layout};
use core::cell::UnsafeCell;
use core::ptr::NonNull;
use x86_64::registers::model_specific::{FsBase, KernelGsBase};
use x86_64::VirtAddr;

/// The registers themselves.
struct Registers {
    fs_base: u64,
    gs_base: u64,
    /// `arch::fpu::image_bytes()` bytes, aligned for `xsave`.
    fpu_image: NonNull<u8>,
}

/// See the module doc. Owned by one thread; touched only by the CPU
/// running it, or by the CPU switching it out or in while it holds the
/// thread's `on_cpu` (the same rule as the thread's saved RSP).
pub struct UserState {
    registers: UnsafeCell<Registers>,
}

// SAFETY: see the type doc: one CPU at a time, ordered by `on_cpu`.
unsafe impl Sync for UserState {}
// SAFETY: the image is a heap buffer this value alone owns.
unsafe impl Send for UserState {}

fn fpu_layout() -> Layout {
    Layout::from_size_align(arch::fpu::image_bytes(), arch::fpu::IMAGE_ALIGN).expect("FPU image layout")
}

impl UserState {
    /// The state a new program starts with: bases 0, clean FPU (x87
    /// control word 0x37F, MXCSR 0x1F80). `None` when out of memory.
    pub fn new_initial() -> Option<UserState> {
        let layout = fpu_layout();
        // SAFETY: the layout has a non-zero size.
        let image = NonNull::new(unsafe { alloc_zeroed(layout) })?;
        // SAFETY: a fresh, zeroed buffer of `layout.size()` bytes.
        arch::fpu::write_initial_image(unsafe { core::slice::from_raw_parts_mut(image.as_ptr(), layout.size()) });
        Some(UserState { registers: UnsafeCell::new(Registers { fs_base: 0, gs_base: 0, fpu_image: image }) })
    }

    /// A copy of the calling thread's user registers as they are in the
    /// CPU now (for `clone`: the child starts with the parent's).
    ///
    /// # Safety
    /// `self` must be the calling thread's own state.
    pub unsafe fn duplicate_running(&self) -> Option<UserState> {
        let copy = UserState::new_initial()?;
        arch::cpu::without_interrupts(|| {
            // SAFETY: our own state, interrupts off (the caller's contract).
            unsafe { self.save_from_cpu() };
            // SAFETY: as above; `copy` is fresh; both images have
            // `fpu_layout()` bytes.
            unsafe {
                let from = &*self.registers.get();
                let to = &mut *copy.registers.get();
                to.fs_base = from.fs_base;
                to.gs_base = from.gs_base;
                core::ptr::copy_nonoverlapping(from.fpu_image.as_ptr(), to.fpu_image.as_ptr(), fpu_layout().size());
            }
        });
        Some(copy)
    }

    /// Sets the FS base of a state no thread uses yet (`CLONE_SETTLS`).
    pub fn set_fs_base_before_start(&mut self, base: u64) {
        self.registers.get_mut().fs_base = base;
    }

    /// Back to the state a new program starts with, in the state and in
    /// the CPU (`execve`).
    ///
    /// # Safety
    /// As for `set_fs_base`.
    pub unsafe fn reset_to_initial(&self) {
        // SAFETY: the caller's contract makes us the only user.
        let registers = unsafe { &mut *self.registers.get() };
        registers.fs_base = 0;
        registers.gs_base = 0;
        let size = fpu_layout().size();
        // SAFETY: the image has `size` bytes and is ours.
        let image = unsafe { core::slice::from_raw_parts_mut(registers.fpu_image.as_ptr(), size) };
        image.fill(0);
        arch::fpu::write_initial_image(image);
        // SAFETY: as above.
        unsafe { self.load_into_cpu() };
    }

    /// A clean FPU (as a new program has), in the state and the CPU; the
    /// bases stay (a signal handler starts like this).
    ///
    /// # Safety
    /// As for `set_fs_base`.
    pub unsafe fn reset_fpu_to_initial(&self) {
        // SAFETY: the caller's contract makes us the only user.
        let registers = unsafe { &mut *self.registers.get() };
        let size = fpu_layout().size();
        // SAFETY: the image has `size` bytes and is ours.
        let image = unsafe { core::slice::from_raw_parts_mut(registers.fpu_image.as_ptr(), size) };
        image.fill(0);
        arch::fpu::write_initial_image(image);
        // SAFETY: a clean image.
        unsafe { arch::fpu::restore(registers.fpu_image.as_ptr()) };
    }

    /// The saved FPU image (after `save_from_cpu`), for a signal frame.
    ///
    /// # Safety
    /// As for `set_fs_base`.
    pub unsafe fn fpu_image(&self) -> &[u8] {
        // SAFETY: the caller's contract; the image has `fpu_layout()` bytes.
        unsafe { core::slice::from_raw_parts((*self.registers.get()).fpu_image.as_ptr(), fpu_layout().size()) }
    }

    /// Replaces the FPU image with `image` (from a signal frame) if the
    /// CPU can restore it, and loads it; false (nothing changed) if not.
    ///
    /// # Safety
    /// As for `set_fs_base`.
    pub unsafe fn restore_fpu_image(&self, image: &[u8]) -> bool {
        if !arch::fpu::image_is_restorable(image) {
            return false;
        }
        // SAFETY: the caller's contract.
        let registers = unsafe { &mut *self.registers.get() };
        let size = fpu_layout().size();
        // SAFETY: the image has `size` bytes and is ours; `image` has at
        // least `size` (checked by `image_is_restorable`).
        unsafe { core::ptr::copy_nonoverlapping(image.as_ptr(), registers.fpu_image.as_ptr(), size) };
        // SAFETY: a checked image.
        unsafe { arch::fpu::restore(registers.fpu_image.as_ptr()) };
        true
    }

    /// Saves the CPU's user registers into this state.
    ///
    /// # Safety
    /// Interrupts off, on the CPU that runs (or is switching out) this
    /// state's thread, which holds its `on_cpu`.
    pub unsafe fn save_from_cpu(&self) {
        // SAFETY: the caller's contract makes us the only user.
        let registers = unsafe { &mut *self.registers.get() };
        // The bases are not read back: with FSGSBASE off, only
        // `arch_prctl` changes them, and it updates the state too. (Loading
        // a segment selector into FS or GS from ring 3 would change the
        // base behind our back; Linux tracks the selector for that, we do
        // not: such a program gets its old base back at the next switch.)
        // SAFETY: an image of the right size and alignment; FPU enabled at boot.
        unsafe { arch::fpu::save(registers.fpu_image.as_ptr()) };
    }

    /// Loads this state into the CPU.
    ///
    /// # Safety
    /// As for `save_from_cpu`; the kernel must not be in user GS (it is
    /// not: the user GS base lives in KERNEL_GS_BASE while the kernel runs).
    pub unsafe fn load_into_cpu(&self) {
        // SAFETY: the caller's contract makes us the only user.
        let registers = unsafe { &*self.registers.get() };
        // Both bases are user-half addresses (`set_fs_base` and
        // `set_gs_base` refuse others), so `VirtAddr::new` cannot panic.
        FsBase::write(VirtAddr::new_truncate(registers.fs_base));
        KernelGsBase::write(VirtAddr::new_truncate(registers.gs_base));
        // SAFETY: an image `save` wrote or the clean initial one.
        unsafe { arch::fpu::restore(registers.fpu_image.as_ptr()) };
    }

    /// Sets the FS base, in the state and in the CPU.
    ///
    /// # Safety
    /// As for `save_from_cpu` (the calling thread's own state, interrupts
    /// off so that a switch cannot save the old MSR value over it).
    pub unsafe fn set_fs_base(&self, base: u64) {
        // SAFETY: the caller's contract.
        unsafe { (*self.registers.get()).fs_base = base };
        FsBase::write(VirtAddr::new_truncate(base));
    }

    /// Sets the user GS base, in the state and in the CPU.
    ///
    /// # Safety
    /// As for `set_fs_base`.
    pub unsafe fn set_gs_base(&self, base: u64) {
        // SAFETY: the caller's contract.
        unsafe { (*self.registers.get()).gs_base = base };
        KernelGsBase::write(VirtAddr::new_truncate(base));
    }

    /// The FS base in force (the CPU's, for the running thread).
    pub fn fs_base_of_running_thread() -> u64 {
        FsBase::read().as_u64()
    }

    /// The user GS base in force (the CPU's, for the running thread).
    pub fn gs_base_of_running_thread() -> u64 {
        KernelGsBase::read().as_u64()
    }
}

impl Drop for UserState {
    fn drop(&mut self) {
        // SAFETY: allocated in `new_initial` with this layout.
        unsafe { dealloc(self.registers.get_mut().fpu_image.as_ptr(), fpu_layout()) };
    }
}
