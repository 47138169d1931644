//! Debian's `busybox-static` (an unmodified static glibc busybox) as an
//! alternative shell and tool set: fetched with `apt-get download` and
//! unpacked with `dpkg-deb -x` into a cache under `target/`, once, like the
//! Linux kernel of `bench --against-linux` (`linux_kernel.rs`). Then staged
//! as a directory tree, `busybox/bin/busybox` plus one symbolic link per
//! applet, that `--busybox` adds to the initramfs under `/`.
//!
//! Where `apt-get` cannot fetch it, the error says what to do instead:
//! put a static x86_64 busybox at [`binary_in`] of the cache.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::cargo::target_dir;
use crate::initramfs::add_spec::AddSpec;
use crate::initramfs::guest_path::GuestPath;
use crate::setup::{find_on_path, running_as_root};

/// The Debian package.
pub const PACKAGE: &str = "busybox-static";
/// Where the busybox tree goes in the guest: `/busybox/bin/busybox` and
/// one link per applet beside it (ours in `/bin` stay as they are).
pub const GUEST_DIR: &str = "/busybox/bin";
/// The folder under the target directory that caches the package.
pub const CACHE_FOLDER: &str = "busybox";

/// `target/busybox/`: the `.deb`, what it unpacks to, the staged tree.
pub fn cache_dir() -> PathBuf {
    target_dir().join(CACHE_FOLDER)
}

/// Where `dpkg-deb -x` leaves the binary in `cache`.
pub fn binary_in(cache: &Path) -> PathBuf {
    cache.join("bin").join("busybox")
}

/// The tree `--busybox` adds to the archive at `/`: `busybox/bin/...`.
pub fn staged_tree(cache: &Path) -> PathBuf {
    cache.join("stage")
}

/// What `--busybox` adds: the staged tree, merged into `/`. It is staged
/// (fetched first if needed) when the archive is built, not when the
/// command line is read.
pub fn busybox_addition() -> AddSpec {
    AddSpec {
        host: staged_tree(&cache_dir()),
        guest: GuestPath::root(),
    }
}

/// True for the addition [`busybox_addition`] makes.
pub fn is_busybox_addition(spec: &AddSpec) -> bool {
    *spec == busybox_addition()
}

/// The console program init starts under `--busybox`: busybox's `ash`.
pub fn shell() -> String {
    format!("{GUEST_DIR}/sh")
}

/// What to tell a user whose machine cannot fetch the package.
fn by_hand(cache: &Path) -> String {
    format!(
        "on a Debian or Ubuntu machine `cargo xtask` fetches it with `apt-get download {PACKAGE}`; \
         elsewhere put a static x86_64 busybox at {} and run again",
        binary_in(cache).display()
    )
}

fn run(command: &mut Command, what: &str) -> Result<String, String> {
    let output = command
        .output()
        .map_err(|error| format!("{what}: cannot run it: {error}"))?;
    if !output.status.success() {
        return Err(format!(
            "{what} failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// The `.deb` in `dir`, if one is there.
fn find_deb(dir: &Path) -> Option<PathBuf> {
    std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|entry| entry.path())
        .find(|path| {
            path.extension().is_some_and(|extension| extension == "deb")
                && path
                    .file_name()
                    .is_some_and(|name| name.to_string_lossy().starts_with(PACKAGE))
        })
}

/// `apt-get download busybox-static` into `cache`; when apt has no list
/// that names the package yet and we are root, `apt-get update` once and
/// try again.
fn download(cache: &Path) -> Result<PathBuf, String> {
    let download = || {
        run(
            Command::new("apt-get")
                .args(["download", PACKAGE])
                .current_dir(cache),
            "apt-get download",
        )
    };
    if let Err(first) = download() {
        if !running_as_root() {
            return Err(format!(
                "{first}\n(as root, xtask would run 'apt-get update' and try again)"
            ));
        }
        eprintln!("xtask: {first}; running 'apt-get update' and trying again");
        run(
            Command::new("apt-get")
                .arg("update")
                .env("DEBIAN_FRONTEND", "noninteractive"),
            "apt-get update",
        )?;
        download()?;
    }
    find_deb(cache).ok_or_else(|| {
        format!(
            "apt-get download left no {PACKAGE} .deb in {}",
            cache.display()
        )
    })
}

/// The busybox binary in `cache`, fetched and unpacked there first when it
/// is missing. The error says why it could not be had and what to do.
pub fn fetch(cache: &Path) -> Result<PathBuf, String> {
    let binary = binary_in(cache);
    if binary.is_file() {
        return Ok(binary);
    }
    let cannot =
        |why: String| format!("cannot fetch Debian's {PACKAGE}: {why}; {}", by_hand(cache));
    for tool in ["apt-get", "dpkg-deb"] {
        if find_on_path(tool).is_none() {
            return Err(cannot(format!("{tool} is not installed here")));
        }
    }
    std::fs::create_dir_all(cache).map_err(|error| format!("{}: {error}", cache.display()))?;
    println!(
        "xtask: fetching {PACKAGE} (apt-get download) into {}",
        cache.display()
    );
    let deb = match find_deb(cache) {
        Some(deb) => deb,
        None => download(cache).map_err(cannot)?,
    };
    run(
        Command::new("dpkg-deb").arg("-x").arg(&deb).arg(cache),
        "dpkg-deb -x",
    )
    .map_err(cannot)?;
    if !binary.is_file() {
        return Err(cannot(format!("{} holds no bin/busybox", deb.display())));
    }
    Ok(binary)
}

/// The applet names `busybox --list` prints (one a line), checked: plain
/// file names only.
pub fn parse_applet_list(text: &str) -> Result<Vec<String>, String> {
    let mut applets = Vec::new();
    for line in text.lines().map(str::trim).filter(|line| !line.is_empty()) {
        if line.contains('/') || line == "." || line == ".." || line.contains('\0') {
            return Err(format!(
                "busybox --list printed {line:?}, which is not an applet name"
            ));
        }
        applets.push(line.to_string());
    }
    if applets.is_empty() {
        return Err("busybox --list printed no applets".into());
    }
    Ok(applets)
}

/// The applets of the busybox at `binary` (run on the host: it is a
/// static x86_64 program like the host's).
pub fn applets(binary: &Path) -> Result<Vec<String>, String> {
    let text = run(
        Command::new(binary).arg("--list"),
        &format!("{} --list", binary.display()),
    )?;
    parse_applet_list(&text)
}

/// Fetches busybox if needed and stages `stage/busybox/bin/busybox` plus a
/// link `APPLET -> busybox` for each applet (made anew each time, so a new
/// package version brings its own list). Returns the staged tree.
pub fn stage(cache: &Path) -> Result<PathBuf, String> {
    let binary = fetch(cache)?;
    let applets = applets(&binary)?;
    let stage = staged_tree(cache);
    let guest_dir = stage.join(GUEST_DIR.trim_start_matches('/'));
    let io = |what: &Path, error: std::io::Error| {
        format!("staging busybox: {}: {error}", what.display())
    };
    if stage.exists() {
        std::fs::remove_dir_all(&stage).map_err(|error| io(&stage, error))?;
    }
    std::fs::create_dir_all(&guest_dir).map_err(|error| io(&guest_dir, error))?;
    let staged_binary = guest_dir.join("busybox");
    std::fs::copy(&binary, &staged_binary).map_err(|error| io(&staged_binary, error))?;
    for applet in applets.iter().filter(|applet| *applet != "busybox") {
        let link = guest_dir.join(applet);
        std::os::unix::fs::symlink("busybox", &link).map_err(|error| io(&link, error))?;
    }
    Ok(stage)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applet_lists_are_checked() {
        assert_eq!(
            parse_applet_list("[\n[[\nash\nsh\n"),
            Ok(vec!["[".into(), "[[".into(), "ash".into(), "sh".into()])
        );
        assert!(parse_applet_list("").unwrap_err().contains("no applets"));
        assert!(parse_applet_list("ls\n../etc/passwd\n")
            .unwrap_err()
            .contains("not an applet name"));
        assert!(parse_applet_list("..\n").is_err());
    }

    #[test]
    fn a_cache_without_apt_says_what_to_do() {
        let cache = Path::new("/nonexistent/cache");
        let text = by_hand(cache);
        assert!(
            text.contains("apt-get download busybox-static")
                && text.contains("/nonexistent/cache/bin/busybox"),
            "{text}"
        );
    }

    #[test]
    fn a_binary_already_in_the_cache_is_used_without_fetching() {
        let cache = std::env::temp_dir().join(format!("xtask-busybox-{}", std::process::id()));
        std::fs::create_dir_all(cache.join("bin")).unwrap();
        std::fs::write(binary_in(&cache), b"\x7fELF").unwrap();
        assert_eq!(fetch(&cache), Ok(binary_in(&cache)));
        std::fs::remove_dir_all(&cache).unwrap();
    }
}
