//! The faulting instructions themselves, one function per kind. Inline
//! assembly makes each fault exactly the instruction named (a Rust null
//! dereference or division by zero would be UB or a panic instead).

use std::arch::asm;

/// Kernel-half address used as a bad pointer (where this kernel is linked).
pub const KERNEL_ADDRESS: usize = 0xffff_ffff_8000_0000;

/// A word in `.rodata` (an immutable static without interior mutability).
static READ_ONLY_WORD: u64 = 0x5eed_5eed;

/// Loads from address 0.
pub fn read_null() {
    // SAFETY: deliberately faults (SIGSEGV); this runs in a child that dies of it.
    unsafe {
        asm!("mov {value}, qword ptr [{address}]", address = in(reg) 0usize, value = out(reg) _, options(nostack))
    };
}

/// Stores to a read-only static.
pub fn write_read_only() {
    let address = std::ptr::addr_of!(READ_ONLY_WORD);
    // SAFETY: deliberately faults (SIGSEGV: the page is read-only); child only.
    unsafe {
        asm!("mov qword ptr [{address}], {value}", address = in(reg) address, value = in(reg) 1u64, options(nostack))
    };
}

/// Calls a `ret` instruction placed in a stack buffer (the stack is not executable).
pub fn execute_stack() {
    let code = std::hint::black_box([0xc3u8; 16]); // ret
                                                   // SAFETY: deliberately faults (SIGSEGV: NX stack); child only. Were the
                                                   // stack executable, the call would return at once through the `ret`.
    unsafe { asm!("call {target}", target = in(reg) code.as_ptr(), clobber_abi("C")) };
}

/// Executes `ud2`.
pub fn undefined_instruction() {
    // SAFETY: deliberately faults (SIGILL); child only.
    unsafe { asm!("ud2", options(nostack)) };
}

/// Executes `div` with a zero divisor.
pub fn divide_by_zero() {
    let divisor = std::hint::black_box(0u64);
    // SAFETY: deliberately faults (SIGFPE); child only.
    unsafe {
        asm!("div {divisor}", divisor = in(reg) divisor, inout("rax") 1u64 => _, inout("rdx") 0u64 => _, options(nostack))
    };
}

/// Recurses with 1 KiB frames until the stack runs out.
pub fn overflow_stack() {
    fn recurse(depth: u64) -> u64 {
        let frame = std::hint::black_box([depth as u8; 1024]);
        if std::hint::black_box(true) {
            return recurse(depth + 1).wrapping_add(u64::from(frame[0]));
        }
        u64::from(frame[1])
    }
    std::hint::black_box(recurse(0));
}

/// Passes a kernel-half pointer to `write` (into a pipe, so a broken kernel
/// leaks nothing to the console); returns the errno (0 if it succeeded).
pub fn write_from_kernel_pointer(pipe_write_fd: i32) -> i32 {
    // SAFETY: the kernel must refuse the pointer (EFAULT); our memory is untouched.
    let written = unsafe { libc::write(pipe_write_fd, KERNEL_ADDRESS as *const libc::c_void, 16) };
    if written < 0 {
        std::io::Error::last_os_error().raw_os_error().unwrap_or(-1)
    } else {
        0
    }
}
