//! Paths inside the initramfs as the user writes them (`/bin/hello`): checked
//! once, then turned into archive names (`bin/hello`).

use std::fmt;

/// An absolute, normalised guest path: starts with `/`, no empty, `.` or
/// `..` components, no NUL. The root is `/`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GuestPath(String);

impl GuestPath {
    /// The root directory.
    pub fn root() -> GuestPath {
        GuestPath("/".into())
    }

    /// Checks `text`; the error says what is wrong with it.
    pub fn parse(text: &str) -> Result<GuestPath, String> {
        if !text.starts_with('/') {
            return Err(format!("guest path '{text}' must be absolute (start with '/')"));
        }
        if text.contains('\0') {
            return Err(format!("guest path {text:?} contains a NUL byte"));
        }
        if text == "/" {
            return Ok(GuestPath::root());
        }
        let bad = text[1..].split('/').find(|part| part.is_empty() || *part == "." || *part == "..");
        if let Some(part) = bad {
            return Err(format!("guest path '{text}' has a '{part}' component (write it without empty, '.' or '..' parts)"));
        }
        Ok(GuestPath(text.to_string()))
    }

    /// This path with `name` (one component, from a host file name) appended.
    pub fn join(&self, name: &str) -> Result<GuestPath, String> {
        let joined = if self.is_root() { format!("/{name}") } else { format!("{}/{name}", self.0) };
        GuestPath::parse(&joined)
    }

    /// True for `/`.
    pub fn is_root(&self) -> bool {
        self.0 == "/"
    }

    /// The name inside the archive: the path without its leading `/`
    /// (empty for the root, which has no entry of its own).
    pub fn archive_name(&self) -> &str {
        &self.0[1..]
    }

    /// Every proper ancestor except the root, outermost first (`/a`, `/a/b` for `/a/b/c`).
    pub fn ancestors(&self) -> Vec<GuestPath> {
        let mut ancestors = Vec::new();
        for (index, byte) in self.0.bytes().enumerate().skip(1) {
            if byte == b'/' {
                ancestors.push(GuestPath(self.0[..index].to_string()));
            }
        }
        ancestors
    }
}

impl fmt::Display for GuestPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_paths_parse_and_name_archive_entries() {
        let path = GuestPath::parse("/bin/hello").unwrap();
        assert_eq!(path.archive_name(), "bin/hello");
        assert_eq!(path.ancestors(), [GuestPath::parse("/bin").unwrap()]);
        assert!(GuestPath::parse("/").unwrap().is_root());
        assert_eq!(GuestPath::root().join("x").unwrap().to_string(), "/x");
        assert_eq!(path.join("y").unwrap().to_string(), "/bin/hello/y");
    }

    #[test]
    fn bad_paths_are_refused_with_the_reason() {
        assert!(GuestPath::parse("bin/x").unwrap_err().contains("must be absolute"));
        assert!(GuestPath::parse("").unwrap_err().contains("must be absolute"));
        assert!(GuestPath::parse("/a/../b").unwrap_err().contains("'..'"));
        assert!(GuestPath::parse("/a/./b").unwrap_err().contains("'.'"));
        assert!(GuestPath::parse("/a//b").unwrap_err().contains("''"));
        assert!(GuestPath::parse("/a/").unwrap_err().contains("''"));
        assert!(GuestPath::parse("/a\0").unwrap_err().contains("NUL"));
        assert!(GuestPath::root().join("..").is_err());
    }
}
