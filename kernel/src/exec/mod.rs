//! Starting a program: reading its ELF file (`elf_image`), building its
//! initial stack (`initial_stack`), and (kernel only) putting both into a
//! fresh process memory (`load`).

/// What an ELF executable asks to be mapped, and whether we run it.
pub mod elf_image;
/// argc, argv, envp and the auxiliary vector, laid out for the ABI.
pub mod initial_stack;
/// Loading a program into a new `ProcessMemory`.
#[cfg(target_os = "none")]
pub mod load;
