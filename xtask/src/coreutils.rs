//! General-purpose tools from uutils coreutils (crates.io `coreutils`, one
//! cargo feature per utility): a subset built as one static multicall
//! binary for [`USER_TARGET`] with `cargo install` into a cache under
//! `target/`, then packed as `/bin/coreutils` with a symbolic link
//! `/bin/NAME -> coreutils` per utility (the binary picks the utility by
//! the base name of `argv[0]`). See `TEAM_NOTES/coreutils-and-busybox.md`.

use std::path::{Path, PathBuf};

use crate::cargo::{cargo, target_dir};
use crate::setup::{run_checked, USER_TARGET};

/// The crate version built (`cargo install --locked`: its own lock file).
pub const VERSION: &str = "0.12.0";

/// The utilities built, each a cargo feature of `coreutils` and the name
/// of its link in `/bin` (`test` is also linked as `[`).
pub const UTILITIES: &[&str] = &[
    "basename", "cat", "cp", "cut", "date", "dirname", "du", "echo", "env", "expr", "false",
    "head", "ln", "ls", "mkdir", "mktemp", "mv", "nproc", "od", "printenv", "printf", "pwd",
    "readlink", "realpath", "rm", "rmdir", "seq", "sleep", "sort", "stat", "tac", "tail", "tee",
    "test", "touch", "tr", "true", "uname", "uniq", "wc", "yes",
];

/// Names our own programs provide (or will): never a coreutils link.
pub const RESERVED_NAMES: &[&str] = &[
    "ps", "top", "kill", "free", "uptime", "dmesg", "poweroff", "reboot", "taskset", "sh",
];

/// The guest path of the multicall binary.
pub const GUEST_BINARY: &str = "/bin/coreutils";

/// How the binary is optimised: for size, without fat LTO (the crate's own
/// release profile asks for fat LTO and one codegen unit, which costs
/// minutes of a single core), aborting on panic as upstream does. Passed
/// as cargo's `CARGO_PROFILE_RELEASE_*` variables, which override the
/// crate's `[profile.release]`.
pub const PROFILE: &[(&str, &str)] = &[
    ("CARGO_PROFILE_RELEASE_OPT_LEVEL", "s"),
    ("CARGO_PROFILE_RELEASE_LTO", "false"),
    ("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16"),
    ("CARGO_PROFILE_RELEASE_PANIC", "abort"),
    ("CARGO_PROFILE_RELEASE_DEBUG", "false"),
    ("CARGO_PROFILE_RELEASE_STRIP", "true"),
];

/// The link names in `/bin`: every utility, and `[` for `test`.
pub fn link_names() -> Vec<&'static str> {
    let mut names = UTILITIES.to_vec();
    if names.contains(&"test") {
        names.push("[");
    }
    names.sort_unstable();
    names
}

/// `target/coreutils/`: cargo's build directory and the installed binary.
pub fn cache_dir() -> PathBuf {
    target_dir().join("coreutils")
}

/// Where `cargo install --root` puts the binary.
pub fn binary_path() -> PathBuf {
    cache_dir().join("install").join("bin").join("coreutils")
}

/// What the cached binary was built from: version, utilities, profile.
/// A change to any of them rebuilds it.
pub fn build_recipe() -> String {
    let profile: Vec<String> = PROFILE
        .iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect();
    format!(
        "coreutils {VERSION} for {USER_TARGET}\nfeatures: {}\n{}\n",
        UTILITIES.join(" "),
        profile.join("\n")
    )
}

fn recipe_file() -> PathBuf {
    cache_dir().join("install").join("recipe.txt")
}

/// True when the cached binary matches [`build_recipe`].
fn cached(binary: &Path) -> bool {
    binary.is_file()
        && std::fs::read_to_string(recipe_file()).is_ok_and(|recipe| recipe == build_recipe())
}

/// The cached binary, if a build with today's [`build_recipe`] is there
/// (what `cargo xtask test` packs: it never builds coreutils itself).
pub fn cached_binary() -> Option<PathBuf> {
    let binary = binary_path();
    cached(&binary).then_some(binary)
}

/// Builds the multicall binary unless the cache already holds it; returns
/// its path. The first build downloads the crates and takes minutes.
pub fn build_coreutils() -> Result<PathBuf, String> {
    let binary = binary_path();
    if cached(&binary) {
        return Ok(binary);
    }
    eprintln!("xtask: building uutils coreutils {VERSION} ({} utilities) for {USER_TARGET}; the first build takes minutes", UTILITIES.len());
    let cache = cache_dir();
    let mut command = cargo();
    command
        .args([
            "install",
            "coreutils",
            "--version",
            &format!("={VERSION}"),
            "--locked",
            "--force",
            "--no-default-features",
        ])
        .args(["--features", &UTILITIES.join(" "), "--target", USER_TARGET])
        .arg("--root")
        .arg(cache.join("install"))
        .env("CARGO_TARGET_DIR", cache.join("build"))
        .envs(PROFILE.iter().copied());
    run_checked(&mut command)
        .map_err(|error| format!("building uutils coreutils failed: cargo install {error}"))?;
    if !binary.is_file() {
        return Err(format!(
            "cargo install coreutils succeeded but {} does not exist",
            binary.display()
        ));
    }
    std::fs::write(recipe_file(), build_recipe())
        .map_err(|error| format!("{}: {error}", recipe_file().display()))?;
    Ok(binary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_link_shadows_one_of_our_programs() {
        for name in link_names() {
            assert!(
                !RESERVED_NAMES.contains(&name),
                "coreutils would shadow our {name}"
            );
        }
    }

    #[test]
    fn links_are_plain_unique_names_with_brackets_for_test() {
        let names = link_names();
        assert!(names.contains(&"[") && names.contains(&"test"));
        let mut unique = names.clone();
        unique.dedup();
        assert_eq!(unique, names);
        assert!(names
            .iter()
            .all(|name| !name.is_empty() && !name.contains('/') && *name != "coreutils"));
    }

    #[test]
    fn the_recipe_names_version_features_and_profile() {
        let recipe = build_recipe();
        assert!(
            recipe.contains(VERSION) && recipe.contains(" ls ") && recipe.contains("OPT_LEVEL=s"),
            "{recipe}"
        );
    }
}
