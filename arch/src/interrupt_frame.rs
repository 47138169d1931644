//! The register frame every entry stub builds on the stack, lowest address
//! first. The CPU pushes `ss..rip` (and an error code for some exceptions);
//! the stub pushes a dummy error code where the CPU does not, then the
//! vector, then the general-purpose registers.

use memoffset::offset_of;

/// Saved state of the interrupted context, as laid out by the entry stubs.
#[repr(C)]
#[derive(Debug, Clone, Default)]
pub struct InterruptFrame {
    pub r15: u64,
    pub r14: u64,
    pub r13: u64,
    pub r12: u64,
    pub r11: u64,
    pub r10: u64,
    pub r9: u64,
    pub r8: u64,
    pub rbp: u64,
    pub rdi: u64,
    pub rsi: u64,
    pub rdx: u64,
    pub rcx: u64,
    pub rbx: u64,
    pub rax: u64,
    /// Vector number, pushed by the stub.
    pub vector: u64,
    /// Error code from the CPU, or 0 pushed by the stub.
    pub error_code: u64,
    /// Interrupted instruction pointer (CPU-pushed from here on).
    pub rip: u64,
    pub cs: u64,
    pub rflags: u64,
    pub rsp: u64,
    pub ss: u64,
}

impl InterruptFrame {
    /// Whether the interrupted code ran in ring 3.
    pub fn from_user_mode(&self) -> bool {
        self.cs & 3 != 0
    }
}

/// Assembly that pushes the GPR block of an `InterruptFrame` (rax first, r15
/// last, at the lowest address): the one copy of that order, used by the
/// interrupt entry paths and the SYSCALL entry.
#[cfg(target_os = "none")]
macro_rules! push_general_registers {
    () => {
        "push rax\n push rbx\n push rcx\n push rdx\n push rsi\n push rdi\n push rbp\n push r8\n push r9\n push r10\n push r11\n push r12\n push r13\n push r14\n push r15\n"
    };
}
#[cfg(target_os = "none")]
pub(crate) use push_general_registers;

/// Assembly that pops what `push_general_registers!` pushed.
#[cfg(target_os = "none")]
macro_rules! pop_general_registers {
    () => {
        "pop r15\n pop r14\n pop r13\n pop r12\n pop r11\n pop r10\n pop r9\n pop r8\n pop rbp\n pop rdi\n pop rsi\n pop rdx\n pop rcx\n pop rbx\n pop rax\n"
    };
}
#[cfg(target_os = "none")]
pub(crate) use pop_general_registers;

/// Offset of the saved CS from the `vector` slot: where RSP points when the
/// stub jumps to the common entry code and makes its `swapgs` decision.
pub const CS_FROM_VECTOR_OFFSET: usize =
    offset_of!(InterruptFrame, cs) - offset_of!(InterruptFrame, vector);
/// Bytes the stub pushed (vector + error code) and iretq must skip.
pub const STUB_PUSHED_BYTES: usize =
    offset_of!(InterruptFrame, rip) - offset_of!(InterruptFrame, vector);
/// Offset of `vector` from the start of the frame (bytes of saved GPRs).
pub const SAVED_REGISTERS_BYTES: usize = offset_of!(InterruptFrame, vector);

const _: () = assert!(SAVED_REGISTERS_BYTES == 15 * 8, "15 GPRs are saved");
const _: () = assert!(STUB_PUSHED_BYTES == 16);
// The CPU aligns RSP to 16 before pushing its frame; the whole frame must be a
// multiple of 16 so the Rust handler is called with an ABI-aligned stack.
const _: () = assert!(core::mem::size_of::<InterruptFrame>().is_multiple_of(16));
