//! Model-specific register numbers (Intel SDM vol. 4) that assembly needs as
//! named constants.

/// Extended feature enable register (long mode, NX).
pub const IA32_EFER: u32 = 0xC000_0080;
/// Base of the GS segment while in the current privilege level.
pub const IA32_GS_BASE: u32 = 0xC000_0101;
/// The value `swapgs` exchanges with `IA32_GS_BASE`.
pub const IA32_KERNEL_GS_BASE: u32 = 0xC000_0102;
