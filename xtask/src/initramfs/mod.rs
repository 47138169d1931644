//! The initramfs: our standard layout, the user's `--add`s, packed as a
//! newc archive under `target/initramfs/` (QEMU passes it with `-initrd`;
//! PVH hands it to the kernel as a module). See `TEAM_NOTES/initramfs.md`.
//!
//! ```text
//! /init            userland `init` (PID 1)       /dev/console  c 5:1 0600
//! /bin/hello       userland `hello`              /proc         0555, empty
//! /bin/usertest    userland `usertest`           /tmp          1777, empty
//! /bin/kernelcheck userland `kernelcheck`        /bin /dev /etc 0755
//! /bin/fuzz        userland `fuzz`               (then every --add)
//! /bin/bench       userland `bench`
//! /bin/sh          userland `sh` (the shell)
//! ```

/// `--add HOST[:GUEST]` values.
pub mod add_spec;
/// The tree of guest paths and its conflict rules.
pub mod archive_tree;
/// Checked guest paths.
pub mod guest_path;
/// Checking a user's own `--initrd` archive.
pub mod initrd_file;

use std::fs;
use std::path::{Path, PathBuf};

use add_spec::AddSpec;
use archive_tree::{ArchiveTree, FileSource, Node};
use guest_path::GuestPath;

/// Directories every archive has, with their permissions.
pub const STANDARD_DIRECTORIES: [(&str, u32); 5] =
    [("/bin", 0o755), ("/dev", 0o755), ("/etc", 0o755), ("/proc", 0o555), ("/tmp", 0o1777)];
/// Our programs: (binary name in the userland build, guest path), one a line.
pub const STANDARD_PROGRAMS: &[(&str, &str)] = &[
    ("init", "/init"),
    ("hello", "/bin/hello"),
    ("usertest", "/bin/usertest"),
    ("kernelcheck", "/bin/kernelcheck"),
    ("fuzz", "/bin/fuzz"),
    ("bench", "/bin/bench"),
    ("ttycheck", "/bin/ttycheck"),
    ("sh", "/bin/sh"),
    ("trace", "/bin/trace"),
];
/// `/dev/console` as Linux numbers it (5:1), so Linux itself can boot the
/// archive too (its init gets the console as fds 0-2).
pub const CONSOLE_DEVICE: (&str, u32, u32) = ("/dev/console", 5, 1);
/// The folder under the target directory that holds the archives.
pub const ARCHIVE_DIR: &str = "initramfs";
/// The standard archive (`cargo xtask build`, `run` without `--add`, `test`).
pub const STANDARD_ARCHIVE: &str = "initramfs.cpio";
/// The archive `run --add ...` packs (the standard one stays as it is).
pub const CUSTOM_ARCHIVE: &str = "initramfs-with-additions.cpio";

/// The standard layout, with our programs read from `programs_dir`.
pub fn standard_tree(programs_dir: &Path) -> Result<ArchiveTree, String> {
    let mut tree = ArchiveTree::new();
    for (path, permissions) in STANDARD_DIRECTORIES {
        tree.add_directory(&guest(path), permissions)?;
    }
    let (console, major, minor) = CONSOLE_DEVICE;
    tree.add_leaf(&guest(console), Node::CharDevice { permissions: 0o600, major, minor })?;
    for (binary, path) in STANDARD_PROGRAMS {
        let host = programs_dir.join(binary);
        if !host.is_file() {
            return Err(format!("user program {} is missing (was userland built?)", host.display()));
        }
        tree.add_leaf(&guest(path), Node::File { permissions: 0o755, source: FileSource::Host(host) })?;
    }
    Ok(tree)
}

fn guest(path: &str) -> GuestPath {
    GuestPath::parse(path).expect("the standard layout has valid paths")
}

/// Packs the standard layout plus `additions` into `archive` (written to a
/// temporary file, then renamed, so a reader never sees half an archive).
/// Prints a note for each file an addition replaced.
pub fn pack(programs_dir: &Path, additions: &[AddSpec], archive: &Path) -> Result<u64, String> {
    let mut tree = standard_tree(programs_dir)?;
    for spec in additions {
        for replaced in tree.add_host(spec).map_err(|error| format!("--add {}: {error}", spec.host.display()))? {
            eprintln!("xtask: --add {} replaces {}", spec.host.display(), replaced.0);
        }
    }
    let bytes = tree.write_newc(Vec::new())?;
    if let Some(dir) = archive.parent() {
        fs::create_dir_all(dir).map_err(|error| format!("creating {}: {error}", dir.display()))?;
    }
    let partial = archive.with_extension("cpio.partial");
    fs::write(&partial, &bytes).map_err(|error| format!("writing {}: {error}", partial.display()))?;
    fs::rename(&partial, archive).map_err(|error| format!("renaming to {}: {error}", archive.display()))?;
    Ok(bytes.len() as u64)
}

/// Builds the user programs and packs them with `additions` into
/// `target/initramfs/<name>`; returns the archive's path and size.
pub fn build_initramfs(additions: &[AddSpec], name: &str) -> Result<(PathBuf, u64), String> {
    let programs_dir = crate::user_programs::build_user_programs()?;
    let archive = archive_path(name);
    let bytes = pack(&programs_dir, additions, &archive)?;
    Ok((archive, bytes))
}

/// The standard archive, built: what `build` and `test` use.
pub fn build_standard_initramfs() -> Result<(PathBuf, u64), String> {
    build_initramfs(&[], STANDARD_ARCHIVE)
}

/// `target/initramfs/<name>` under cargo's target directory.
pub fn archive_path(name: &str) -> PathBuf {
    crate::cargo::target_dir().join(ARCHIVE_DIR).join(name)
}

#[cfg(test)]
mod tests;
