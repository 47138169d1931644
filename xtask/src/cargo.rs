//! Runs cargo for the kernel: builds the kernel ELF and the host-side test steps.

use std::env;
use std::path::PathBuf;
use std::process::Command;

use crate::setup::{run_checked, KERNEL_TARGET};

use crate::workspace::workspace_root;

/// Cargo's target directory: `$CARGO_TARGET_DIR` or `<root>/target`.
pub fn target_dir() -> PathBuf {
    match env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => workspace_root().join(dir),
        None => workspace_root().join("target"),
    }
}

/// Where `cargo build -p kernel --target x86_64-unknown-none` puts the kernel ELF.
pub fn kernel_elf_path(release: bool) -> PathBuf {
    let profile = if release { "release" } else { "debug" };
    target_dir()
        .join(KERNEL_TARGET)
        .join(profile)
        .join("kernel")
}

/// A `cargo` command (the same cargo that runs xtask) in the workspace root.
pub fn cargo() -> Command {
    let mut command = Command::new(env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command.current_dir(workspace_root());
    command
}

/// Builds the kernel binary for the bare-metal target and returns its ELF path.
///
/// Only the `kernel` *bin* is built for x86_64-unknown-none; the kernel's lib is
/// built for the host by the unit-test step instead.
pub fn build_kernel(release: bool) -> Result<PathBuf, String> {
    let mut command = cargo();
    command.args([
        "build",
        "-p",
        "kernel",
        "--bin",
        "kernel",
        "--target",
        KERNEL_TARGET,
    ]);
    if release {
        command.arg("--release");
    }
    run_checked(&mut command).map_err(|error| format!("kernel build failed: cargo {error}"))?;
    let elf = kernel_elf_path(release);
    if !elf.is_file() {
        return Err(format!(
            "kernel build succeeded but {} does not exist",
            elf.display()
        ));
    }
    Ok(elf)
}
