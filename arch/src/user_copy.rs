//! The one routine through which the kernel touches user memory: a byte
//! copy bracketed by `stac`/`clac` (when SMAP is on), whose single faulting
//! instruction has a recovery address. The page-fault handler first tries
//! to resolve a fault at [`fault_site`] the normal way (demand paging,
//! copy-on-write); only if that fails does it resume at the recovery
//! address, and the copy reports how many bytes it did not move. Range
//! checks (user half, no wrap-around) belong to the caller, `kernel::uaccess`.
//!
//! ```text
//! arch_copy_user(dst = rdi, src = rsi, len = rdx) -> rax = bytes not copied
//!   rcx = len; stac (if SMAP)
//!   fault site: rep movsb          (a fault leaves rcx = bytes left)
//!   clac (if SMAP); rax = rcx; ret
//!   recovery: the same tail
//! ```

use crate::protection::SMAP_ACTIVE;

core::arch::global_asm!(
    r#"
    .pushsection .text.arch_copy_user, "ax"
    .global arch_copy_user
    .global arch_copy_user_fault_site
    .global arch_copy_user_recovery
arch_copy_user:
    mov rcx, rdx
    cmp byte ptr [rip + {smap_active}], 0
    je 1f
    stac
1:
arch_copy_user_fault_site:
    rep movsb
arch_copy_user_recovery:
    cmp byte ptr [rip + {smap_active}], 0
    je 2f
    clac
2:  mov rax, rcx
    ret
    .popsection
    "#,
    smap_active = sym SMAP_ACTIVE,
);

unsafe extern "C" {
    fn arch_copy_user(destination: *mut u8, source: *const u8, length: usize) -> usize;
    fn arch_copy_user_fault_site();
    fn arch_copy_user_recovery();
}

/// Copies `length` bytes from `source` to `destination`, one of which is
/// user memory; returns how many bytes at the end were not copied because
/// a page fault there could not be resolved (0 on success).
///
/// # Safety
/// The kernel-side buffer must be valid for `length` bytes; the user-side
/// range must lie entirely in the user half (checked by the caller: the
/// routine relies on the fault handler, which only rescues user addresses).
pub unsafe fn copy(destination: *mut u8, source: *const u8, length: usize) -> usize {
    // SAFETY: the caller's contract; the routine follows the C ABI.
    unsafe { arch_copy_user(destination, source, length) }
}

/// The address of the one instruction in the routine that may fault.
pub fn fault_site() -> u64 {
    arch_copy_user_fault_site as *const () as u64
}

/// Where a fault at [`fault_site`] that cannot be resolved resumes: the
/// routine's tail, which returns the bytes left in RCX.
pub fn recovery_for(rip: u64) -> Option<u64> {
    (rip == fault_site()).then_some(arch_copy_user_recovery as *const () as u64)
}
