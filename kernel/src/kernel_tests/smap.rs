//! `test=smap`: the kernel never touches a user page outside the user-copy
//! routine. A kernel thread loads an address space with a user data page
//! and reads it directly; with SMAP the read must fault (#PF on a present
//! page, supervisor read: error bit 0 set) and end in a panic naming the
//! address. Reading it at all is a failure.

use crate::memory::user_space::{UserAddressSpace, UserPageAccess};
use alloc::format;
use alloc::string::String;

/// Where the user page goes.
const USER_DATA_ADDRESS: u64 = 0x40_0000;

pub fn run() -> Result<(), String> {
    if !arch::protection::available().smap {
        crate::kprintln!("smap: this CPU does not offer SMAP; nothing to test");
        return Ok(());
    }
    let mut space = UserAddressSpace::new().ok_or("out of memory for an address space")?;
    space
        .map_page(USER_DATA_ADDRESS, UserPageAccess::ReadWrite, b"user data")
        .map_err(|error| format!("mapping the user page: {error:?}"))?;
    arch::cpu::disable_interrupts();
    crate::kprintln!("smap: reading user memory at {:#x} from the kernel", USER_DATA_ADDRESS);
    // SAFETY: a root from `new_address_space_root`, alive until the end of
    // this function; interrupts are off until the kernel root is back.
    unsafe { crate::memory::paging::load_root(space.root()) };
    // SAFETY: deliberately unsound: with SMAP this read faults; without,
    // it reads the page the test just mapped.
    let value = unsafe { core::ptr::read_volatile(USER_DATA_ADDRESS as *const u64) };
    // SAFETY: back to the kernel's own root.
    unsafe { crate::memory::paging::load_root(crate::memory::paging::kernel_root()) };
    arch::cpu::enable_interrupts();
    Err(format!("the kernel read a user page ({value:#x}): SMAP is off"))
}
