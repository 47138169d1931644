//! `execve`: the calling process runs a new program. Everything that can
//! fail (reading the arguments, finding and loading the file) happens
//! before the old program is touched, so a failed `execve` returns its
//! error to a program that is still intact. Then: new memory in (the old
//! goes, or stays with the `vfork` parent that shares it), close-on-exec
//! descriptors closed, caught signals back to default, clean registers,
//! and the return to ring 3 through `iretq` at the new entry point.

use super::{command_name, current};
use crate::exec::load::load;
use crate::uaccess::{read_c_string, read_value};
use alloc::sync::Arc;
use alloc::vec::Vec;
use arch::interrupt_frame::InterruptFrame;
use protocol::linux_abi::Errno;

/// Longest path (Linux's PATH_MAX without the NUL).
const MAX_PATH_BYTES: usize = 4095;
/// Longest single argument or environment string (Linux's MAX_ARG_STRLEN).
const MAX_STRING_BYTES: usize = 128 * 1024;
/// Most arguments plus environment strings.
const MAX_STRINGS: usize = 64 * 1024;
/// `SIG_IGN` in a `sigaction`'s handler slot (kept across exec).
const SIG_IGN: u64 = 1;
/// RFLAGS of a new program: IF and the always-one bit.
const INITIAL_RFLAGS: u64 = 0x202;

/// Reads a NULL-terminated array of string pointers.
fn read_strings(array: u64, total: &mut usize) -> Result<Vec<Vec<u8>>, Errno> {
    let mut strings = Vec::new();
    if array == 0 {
        return Ok(strings);
    }
    loop {
        let pointer: u64 = read_value(array.checked_add(8 * strings.len() as u64).ok_or(Errno::EFAULT)?)?;
        if pointer == 0 {
            return Ok(strings);
        }
        *total += 1;
        if *total > MAX_STRINGS {
            return Err(Errno::E2BIG);
        }
        let string = read_c_string(pointer, MAX_STRING_BYTES).map_err(|error| if error == Errno::ENAMETOOLONG { Errno::E2BIG } else { error })?;
        strings.push(string);
    }
}

pub fn execve(path_address: u64, arguments_address: u64, environment_address: u64, frame: &mut InterruptFrame) -> Result<u64, Errno> {
    let user = current().ok_or(Errno::EPERM)?;
    let path = read_c_string(path_address, MAX_PATH_BYTES)?;
    if path.is_empty() {
        return Err(Errno::ENOENT);
    }
    let mut total = 0;
    let arguments = read_strings(arguments_address, &mut total)?;
    let environment = read_strings(environment_address, &mut total)?;
    let absolute = user.process.absolute_path(&path);
    let file = crate::vfs::read_program(&absolute)?;
    let argument_slices: Vec<&[u8]> = arguments.iter().map(Vec::as_slice).collect();
    let environment_slices: Vec<&[u8]> = environment.iter().map(Vec::as_slice).collect();
    let mut program = load(file.bytes(), &argument_slices, &environment_slices, &path).map_err(|error| error.errno())?;
    let address_limit = user.process.limits.lock()[protocol::linux_abi::misc::RLIMIT_AS as usize][0];
    program.memory.set_limit_bytes(address_limit);

    // Past the point of no return.
    let process = user.process.clone();
    let new_memory = Arc::new(crate::memory::address_space::AddressSpace::new(program.memory));
    crate::sched::switch_address_space(Some(new_memory.clone()));
    let old_memory = process.memory.lock().replace(new_memory);
    drop(old_memory);
    process.files.lock().close_on_exec_all();
    for action in process.signal_actions.lock().iter_mut() {
        if action[0] != SIG_IGN {
            *action = [0; 4];
        }
    }
    *process.name.lock() = command_name(&path);
    crate::flight_recorder::exec(&process.name());
    super::set_program(&process, &absolute, &argument_slices);
    arch::cpu::without_interrupts(|| {
        crate::sched::with_current_thread(|thread| {
            if let Some(state) = thread.user_state() {
                // SAFETY: the running thread's own state, interrupts off.
                unsafe { state.reset_to_initial() };
            }
        })
    });
    process.release_vfork_parent();
    *frame = InterruptFrame { rip: program.entry, rsp: program.stack_pointer, rflags: INITIAL_RFLAGS, ..zeroed_frame(frame) };
    Ok(0)
}

/// A frame with every general register zero (selectors and vector kept).
fn zeroed_frame(frame: &InterruptFrame) -> InterruptFrame {
    InterruptFrame { cs: frame.cs, ss: frame.ss, vector: frame.vector, ..InterruptFrame::default() }
}
