//! Fresh-machine set-up: installs the Rust targets (kernel and user
//! programs) and QEMU when missing.
//!
//! `build`, `run` and `test` call [`ensure_rust_targets`] / [`ensure_qemu`]
//! first, so `cargo xtask test` works on a fresh CI machine that has only Rust.

use std::env;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::qemu::QEMU_BINARY;

/// The target the kernel binary is built for.
pub const KERNEL_TARGET: &str = "x86_64-unknown-none";
/// The target our user programs are built for (static musl executables).
pub const USER_TARGET: &str = "x86_64-unknown-linux-musl";
/// The Debian/Ubuntu package that provides [`QEMU_BINARY`].
pub const QEMU_PACKAGE: &str = "qemu-system-x86";

/// Installs both Rust targets ([`KERNEL_TARGET`], [`USER_TARGET`]) when
/// missing.
pub fn ensure_rust_targets() -> Result<(), String> {
    ensure_rust_target(KERNEL_TARGET)?;
    ensure_rust_target(USER_TARGET)
}

/// Installs `target` with rustup when `rustup target list --installed`
/// lacks it. Without rustup, assumes the toolchain was set up another way.
pub fn ensure_rust_target(target: &str) -> Result<(), String> {
    let listed = match Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
    {
        Ok(output) if output.status.success() => output,
        Ok(_) | Err(_) => {
            eprintln!("xtask: warning: cannot run 'rustup target list --installed'; assuming {target} is installed");
            return Ok(());
        }
    };
    if String::from_utf8_lossy(&listed.stdout)
        .lines()
        .any(|line| line.trim() == target)
    {
        return Ok(());
    }
    eprintln!("xtask: installing Rust target {target}: rustup target add {target}");
    run_checked(Command::new("rustup").args(["target", "add", target]))
        .map_err(|error| format!("could not install the {target} target: {error}"))
}

/// Makes sure [`QEMU_BINARY`] is on `PATH`: as root, installs it with apt-get
/// (running `apt-get update` and retrying once if the first attempt fails);
/// otherwise fails with the command to run.
pub fn ensure_qemu() -> Result<(), String> {
    if find_on_path(QEMU_BINARY).is_some() {
        return Ok(());
    }
    let install = format!("apt-get install -y {QEMU_PACKAGE}");
    if !running_as_root() {
        return Err(format!(
            "{QEMU_BINARY} is not installed; install it with:\n    sudo {install}"
        ));
    }
    eprintln!("xtask: {QEMU_BINARY} not found; installing: {install}");
    if let Err(first_error) = apt_get_install() {
        eprintln!(
            "xtask: '{install}' failed ({first_error}); running 'apt-get update' and retrying"
        );
        run_checked(apt_get().arg("update"))
            .map_err(|error| format!("apt-get update failed: {error}"))?;
        apt_get_install().map_err(|error| format!("'{install}' failed: {error}"))?;
    }
    match find_on_path(QEMU_BINARY) {
        Some(path) => {
            eprintln!("xtask: installed {}", path.display());
            Ok(())
        }
        None => Err(format!(
            "'{install}' succeeded but {QEMU_BINARY} is still not on PATH"
        )),
    }
}

/// Both set-up steps, in order.
pub fn ensure_all() -> Result<(), String> {
    ensure_rust_targets()?;
    ensure_qemu()
}

/// The first executable file called `program` in a `PATH` directory.
pub fn find_on_path(program: &str) -> Option<PathBuf> {
    let path = env::var_os("PATH")?;
    env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    path.metadata()
        .is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
}

/// True when `id -u` prints 0.
pub fn running_as_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|output| {
        output.status.success() && String::from_utf8_lossy(&output.stdout).trim() == "0"
    })
}

fn apt_get() -> Command {
    let mut command = Command::new("apt-get");
    command.env("DEBIAN_FRONTEND", "noninteractive");
    command
}

fn apt_get_install() -> Result<(), String> {
    run_checked(apt_get().args(["install", "-y", QEMU_PACKAGE]))
}

/// Runs `command` with inherited stdio; Err describes a spawn failure or a non-zero exit.
pub fn run_checked(command: &mut Command) -> Result<(), String> {
    match command.status() {
        Ok(status) if status.success() => Ok(()),
        Ok(status) => Err(format!("exited with {status}")),
        Err(error) => Err(format!("could not start: {error}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_sh_on_path_but_not_nonsense() {
        assert!(find_on_path("sh").is_some());
        assert!(find_on_path("xtask-no-such-program-here").is_none());
    }
}
