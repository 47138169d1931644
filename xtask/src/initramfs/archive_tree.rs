//! The initramfs as a tree of guest paths before it is written: our
//! standard layout plus the user's `--add`s, with the conflict rules, then
//! written in path order (every directory before what it contains).
//!
//! Rules: parent directories are created as needed (mode 0755); adding a
//! file where a file is replaces it (reported, so `--add my-init:/init`
//! works); a file where a directory is, or a directory where a file is, is
//! an error; directories merge.

use std::collections::BTreeMap;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use super::add_spec::AddSpec;
use super::guest_path::GuestPath;
use crate::cpio_newc::NewcWriter;

/// Where a file's bytes come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileSource {
    /// Read from this host file when the archive is written.
    Host(PathBuf),
    /// These bytes.
    Bytes(Vec<u8>),
}

/// One entry of the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// A directory with these permission bits.
    Directory(u32),
    /// A regular file.
    File {
        /// Permission bits (0o755 for programs).
        permissions: u32,
        /// Its contents.
        source: FileSource,
    },
    /// A symbolic link to this target.
    Symlink(String),
    /// A character device `major:minor`.
    CharDevice {
        /// Permission bits.
        permissions: u32,
        /// Device major number.
        major: u32,
        /// Device minor number.
        minor: u32,
    },
}

/// Guest paths and what is there.
#[derive(Debug, Default, Clone)]
pub struct ArchiveTree {
    nodes: BTreeMap<GuestPath, Node>,
}

/// A file that an addition replaced (the caller tells the user).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replaced(pub GuestPath);

impl ArchiveTree {
    /// An empty tree (the root directory is implicit).
    pub fn new() -> ArchiveTree {
        ArchiveTree::default()
    }

    /// Every path and node, in the order they are written.
    pub fn nodes(&self) -> impl Iterator<Item = (&GuestPath, &Node)> {
        self.nodes.iter()
    }

    /// The node at `path`.
    pub fn get(&self, path: &GuestPath) -> Option<&Node> {
        self.nodes.get(path)
    }

    /// Adds a directory (merging with an existing one).
    pub fn add_directory(&mut self, path: &GuestPath, permissions: u32) -> Result<(), String> {
        if path.is_root() {
            return Ok(());
        }
        self.make_parents(path)?;
        match self.nodes.get(path) {
            Some(Node::Directory(_)) => Ok(()),
            Some(_) => Err(format!("{path} is already a file in the archive; cannot make it a directory")),
            None => {
                self.nodes.insert(path.clone(), Node::Directory(permissions));
                Ok(())
            }
        }
    }

    /// Adds a file, link or device node at `path`; replaces one that is
    /// there (returned), refuses to replace a directory.
    pub fn add_leaf(&mut self, path: &GuestPath, node: Node) -> Result<Option<Replaced>, String> {
        assert!(!matches!(node, Node::Directory(_)), "directories go through add_directory");
        if path.is_root() {
            return Err("the root '/' must be a directory".into());
        }
        self.make_parents(path)?;
        match self.nodes.insert(path.clone(), node) {
            Some(Node::Directory(permissions)) => {
                self.nodes.insert(path.clone(), Node::Directory(permissions));
                Err(format!("{path} is a directory in the archive; a file cannot replace it"))
            }
            Some(_) => Ok(Some(Replaced(path.clone()))),
            None => Ok(None),
        }
    }

    fn make_parents(&mut self, path: &GuestPath) -> Result<(), String> {
        for parent in path.ancestors() {
            match self.nodes.get(&parent) {
                Some(Node::Directory(_)) => {}
                Some(_) => return Err(format!("cannot put {path} in the archive: {parent} is a file")),
                None => {
                    self.nodes.insert(parent, Node::Directory(0o755));
                }
            }
        }
        Ok(())
    }

    /// Adds what `spec` names: a file, or a directory with everything under
    /// it (symbolic links kept as links). Returns the files it replaced.
    pub fn add_host(&mut self, spec: &AddSpec) -> Result<Vec<Replaced>, String> {
        let mut replaced = Vec::new();
        self.add_host_path(&spec.host, &spec.guest, &mut replaced)?;
        Ok(replaced)
    }

    fn add_host_path(&mut self, host: &Path, guest: &GuestPath, replaced: &mut Vec<Replaced>) -> Result<(), String> {
        let shown = host.display();
        let metadata = std::fs::symlink_metadata(host).map_err(|error| format!("{shown}: {error}"))?;
        let permissions = metadata.permissions().mode() & 0o7777;
        let file_type = metadata.file_type();
        if file_type.is_dir() {
            self.add_directory(guest, permissions)?;
            let mut children: Vec<_> = std::fs::read_dir(host)
                .and_then(|entries| entries.collect::<Result<Vec<_>, _>>())
                .map_err(|error| format!("{shown}: {error}"))?;
            children.sort_by_key(|entry| entry.file_name());
            for child in children {
                let name = child.file_name().into_string().map_err(|name| {
                    format!("{shown}: the name {name:?} is not UTF-8 and cannot go into the archive")
                })?;
                self.add_host_path(&child.path(), &guest.join(&name)?, replaced)?;
            }
            return Ok(());
        }
        let node = if file_type.is_file() {
            Node::File { permissions, source: FileSource::Host(host.to_path_buf()) }
        } else if file_type.is_symlink() {
            let target = std::fs::read_link(host).map_err(|error| format!("{shown}: {error}"))?;
            let target = target.into_os_string().into_string().map_err(|_| format!("{shown}: link target is not UTF-8"))?;
            Node::Symlink(target)
        } else {
            return Err(format!("{shown}: only files, directories and symbolic links can be added"));
        };
        replaced.extend(self.add_leaf(guest, node)?);
        Ok(())
    }

    /// Writes the whole tree as a newc archive (host files are read now).
    pub fn write_newc<W: Write>(&self, out: W) -> Result<W, String> {
        let mut writer = NewcWriter::new(out);
        for (path, node) in &self.nodes {
            let name = path.archive_name();
            let written = match node {
                Node::Directory(permissions) => writer.directory(name, *permissions),
                Node::File { permissions, source: FileSource::Bytes(bytes) } => writer.file(name, *permissions, bytes),
                Node::File { permissions, source: FileSource::Host(host) } => {
                    let bytes = std::fs::read(host).map_err(|error| format!("reading {}: {error}", host.display()))?;
                    writer.file(name, *permissions, &bytes)
                }
                Node::Symlink(target) => writer.symlink(name, target),
                Node::CharDevice { permissions, major, minor } => writer.char_device(name, *permissions, *major, *minor),
            };
            written.map_err(|error| format!("writing {path} into the archive: {error}"))?;
        }
        writer.finish().map_err(|error| format!("finishing the archive: {error}"))
    }
}

#[cfg(test)]
mod tests;
