//! `test=user_copy`: copy-in and copy-out against every kind of bad user
//! pointer, on a kernel thread that has a process's memory loaded (SMAP on
//! where the CPU has it). Good copies must succeed (including the first
//! touch of a demand-zero page, which goes through the page-fault path);
//! bad ones must return EFAULT and leave the kernel running: null,
//! unmapped, read-only for a write, a kernel address, non-canonical, a
//! range that wraps, a buffer straddling into an unmapped page. Also the
//! C-string reader (NUL found, none before an unmapped page, too long).
//! Finally every frame the process took comes back once it is gone (the
//! second of two rounds, so that heap growth in the first is not counted).

use crate::file::FdTable;
use crate::memory::process_memory::ProcessMemory;
use crate::memory::vm_areas::{Area, AreaKind, Protection};
use crate::process::{Process, UserThread};
use crate::uaccess::{copy_from_user, copy_to_user, read_c_string};
use alloc::format;
use alloc::string::String;
use protocol::linux_abi::Errno;

const WRITABLE_START: u64 = 0x10_0000;
/// Two writable pages, then a hole.
const WRITABLE_END: u64 = WRITABLE_START + 0x2000;
const READ_ONLY_START: u64 = 0x20_0000;
const READ_ONLY_CONTENTS: &[u8] = b"read-only contents";

fn check(what: &str, ok: bool) -> Result<(), String> {
    if ok { Ok(()) } else { Err(format!("{what}: wrong result")) }
}

fn memory_with_areas() -> Result<ProcessMemory, String> {
    let mut memory = ProcessMemory::new().ok_or("no memory for a process")?;
    let area = |start, end, protection| Area { start, end, protection, kind: AreaKind::Anonymous };
    memory.add_area(area(WRITABLE_START, WRITABLE_END, Protection::READ_WRITE)).map_err(|error| format!("{error:?}"))?;
    let read_only = Protection { read: true, write: false, execute: false };
    memory.add_area(area(READ_ONLY_START, READ_ONLY_START + 0x1000, read_only)).map_err(|error| format!("{error:?}"))?;
    memory.write_bytes(READ_ONLY_START, READ_ONLY_CONTENTS).map_err(|error| format!("{error:?}"))?;
    Ok(memory)
}

fn body() -> Result<(), String> {
    let memory = memory_with_areas()?;
    let process = Process::new(crate::sched::current_thread_id(), alloc::sync::Weak::new(), String::from("user-copy"), memory, FdTable::new());
    let space = process.memory().map_err(|error| format!("{error:?}"))?;
    crate::process::attach_current(UserThread::new(process));
    crate::sched::switch_address_space(Some(space));

    // Good copies, the first one through a demand-zero fault.
    check("copy_to_user into a fresh page", copy_to_user(WRITABLE_START + 8, b"abc\0").is_ok())?;
    let mut back = [0u8; 4];
    check("copy_from_user back", copy_from_user(&mut back, WRITABLE_START + 8).is_ok() && &back == b"abc\0")?;
    let mut read_only = [0u8; READ_ONLY_CONTENTS.len()];
    check("reading a read-only page", copy_from_user(&mut read_only, READ_ONLY_START).is_ok() && read_only == READ_ONLY_CONTENTS)?;
    check("a string", read_c_string(WRITABLE_START + 8, 64) == Ok(b"abc".to_vec()))?;

    // Bad pointers: EFAULT, kernel unharmed.
    let mut buffer = [0u8; 16];
    let kernel_address = &buffer as *const _ as u64;
    let efault = Err(Errno::EFAULT);
    check("null", copy_from_user(&mut buffer, 0) == efault)?;
    check("unmapped", copy_from_user(&mut buffer, 0x5000_0000) == efault)?;
    check("write to read-only", copy_to_user(READ_ONLY_START, b"x") == efault)?;
    check("read-only page unchanged", copy_from_user(&mut read_only, READ_ONLY_START).is_ok() && read_only == READ_ONLY_CONTENTS)?;
    check("kernel address (read)", copy_from_user(&mut buffer, kernel_address) == efault)?;
    check("kernel address (write)", copy_to_user(kernel_address, b"x") == efault)?;
    check("non-canonical", copy_from_user(&mut buffer, 0x0000_8000_0000_0000) == efault)?;
    check("wrapping range", copy_from_user(&mut buffer, u64::MAX - 4) == efault)?;
    check("straddling into a hole", copy_from_user(&mut buffer, WRITABLE_END - 8) == efault)?;
    check("write straddling into a hole", copy_to_user(WRITABLE_END - 8, &[1; 16]) == efault)?;
    check("the part before the hole was written", {
        let mut head = [0u8; 8];
        copy_from_user(&mut head, WRITABLE_END - 8).is_ok()
    })?;
    // A string without a NUL before the hole, and one too long.
    check("string filling its page", copy_to_user(WRITABLE_END - 4, b"abcd").is_ok())?;
    check("string running into a hole", read_c_string(WRITABLE_END - 4, 64) == Err(Errno::EFAULT))?;
    check("string too long", copy_to_user(WRITABLE_START, &[b'a'; 100]).is_ok() && read_c_string(WRITABLE_START, 50) == Err(Errno::ENAMETOOLONG))?;
    Ok(())
}

/// Runs `body` on a new thread (which gets the process) and returns its outcome.
fn run_once() -> Result<(), String> {
    let result = alloc::sync::Arc::new(crate::sync::SpinLock::new(None));
    let result_for_thread = result.clone();
    let thread = crate::sched::spawn("user-copy", move || {
        let outcome = body();
        *result_for_thread.lock() = Some(outcome);
    })
    .map_err(|error| format!("spawn: {error}"))?;
    thread.join();
    let outcome = result.lock().take().ok_or("the test thread left no result")?;
    // Exited threads' stacks go back in batches; count them back now.
    crate::memory::kernel_stacks::reclaim_released();
    outcome
}

pub fn run() -> Result<(), String> {
    // A warm-up round first: the kernel heap keeps the frames it grew by.
    run_once()?;
    let free_before = crate::memory::frames::free_count();
    run_once()?;
    let free_after = crate::memory::frames::free_count();
    check(&format!("frames leaked: {free_before} free before, {free_after} after"), free_after == free_before)?;
    crate::kprintln!("user_copy: every good copy worked, every bad pointer gave EFAULT, no frame leaked");
    Ok(())
}
