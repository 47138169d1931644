//! The x87/SSE/AVX register file of user threads: turning it on per CPU and
//! saving and restoring it with `xsave`/`xrstor` (`fxsave`/`fxrstor` where
//! XSAVE is missing). The kernel itself never touches these registers (its
//! target is soft-float), so only switches between user threads move them.
//!
//! An image is a 64-byte aligned buffer of [`image_bytes`] bytes (CPUID leaf
//! 0xD for the components enabled in XCR0, or the 512-byte legacy area);
//! the owner of the buffer lives in the kernel (`thread::UserState`).

use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use x86_64::registers::control::{Cr0, Cr0Flags, Cr4, Cr4Flags};
use x86_64::registers::xcontrol::{XCr0, XCr0Flags};

/// Alignment `xsave` requires of its area.
pub const IMAGE_ALIGN: usize = 64;
/// Size of the legacy `fxsave` area (also the start of every XSAVE area).
pub const LEGACY_AREA_BYTES: usize = 512;
/// x87 control word after `finit`: every exception masked, 64-bit precision.
pub const INITIAL_X87_CONTROL_WORD: u16 = 0x37f;
/// MXCSR at reset: every SSE exception masked, round to nearest.
pub const INITIAL_MXCSR: u32 = 0x1f80;
/// Byte offsets in the legacy area (SDM vol. 1, "FXSAVE").
const X87_CONTROL_WORD_OFFSET: usize = 0;
const MXCSR_OFFSET: usize = 24;
const MXCSR_MASK_OFFSET: usize = 28;
/// MXCSR bits the CPU accepts when the area says nothing (SDM: "if the
/// MXCSR_MASK field is 0, use 0xFFBF").
const DEFAULT_MXCSR_MASK: u32 = 0xffbf;

/// The user-state components enabled in XCR0 when the CPU has them: x87,
/// SSE, AVX and the three AVX-512 parts.
const WANTED_COMPONENTS: XCr0Flags = XCr0Flags::X87
    .union(XCr0Flags::SSE)
    .union(XCr0Flags::AVX)
    .union(XCr0Flags::OPMASK)
    .union(XCr0Flags::ZMM_HI256)
    .union(XCr0Flags::HI16_ZMM);

static USES_XSAVE: AtomicBool = AtomicBool::new(false);
/// The components enabled in XCR0 (what an XSAVE header may name).
static ENABLED_COMPONENTS: AtomicUsize = AtomicUsize::new(0);
/// The XSAVE header follows the legacy area: XSTATE_BV, XCOMP_BV, then
/// 48 reserved bytes that must be zero.
const XSAVE_HEADER_BYTES: usize = 64;
/// Set by `refuse_xsave` (kernel argument `noxsave`).
static XSAVE_REFUSED: AtomicBool = AtomicBool::new(false);

/// Uses `fxsave`/`fxrstor` (x87 and SSE only) even where XSAVE exists; for
/// hypervisors that cannot run `xsave`/`xrstor`. Call before the first
/// `enable_on_this_cpu`.
pub fn refuse_xsave() {
    XSAVE_REFUSED.store(true, Ordering::Relaxed);
}
static IMAGE_BYTES: AtomicUsize = AtomicUsize::new(LEGACY_AREA_BYTES);
/// MXCSR bits this CPU supports (from `fxsave`'s MXCSR_MASK).
static MXCSR_SUPPORTED: AtomicUsize = AtomicUsize::new(DEFAULT_MXCSR_MASK as usize);

/// Turns on the FPU, SSE and (when present) XSAVE with every wanted
/// component on the calling CPU, and records the image size. Every CPU
/// runs it before entering ring 3; all CPUs of a machine agree on the size.
pub fn enable_on_this_cpu() {
    let cpuid = raw_cpuid::CpuId::new();
    let has_xsave = cpuid.get_feature_info().is_some_and(|features| features.has_xsave()) && !XSAVE_REFUSED.load(Ordering::Relaxed);
    // SAFETY: MP set, EM and TS clear: x87/SSE instructions run natively and
    // never trap; the kernel does not use them, so nothing it holds changes.
    unsafe {
        Cr0::update(|cr0| {
            cr0.insert(Cr0Flags::MONITOR_COPROCESSOR);
            cr0.remove(Cr0Flags::EMULATE_COPROCESSOR | Cr0Flags::TASK_SWITCHED);
        })
    };
    let mut cr4 = Cr4Flags::OSFXSR | Cr4Flags::OSXMMEXCPT_ENABLE;
    if has_xsave {
        cr4 |= Cr4Flags::OSXSAVE;
    }
    // SAFETY: enables FXSAVE/SSE and XSAVE, which the CPU offers; changes
    // no memory.
    unsafe { Cr4::update(|flags| flags.insert(cr4)) };
    let bytes = if has_xsave {
        let supported = cpuid.get_extended_state_info().map_or(XCr0Flags::empty(), |state| {
            let mut supported = XCr0Flags::X87 | XCr0Flags::SSE;
            supported.set(XCr0Flags::AVX, state.xcr0_supports_avx_256());
            let avx512 = state.xcr0_supports_avx512_opmask()
                && state.xcr0_supports_avx512_zmm_hi256()
                && state.xcr0_supports_avx512_zmm_hi16();
            supported.set(XCr0Flags::OPMASK | XCr0Flags::ZMM_HI256 | XCr0Flags::HI16_ZMM, avx512);
            supported
        });
        let components = supported & WANTED_COMPONENTS;
        // SAFETY: only components the CPU supports, x87 always among them,
        // and AVX-512 parts only all together (CPUs offer them together).
        // (`write_raw` is a bare `xsetbv`: `write` first reads XCR0 with
        // `xgetbv`, which the instruction-emulating KVM of our build
        // machines cannot execute.)
        unsafe { XCr0::write_raw((components | XCr0Flags::X87 | XCr0Flags::SSE).bits()) };
        ENABLED_COMPONENTS.store((components | XCr0Flags::X87 | XCr0Flags::SSE).bits() as usize, Ordering::Relaxed);
        // Leaf 0xD's EBX is the size for what XCR0 now enables.
        raw_cpuid::CpuId::new()
            .get_extended_state_info()
            .map_or(LEGACY_AREA_BYTES, |state| state.xsave_area_size_enabled_features() as usize)
    } else {
        LEGACY_AREA_BYTES
    };
    USES_XSAVE.store(has_xsave, Ordering::Relaxed);
    IMAGE_BYTES.store(bytes.max(LEGACY_AREA_BYTES), Ordering::Relaxed);
    MXCSR_SUPPORTED.store(probe_mxcsr_mask() as usize, Ordering::Relaxed);
}

/// Whether images are saved with XSAVE (else FXSAVE).
pub fn uses_xsave() -> bool {
    USES_XSAVE.load(Ordering::Relaxed)
}

/// Bytes of one register image on this machine.
pub fn image_bytes() -> usize {
    IMAGE_BYTES.load(Ordering::Relaxed)
}

/// Fills `image` (zeroed, [`image_bytes`] long) with the state a new user
/// program starts with: everything zero, x87 control word 0x37F, MXCSR
/// 0x1F80. (With XSAVE, an all-zero header means "initial state" for every
/// component, and MXCSR comes from the legacy area.)
pub fn write_initial_image(image: &mut [u8]) {
    image[X87_CONTROL_WORD_OFFSET..X87_CONTROL_WORD_OFFSET + 2].copy_from_slice(&INITIAL_X87_CONTROL_WORD.to_le_bytes());
    image[MXCSR_OFFSET..MXCSR_OFFSET + 4].copy_from_slice(&INITIAL_MXCSR.to_le_bytes());
}

/// Whether `image` (for example one a user program handed back in a signal
/// frame) may be given to `xrstor`/`fxrstor` without a fault: it has the
/// full size, MXCSR holds no reserved bit, and (XSAVE) the header names
/// only enabled components, uses the standard format and has its reserved
/// bytes zero.
pub fn image_is_restorable(image: &[u8]) -> bool {
    if image.len() < image_bytes() {
        return false;
    }
    let word = |offset: usize| u64::from_le_bytes(image[offset..offset + 8].try_into().expect("8 bytes"));
    let mxcsr = u32::from_le_bytes(image[MXCSR_OFFSET..MXCSR_OFFSET + 4].try_into().expect("4 bytes"));
    if mxcsr & !(MXCSR_SUPPORTED.load(Ordering::Relaxed) as u32) != 0 {
        return false;
    }
    if !USES_XSAVE.load(Ordering::Relaxed) {
        return true;
    }
    let header = LEGACY_AREA_BYTES;
    let enabled = ENABLED_COMPONENTS.load(Ordering::Relaxed) as u64;
    word(header) & !enabled == 0
        && word(header + 8) == 0
        && image[header + 16..header + XSAVE_HEADER_BYTES].iter().all(|&byte| byte == 0)
}

/// Saves this CPU's x87/SSE/AVX registers into `image`.
///
/// # Safety
/// `image` must point to [`image_bytes`] writable bytes aligned to
/// [`IMAGE_ALIGN`], and `enable_on_this_cpu` must have run on this CPU.
pub unsafe fn save(image: *mut u8) {
    if USES_XSAVE.load(Ordering::Relaxed) {
        // SAFETY: the caller's contract; EDX:EAX all ones = every enabled component.
        unsafe { core::arch::asm!("xsave64 [{}]", in(reg) image, in("eax") u32::MAX, in("edx") u32::MAX, options(nostack)) };
    } else {
        // SAFETY: the caller's contract (512 bytes, 16-byte aligned at least).
        unsafe { core::arch::asm!("fxsave64 [{}]", in(reg) image, options(nostack)) };
    }
}

/// Loads this CPU's x87/SSE/AVX registers from `image`.
///
/// # Safety
/// As for [`save`], and `image` must be one `save` wrote or
/// `write_initial_image` made, or one [`image_is_restorable`] accepted
/// (a reserved bit in it makes `xrstor` raise #GP in the kernel).
pub unsafe fn restore(image: *const u8) {
    if USES_XSAVE.load(Ordering::Relaxed) {
        // SAFETY: the caller's contract.
        unsafe { core::arch::asm!("xrstor64 [{}]", in(reg) image, in("eax") u32::MAX, in("edx") u32::MAX, options(nostack)) };
    } else {
        // SAFETY: the caller's contract.
        unsafe { core::arch::asm!("fxrstor64 [{}]", in(reg) image, options(nostack)) };
    }
}

/// MXCSR bits the CPU supports, from a throw-away `fxsave`.
fn probe_mxcsr_mask() -> u32 {
    #[repr(C, align(16))]
    struct LegacyArea([u8; LEGACY_AREA_BYTES]);
    let mut area = LegacyArea([0; LEGACY_AREA_BYTES]);
    // SAFETY: a 512-byte, 16-byte aligned buffer on our stack.
    unsafe { core::arch::asm!("fxsave64 [{}]", in(reg) area.0.as_mut_ptr(), options(nostack)) };
    let bytes = &area.0[MXCSR_MASK_OFFSET..MXCSR_MASK_OFFSET + 4];
    match u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) {
        0 => DEFAULT_MXCSR_MASK,
        mask => mask,
    }
}
