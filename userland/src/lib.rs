//! User programs and their runtime. Empty until user mode exists: the kernel
//! does not enter ring 3 yet, so there is no syscall ABI to share.
#![no_std]
