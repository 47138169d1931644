//! Tests of the archive tree: parents, conflicts, host directories, and
//! the written archive read back by the independent `cpio_reader`.

use super::*;
use std::path::PathBuf;

fn path(text: &str) -> GuestPath {
    GuestPath::parse(text).unwrap()
}

fn bytes_file(contents: &[u8]) -> Node {
    Node::File { permissions: 0o644, source: FileSource::Bytes(contents.to_vec()) }
}

/// A scratch host tree: tree/{a.txt, sub/b.bin (0755), link -> a.txt}.
fn host_tree(tag: &str) -> PathBuf {
    let root = std::env::temp_dir().join(format!("xtask-tree-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("tree/sub")).unwrap();
    std::fs::write(root.join("tree/a.txt"), b"a").unwrap();
    std::fs::write(root.join("tree/sub/b.bin"), b"bb").unwrap();
    std::fs::set_permissions(root.join("tree/sub/b.bin"), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::os::unix::fs::symlink("a.txt", root.join("tree/link")).unwrap();
    root
}

fn names(archive: &[u8]) -> Vec<String> {
    cpio_reader::iter_files(archive).map(|entry| entry.name().to_string()).collect()
}

#[test]
fn parents_are_made_and_written_before_their_contents() {
    let mut tree = ArchiveTree::new();
    tree.add_leaf(&path("/usr/lib/x/y.so"), bytes_file(b"y")).unwrap();
    tree.add_leaf(&path("/usr-local"), bytes_file(b"z")).unwrap();
    let archive = tree.write_newc(Vec::new()).unwrap();
    assert_eq!(names(&archive), ["usr", "usr-local", "usr/lib", "usr/lib/x", "usr/lib/x/y.so"]);
    assert_eq!(tree.get(&path("/usr/lib")), Some(&Node::Directory(0o755)));
}

#[test]
fn a_file_replaces_a_file_but_never_a_directory_and_vice_versa() {
    let mut tree = ArchiveTree::new();
    assert_eq!(tree.add_leaf(&path("/init"), bytes_file(b"old")), Ok(None));
    assert_eq!(tree.add_leaf(&path("/init"), bytes_file(b"new")), Ok(Some(Replaced(path("/init")))));
    assert_eq!(tree.get(&path("/init")), Some(&bytes_file(b"new")));
    tree.add_directory(&path("/bin"), 0o755).unwrap();
    assert!(tree.add_leaf(&path("/bin"), bytes_file(b"x")).unwrap_err().contains("/bin is a directory"));
    assert_eq!(tree.get(&path("/bin")), Some(&Node::Directory(0o755)), "the directory survives");
    assert!(tree.add_directory(&path("/init"), 0o755).unwrap_err().contains("/init is already a file"));
    assert!(tree.add_leaf(&path("/init/x"), bytes_file(b"x")).unwrap_err().contains("/init is a file"));
    assert!(tree.add_leaf(&GuestPath::root(), bytes_file(b"x")).is_err());
}

#[test]
fn a_host_directory_is_added_with_files_links_and_permissions() {
    let root = host_tree("dir");
    let mut tree = ArchiveTree::new();
    let spec = AddSpec { host: root.join("tree"), guest: path("/opt/t") };
    assert_eq!(tree.add_host(&spec), Ok(vec![]));
    let archive = tree.write_newc(Vec::new()).unwrap();
    assert_eq!(names(&archive), ["opt", "opt/t", "opt/t/a.txt", "opt/t/link", "opt/t/sub", "opt/t/sub/b.bin"]);
    let entries: Vec<_> = cpio_reader::iter_files(&archive).collect();
    assert_eq!(entries[2].file(), b"a");
    assert_eq!(entries[3].file(), b"a.txt", "the link target");
    assert_eq!(entries[3].mode().bits() & 0o170000, 0o120000, "a symbolic link");
    assert_eq!(entries[5].file(), b"bb");
    assert_eq!(entries[5].mode().bits() & 0o7777, 0o755, "host permissions kept");
}

#[test]
fn a_host_directory_merges_into_the_root_and_replaces_files() {
    let root = host_tree("merge");
    let mut tree = ArchiveTree::new();
    tree.add_leaf(&path("/a.txt"), bytes_file(b"standard")).unwrap();
    let spec = AddSpec { host: root.join("tree"), guest: GuestPath::root() };
    assert_eq!(tree.add_host(&spec), Ok(vec![Replaced(path("/a.txt"))]));
    assert!(matches!(tree.get(&path("/a.txt")), Some(Node::File { source: FileSource::Host(_), .. })));
}

#[test]
fn special_files_in_an_added_directory_are_refused() {
    let root = host_tree("fifo");
    let fifo = root.join("tree/pipe");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let spec = AddSpec { host: root.join("tree"), guest: path("/t") };
    let error = ArchiveTree::new().add_host(&spec).unwrap_err();
    assert!(error.contains("only files, directories and symbolic links"), "{error}");
}
