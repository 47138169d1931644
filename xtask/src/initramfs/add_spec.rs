//! `--add HOST_PATH[:GUEST_PATH]`: what the user asks to add to the archive.
//!
//! The last `:` separates the two paths (so a host path may contain `:`).
//! Without a guest path, the file or directory goes to `/NAME` (its host
//! name); a guest path ending in `/` means "into this directory"
//! (`prog:/bin/` gives `/bin/prog`). A directory is added with everything
//! under it; `DIR:/` merges its contents into the root.

use std::path::{Path, PathBuf};

use super::guest_path::GuestPath;

/// One checked `--add` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddSpec {
    /// The file or directory on the host (it exists).
    pub host: PathBuf,
    /// Where it goes in the archive.
    pub guest: GuestPath,
}

impl AddSpec {
    /// Parses and checks one `--add` value: syntax, guest path rules, and
    /// that the host path exists and is a file or a directory.
    pub fn parse(text: &str) -> Result<AddSpec, String> {
        let (host_text, guest_text) = match text.rsplit_once(':') {
            Some((host, guest)) => (host, Some(guest)),
            None => (text, None),
        };
        if host_text.is_empty() {
            return Err(format!("--add '{text}': the host path is empty (write HOST_PATH[:GUEST_PATH])"));
        }
        let host = PathBuf::from(host_text);
        let metadata = std::fs::metadata(&host)
            .map_err(|error| format!("--add '{text}': cannot use host path '{host_text}': {error}"))?;
        if !metadata.is_file() && !metadata.is_dir() {
            return Err(format!("--add '{text}': '{host_text}' is neither a file nor a directory"));
        }
        let guest = guest_for(&host, guest_text, metadata.is_dir()).map_err(|error| format!("--add '{text}': {error}"))?;
        Ok(AddSpec { host, guest })
    }
}

fn guest_for(host: &Path, guest_text: Option<&str>, is_dir: bool) -> Result<GuestPath, String> {
    let host_name = || -> Result<String, String> {
        let name = host.canonicalize().ok().and_then(|path| path.file_name().map(|name| name.to_owned()));
        let name = name.ok_or_else(|| format!("'{}' has no file name to use in the guest", host.display()))?;
        name.into_string().map_err(|name| format!("host name {name:?} is not UTF-8; give a guest path"))
    };
    match guest_text {
        None => GuestPath::root().join(&host_name()?),
        Some("") => Err("the guest path after ':' is empty".into()),
        Some("/") if !is_dir => Err("a file cannot replace the root directory '/'".into()),
        Some("/") => Ok(GuestPath::root()),
        Some(guest) if guest.ends_with('/') => GuestPath::parse(&guest[..guest.len() - 1])?.join(&host_name()?),
        Some(guest) => GuestPath::parse(guest),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch_dir() -> PathBuf {
        let dir = std::env::temp_dir().join(format!("xtask-add-spec-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("tree")).unwrap();
        std::fs::write(dir.join("prog"), b"\x7fELF").unwrap();
        dir
    }

    #[test]
    fn guest_path_defaults_to_the_host_name_at_the_root() {
        let dir = scratch_dir();
        let prog = dir.join("prog");
        let spec = AddSpec::parse(prog.to_str().unwrap()).unwrap();
        assert_eq!((spec.host, spec.guest.to_string()), (prog.clone(), "/prog".to_string()));
        let into_bin = AddSpec::parse(&format!("{}:/bin/", prog.display())).unwrap();
        assert_eq!(into_bin.guest.to_string(), "/bin/prog");
        let renamed = AddSpec::parse(&format!("{}:/sbin/other", prog.display())).unwrap();
        assert_eq!(renamed.guest.to_string(), "/sbin/other");
        let tree = AddSpec::parse(dir.join("tree").to_str().unwrap()).unwrap();
        assert_eq!(tree.guest.to_string(), "/tree");
        assert!(AddSpec::parse(&format!("{}:/", dir.join("tree").display())).unwrap().guest.is_root());
    }

    #[test]
    fn the_last_colon_separates_so_host_paths_may_contain_colons() {
        let dir = scratch_dir();
        let versioned = dir.join("prog:v2");
        std::fs::write(&versioned, b"v2").unwrap();
        let spec = AddSpec::parse(&format!("{}:/bin/prog", versioned.display())).unwrap();
        assert_eq!((spec.host, spec.guest.to_string()), (versioned, "/bin/prog".to_string()));
    }

    #[test]
    fn bad_values_are_refused_with_the_reason() {
        let dir = scratch_dir();
        let prog = dir.join("prog").display().to_string();
        let error = |text: &str| AddSpec::parse(text).unwrap_err();
        assert!(error("/no/such/file").contains("cannot use host path '/no/such/file': No such file"), "{}", error("/no/such/file"));
        assert!(error(":/bin/x").contains("the host path is empty"));
        assert!(error(&format!("{prog}:bin/x")).contains("must be absolute"));
        assert!(error(&format!("{prog}:")).contains("guest path after ':' is empty"));
        assert!(error(&format!("{prog}:/")).contains("cannot replace the root"));
        assert!(error(&format!("{prog}:/a/../b")).contains("'..'"));
        assert!(error("/dev/null").contains("neither a file nor a directory"));
    }
}
