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
//! /bin/ttycheck    userland `ttycheck`
//! /bin/sh          userland `sh` (the shell)
//! /bin/coreutils   uutils coreutils, and /bin/NAME -> coreutils per utility
//! /etc/passwd /etc/group   root (uid and gid 0), 0644
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
    ("affinitycheck", "/bin/affinitycheck"),
    ("fuzz", "/bin/fuzz"),
    ("bench", "/bin/bench"),
    ("ttycheck", "/bin/ttycheck"),
    ("sh", "/bin/sh"),
    ("ps", "/bin/ps"),
    ("top", "/bin/top"),
    ("cpus", "/bin/cpus"),
    ("taskset", "/bin/taskset"),
    ("kill", "/bin/kill"),
    ("free", "/bin/free"),
    ("uptime", "/bin/uptime"),
    ("dmesg", "/bin/dmesg"),
    ("stress", "/bin/stress"),
    ("poweroff", "/bin/poweroff"),
    ("reboot", "/bin/reboot"),
    ("trace", "/bin/trace"),
];
/// `/dev/console` as Linux numbers it (5:1), so Linux itself can boot the
/// archive too (its init gets the console as fds 0-2).
pub const CONSOLE_DEVICE: (&str, u32, u32) = ("/dev/console", 5, 1);
/// The user and group databases: every process runs as root (uid and gid
/// 0), and tools such as `ls -l`, `ps` and `id` show its name from these.
pub const ACCOUNT_FILES: [(&str, &str); 2] =
    [("/etc/passwd", "root:x:0:0:root:/:/bin/sh\n"), ("/etc/group", "root:x:0:\n")];
/// The folder under the target directory that holds the archives.
pub const ARCHIVE_DIR: &str = "initramfs";
/// The standard archive (`cargo xtask build`, `run` without `--add`, `test`).
pub const STANDARD_ARCHIVE: &str = "initramfs.cpio";
/// The archive `run --add ...` packs (the standard one stays as it is).
pub const CUSTOM_ARCHIVE: &str = "initramfs-with-additions.cpio";
/// The standard archive plus Debian's busybox (`cargo xtask test` passes
/// it to the QEMU tests as `BUSYBOX_INITRD`).
pub const BUSYBOX_ARCHIVE: &str = "initramfs-busybox.cpio";

/// Where an archive's coreutils comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coreutils {
    /// Built (minutes the first time, then cached): `build` and `run`.
    Build,
    /// Packed only when a cached build is there: `test`, whose time budget
    /// has no room for the cold build (`TEAM_NOTES/coreutils-and-busybox.md`).
    CachedOnly,
}

/// Where the programs of the standard layout are on the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Programs {
    /// The userland build's directory (one file per program).
    pub userland: PathBuf,
    /// The coreutils multicall binary, when built.
    pub coreutils: Option<PathBuf>,
}

/// The standard layout, with our programs read from `programs`.
pub fn standard_tree(programs: &Programs) -> Result<ArchiveTree, String> {
    let programs_dir = &programs.userland;
    let mut tree = ArchiveTree::new();
    for (path, permissions) in STANDARD_DIRECTORIES {
        tree.add_directory(&guest(path), permissions)?;
    }
    let (console, major, minor) = CONSOLE_DEVICE;
    tree.add_leaf(&guest(console), Node::CharDevice { permissions: 0o600, major, minor })?;
    for (path, text) in ACCOUNT_FILES {
        tree.add_leaf(&guest(path), Node::File { permissions: 0o644, source: FileSource::Bytes(text.as_bytes().to_vec()) })?;
    }
    for (binary, path) in STANDARD_PROGRAMS {
        let host = programs_dir.join(binary);
        if !host.is_file() {
            return Err(format!("user program {} is missing (was userland built?)", host.display()));
        }
        tree.add_leaf(&guest(path), Node::File { permissions: 0o755, source: FileSource::Host(host) })?;
    }
    if let Some(coreutils) = &programs.coreutils {
        add_coreutils(&mut tree, coreutils)?;
    }
    Ok(tree)
}

/// `/bin/coreutils` and a link `/bin/NAME -> coreutils` per utility; a
/// link never replaces one of our programs.
fn add_coreutils(tree: &mut ArchiveTree, binary: &Path) -> Result<(), String> {
    if !binary.is_file() {
        return Err(format!("the coreutils binary {} is missing", binary.display()));
    }
    let binary_path = guest(crate::coreutils::GUEST_BINARY);
    tree.add_leaf(&binary_path, Node::File { permissions: 0o755, source: FileSource::Host(binary.to_path_buf()) })?;
    let target = binary_path.archive_name().rsplit('/').next().expect("a file name").to_string();
    for name in crate::coreutils::link_names() {
        let link = guest("/bin").join(name)?;
        if tree.get(&link).is_some() {
            return Err(format!("coreutils' {name} would replace {link}, which our programs provide"));
        }
        tree.add_leaf(&link, Node::Symlink(target.clone()))?;
    }
    Ok(())
}

fn guest(path: &str) -> GuestPath {
    GuestPath::parse(path).expect("the standard layout has valid paths")
}

/// Packs the standard layout plus `additions` into `archive` (written to a
/// temporary file, then renamed, so a reader never sees half an archive).
/// Prints a note for each file an addition replaced.
pub fn pack(programs: &Programs, additions: &[AddSpec], archive: &Path) -> Result<u64, String> {
    let mut tree = standard_tree(programs)?;
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

/// Builds the user programs and coreutils, stages busybox when an
/// addition is `--busybox`'s, and packs them with `additions` into
/// `target/initramfs/<name>`; returns the archive's path and size.
pub fn build_initramfs(additions: &[AddSpec], name: &str) -> Result<(PathBuf, u64), String> {
    build_archive(additions, name, Coreutils::Build)
}

/// [`build_initramfs`] with coreutils from `coreutils`.
fn build_archive(additions: &[AddSpec], name: &str, coreutils: Coreutils) -> Result<(PathBuf, u64), String> {
    let userland = crate::user_programs::build_user_programs()?;
    let coreutils = match coreutils {
        Coreutils::Build => Some(crate::coreutils::build_coreutils()?),
        Coreutils::CachedOnly => crate::coreutils::cached_binary(),
    };
    if additions.iter().any(crate::busybox::is_busybox_addition) {
        crate::busybox::stage(&crate::busybox::cache_dir())?;
    }
    let archive = archive_path(name);
    let bytes = pack(&Programs { userland, coreutils }, additions, &archive)?;
    Ok((archive, bytes))
}

/// The standard archive, built: what `build` uses.
pub fn build_standard_initramfs() -> Result<(PathBuf, u64), String> {
    build_initramfs(&[], STANDARD_ARCHIVE)
}

/// The standard archive for `cargo xtask test`: coreutils only when a
/// cached build is there (says so when it is not).
pub fn build_test_initramfs() -> Result<(PathBuf, u64), String> {
    if crate::coreutils::cached_binary().is_none() {
        eprintln!(
            "xtask: coreutils is not built, so this archive has none (`cargo xtask build` builds it \
             once, minutes cold; later test runs pack the cached binary)"
        );
    }
    build_archive(&[], STANDARD_ARCHIVE, Coreutils::CachedOnly)
}

/// `target/initramfs/initramfs-busybox.cpio`: the test archive plus
/// Debian's busybox (fetched into its cache first if needed).
pub fn build_busybox_test_initramfs() -> Result<(PathBuf, u64), String> {
    build_archive(&[crate::busybox::busybox_addition()], BUSYBOX_ARCHIVE, Coreutils::CachedOnly)
}

/// `target/initramfs/<name>` under cargo's target directory.
pub fn archive_path(name: &str) -> PathBuf {
    crate::cargo::target_dir().join(ARCHIVE_DIR).join(name)
}

#[cfg(test)]
mod tests;
