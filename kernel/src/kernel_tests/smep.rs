//! `test=smep`: the kernel never executes a user page. A kernel thread
//! switches to an address space with a user page holding a lone `ret` and
//! calls it; with SMEP the call must fault (#PF: instruction fetch from a
//! present page, supervisor mode: error bits 0 and 4) and end in a panic
//! that names the address. Returning at all is a failure. Interrupts stay
//! off throughout, so the thread keeps this address space loaded.

use crate::memory::user_space::{UserAddressSpace, UserPageAccess};
use alloc::format;
use alloc::string::String;

/// Where the user page goes.
const USER_CODE_ADDRESS: u64 = 0x40_0000;

pub fn run() -> Result<(), String> {
    if !arch::protection::available().smep {
        crate::kprintln!("smep: this CPU does not offer SMEP; nothing to test");
        return Ok(());
    }
    let mut space = UserAddressSpace::new().ok_or("out of memory for an address space")?;
    space
        .map_page(USER_CODE_ADDRESS, UserPageAccess::ReadExecute, arch::user_probe::ret_code())
        .map_err(|error| format!("mapping the user page: {error:?}"))?;
    arch::cpu::disable_interrupts();
    crate::kprintln!("smep: calling user code at {:#x} from the kernel", USER_CODE_ADDRESS);
    // SAFETY: a root from `new_address_space_root`, alive until the end of
    // this function; interrupts are off until the kernel root is back, so
    // this thread stays on it.
    unsafe { crate::memory::paging::load_root(space.root()) };
    // SAFETY: deliberately unsound: with SMEP this call faults before the
    // first instruction; if it runs, `ret` comes straight back and the test
    // reports the failure.
    unsafe { arch::cpu::call_at(USER_CODE_ADDRESS) };
    // SAFETY: back to the kernel's own root.
    unsafe { crate::memory::paging::load_root(crate::memory::paging::kernel_root()) };
    arch::cpu::enable_interrupts();
    Err(String::from("the kernel executed a user page: SMEP is off"))
}
