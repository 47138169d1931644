//! A Linux kernel to compare with: a path the user gives, or Debian's
//! `linux-image-amd64` (the image package it depends on) fetched with
//! `apt-get download` and unpacked with `dpkg-deb` into a cache under
//! `target/`, once.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The meta package that names the current Debian kernel.
const META_PACKAGE: &str = "linux-image-amd64";

fn run(command: &mut Command, what: &str) -> Result<String, String> {
    let output = command.output().map_err(|error| format!("{what}: cannot run it: {error}"))?;
    if !output.status.success() {
        return Err(format!("{what} failed ({}): {}", output.status, String::from_utf8_lossy(&output.stderr).trim()));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// The image package `linux-image-amd64` depends on (`apt-cache depends`).
fn image_package() -> Result<String, String> {
    let text = run(Command::new("apt-cache").args(["depends", META_PACKAGE]), "apt-cache depends")?;
    text.lines()
        .filter_map(|line| line.trim().strip_prefix("Depends: "))
        .find(|name| name.starts_with("linux-image-"))
        .map(str::to_string)
        .ok_or_else(|| format!("apt-cache names no kernel image for {META_PACKAGE}"))
}

/// The `vmlinuz` under `dir/boot/`, if unpacked there.
fn find_vmlinuz(dir: &Path) -> Option<PathBuf> {
    std::fs::read_dir(dir.join("boot")).ok()?.flatten().map(|entry| entry.path()).find(|path| {
        path.file_name().is_some_and(|name| name.to_string_lossy().starts_with("vmlinuz-"))
    })
}

/// The kernel to boot: `given`, or Debian's, fetched into `cache` if it
/// is not there yet.
pub fn linux_kernel(given: Option<&Path>, cache: &Path) -> Result<PathBuf, String> {
    if let Some(path) = given {
        return if path.is_file() { Ok(path.to_path_buf()) } else { Err(format!("--linux-kernel {}: no such file", path.display())) };
    }
    if let Some(vmlinuz) = find_vmlinuz(cache) {
        return Ok(vmlinuz);
    }
    std::fs::create_dir_all(cache).map_err(|error| format!("{}: {error}", cache.display()))?;
    let package = image_package()?;
    println!("xtask: fetching {package} (Debian's {META_PACKAGE}) into {}", cache.display());
    run(Command::new("apt-get").args(["download", &package]).current_dir(cache), "apt-get download")?;
    let deb = std::fs::read_dir(cache)
        .map_err(|error| format!("{}: {error}", cache.display()))?
        .flatten()
        .map(|entry| entry.path())
        .find(|path| path.extension().is_some_and(|extension| extension == "deb"))
        .ok_or("apt-get download left no .deb")?;
    run(Command::new("dpkg-deb").arg("-x").arg(&deb).arg(cache), "dpkg-deb -x")?;
    find_vmlinuz(cache).ok_or_else(|| format!("{} holds no boot/vmlinuz-*", deb.display()))
}
