//! Builds our user programs (the `userland` crate's binaries) as static
//! musl executables for the initramfs.

use std::path::PathBuf;

use crate::cargo::{cargo, target_dir};
use crate::setup::{run_checked, USER_TARGET};

/// The cargo profile of the user programs (workspace `Cargo.toml`:
/// release without debug info, so the archive stays small).
pub const USER_PROFILE: &str = "userland-release";

/// Where cargo puts the user programs.
pub fn user_programs_dir() -> PathBuf {
    target_dir().join(USER_TARGET).join(USER_PROFILE)
}

/// `cargo build -p userland --bins` for [`USER_TARGET`] with
/// [`USER_PROFILE`]; returns the directory holding the programs.
pub fn build_user_programs() -> Result<PathBuf, String> {
    let mut command = cargo();
    command.args(["build", "-p", "userland", "--bins", "--target", USER_TARGET, "--profile", USER_PROFILE]);
    run_checked(&mut command).map_err(|error| format!("user programs build failed: cargo {error}"))?;
    Ok(user_programs_dir())
}
