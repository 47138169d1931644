//! Loading a program into a fresh process memory: the ELF plan's areas and
//! bytes, the heap start, the stack area and the initial stack with its
//! auxiliary vector. The caller swaps the new memory in only once loading
//! succeeded, so a failed `execve` leaves the old program running.

use super::elf_image::{self, ElfError};
use super::initial_stack::{self, StackContents};
use crate::memory::process_memory::{FaultError, ProcessMemory, MMAP_TOP, STACK_BYTES, STACK_TOP};
use crate::memory::vm_areas::{Area, AreaKind, Protection, PAGE_BYTES};
use protocol::linux_abi::auxv::*;
use alloc::vec::Vec;
use protocol::linux_abi::Errno;

/// Clock ticks per second user space is told (AT_CLKTCK; Linux's USER_HZ).
pub const USER_HZ: u64 = 100;
/// Most bytes of arguments and environment (strings and pointers) a
/// program may be given: a quarter of the stack, as Linux allows.
pub const MAX_ARGUMENT_BYTES: u64 = STACK_BYTES / 4;

/// A program ready to run.
pub struct LoadedProgram {
    pub memory: ProcessMemory,
    pub entry: u64,
    pub stack_pointer: u64,
}

/// Why a program could not be loaded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoadError {
    /// The file is not an executable we run.
    Elf(ElfError),
    /// No memory for the process.
    OutOfMemory,
    /// Arguments and environment do not fit.
    ArgumentsTooLong,
}

impl LoadError {
    /// The error number `execve` returns.
    pub fn errno(self) -> Errno {
        match self {
            LoadError::Elf(_) => Errno::ENOEXEC,
            LoadError::OutOfMemory => Errno::ENOMEM,
            LoadError::ArgumentsTooLong => Errno::E2BIG,
        }
    }
}

impl core::fmt::Display for LoadError {
    fn fmt(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            LoadError::Elf(error) => write!(formatter, "{error}"),
            LoadError::OutOfMemory => write!(formatter, "out of memory"),
            LoadError::ArgumentsTooLong => write!(formatter, "arguments and environment too long"),
        }
    }
}

fn memory_error(_: impl core::fmt::Debug) -> LoadError {
    LoadError::OutOfMemory
}

/// The CPU feature bits user space reads from AT_HWCAP (CPUID.1:EDX, as
/// Linux passes them on x86).
fn hardware_capabilities() -> u64 {
    u64::from(raw_cpuid::cpuid!(1).edx)
}

/// Loads `file` with `arguments` and `environment`; `exec_path` is the
/// path it was run as.
pub fn load(file: &[u8], arguments: &[&[u8]], environment: &[&[u8]], exec_path: &[u8]) -> Result<LoadedProgram, LoadError> {
    // `object` reads the headers in place, which needs 8-byte alignment;
    // files in a cpio archive are only 4-byte aligned.
    let realigned: Vec<u64>;
    let file = if (file.as_ptr() as usize).is_multiple_of(core::mem::align_of::<u64>()) {
        file
    } else {
        let mut words = Vec::new();
        words.try_reserve_exact(file.len().div_ceil(8)).map_err(|_| LoadError::OutOfMemory)?;
        words.resize(file.len().div_ceil(8), 0u64);
        // SAFETY: the vector holds at least `file.len()` bytes, and u64 has
        // no invalid bit patterns.
        unsafe { core::ptr::copy_nonoverlapping(file.as_ptr(), words.as_mut_ptr() as *mut u8, file.len()) };
        realigned = words;
        // SAFETY: the first `file.len()` bytes of the vector, just written.
        unsafe { core::slice::from_raw_parts(realigned.as_ptr() as *const u8, file.len()) }
    };
    let plan = elf_image::plan(file, MMAP_TOP).map_err(LoadError::Elf)?;
    let mut memory = ProcessMemory::new().ok_or(LoadError::OutOfMemory)?;
    for range in &plan.ranges {
        let area = Area { start: range.start, end: range.end, protection: range.protection, kind: AreaKind::Image };
        memory.add_area(area).map_err(memory_error)?;
    }
    for copy in &plan.copies {
        memory.write_bytes(copy.address, copy.bytes).map_err(|error| match error {
            FaultError::OutOfMemory => LoadError::OutOfMemory,
            _ => LoadError::Elf(ElfError::Malformed("segment bytes outside the segment")),
        })?;
    }
    memory.set_heap_start(plan.image_end);
    let stack_protection = Protection { execute: plan.executable_stack, ..Protection::READ_WRITE };
    let stack = Area { start: STACK_TOP - STACK_BYTES, end: STACK_TOP, protection: stack_protection, kind: AreaKind::Stack };
    memory.add_area(stack).map_err(memory_error)?;

    let auxv = [
        (AT_PHDR, plan.program_headers),
        (AT_PHENT, plan.program_header_size),
        (AT_PHNUM, plan.program_header_count),
        (AT_PAGESZ, PAGE_BYTES),
        (AT_BASE, 0),
        (AT_FLAGS, 0),
        (AT_ENTRY, plan.entry),
        (AT_UID, 0),
        (AT_EUID, 0),
        (AT_GID, 0),
        (AT_EGID, 0),
        (AT_SECURE, 0),
        (AT_HWCAP, hardware_capabilities()),
        (AT_HWCAP2, 0),
        (AT_CLKTCK, USER_HZ),
    ];
    let mut random = [0u8; 16];
    crate::entropy::fill(&mut random);
    let contents = StackContents { arguments, environment, exec_path, auxv: &auxv, random };
    let stack = initial_stack::build(&contents, STACK_TOP, MAX_ARGUMENT_BYTES).ok_or(LoadError::ArgumentsTooLong)?;
    memory.write_bytes(stack.rsp, &stack.bytes).map_err(memory_error)?;
    Ok(LoadedProgram { memory, entry: plan.entry, stack_pointer: stack.rsp })
}
