//! Tests of the standard layout and of packing with additions.

use super::*;

/// A fake userland build: the programs as small files.
fn fake_programs(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("xtask-programs-{}-{tag}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    for (binary, _) in STANDARD_PROGRAMS {
        fs::write(dir.join(binary), format!("program {binary}")).unwrap();
    }
    dir
}

/// The userland programs of `dir`, without coreutils.
fn userland_only(dir: &Path) -> Programs {
    Programs { userland: dir.to_path_buf(), coreutils: None }
}

fn read_archive(path: &Path) -> Vec<(String, u32, Vec<u8>)> {
    let bytes = fs::read(path).unwrap();
    cpio_reader::iter_files(&bytes)
        .map(|entry| (entry.name().to_string(), entry.mode().bits(), entry.file().to_vec()))
        .collect()
}

#[test]
fn standard_archive_has_the_documented_layout() {
    let programs = fake_programs("standard");
    let archive = programs.join("out/standard.cpio");
    let size = pack(&userland_only(&programs), &[], &archive).unwrap();
    assert_eq!(size, fs::metadata(&archive).unwrap().len());
    let entries = read_archive(&archive);
    let listing: Vec<(&str, u32)> = entries.iter().map(|(name, mode, _)| (name.as_str(), *mode)).collect();
    assert_eq!(
        listing,
        [
            ("bin", 0o040755),
            ("bin/affinitycheck", 0o100755),
            ("bin/bench", 0o100755),
            ("bin/cpus", 0o100755),
            ("bin/dmesg", 0o100755),
            ("bin/free", 0o100755),
            ("bin/fuzz", 0o100755),
            ("bin/hello", 0o100755),
            ("bin/kernelcheck", 0o100755),
            ("bin/kill", 0o100755),
            ("bin/poweroff", 0o100755),
            ("bin/ps", 0o100755),
            ("bin/reboot", 0o100755),
            ("bin/sh", 0o100755),
            ("bin/stress", 0o100755),
            ("bin/taskset", 0o100755),
            ("bin/top", 0o100755),
            ("bin/trace", 0o100755),
            ("bin/ttycheck", 0o100755),
            ("bin/uptime", 0o100755),
            ("bin/usertest", 0o100755),
            ("dev", 0o040755),
            ("dev/console", 0o020600),
            ("etc", 0o040755),
            ("etc/group", 0o100644),
            ("etc/passwd", 0o100644),
            ("init", 0o100755),
            ("proc", 0o040555),
            ("tmp", 0o041777),
        ]
    );
    let init = entries.iter().find(|(name, _, _)| name == "init").unwrap();
    assert_eq!(init.2, b"program init");
    assert!(!archive.with_extension("cpio.partial").exists(), "no partial file left behind");
}

#[test]
fn additions_go_in_and_may_replace_init() {
    let programs = fake_programs("additions");
    let my_init = programs.join("my-init");
    fs::write(&my_init, b"my own init").unwrap();
    let additions = [
        add_spec::AddSpec::parse(&format!("{}:/init", my_init.display())).unwrap(),
        add_spec::AddSpec::parse(&format!("{}:/usr/bin/", my_init.display())).unwrap(),
    ];
    let archive = programs.join("out/custom.cpio");
    pack(&userland_only(&programs), &additions, &archive).unwrap();
    let entries = read_archive(&archive);
    let find = |name: &str| entries.iter().find(|(entry, _, _)| entry == name).map(|(_, _, data)| data.clone());
    assert_eq!(find("init").as_deref(), Some(&b"my own init"[..]));
    assert_eq!(find("usr/bin/my-init").as_deref(), Some(&b"my own init"[..]));
    assert!(find("usr").is_some() && find("usr/bin").is_some());
}

#[test]
fn a_missing_program_or_a_conflict_is_an_error() {
    let programs = fake_programs("missing");
    fs::remove_file(programs.join("usertest")).unwrap();
    let error = pack(&userland_only(&programs), &[], &programs.join("x.cpio")).unwrap_err();
    assert!(error.starts_with("user program ") && error.contains("usertest is missing"), "{error}");

    let programs = fake_programs("conflict");
    let file = programs.join("hello");
    let over_directory = add_spec::AddSpec::parse(&format!("{}:/bin", file.display())).unwrap();
    let error = pack(&userland_only(&programs), &[over_directory], &programs.join("y.cpio")).unwrap_err();
    assert!(error.contains("/bin is a directory in the archive"), "{error}");
}

#[test]
fn coreutils_goes_in_as_one_binary_with_a_link_per_utility() {
    let programs = fake_programs("coreutils");
    let binary = programs.join("coreutils");
    fs::write(&binary, b"multicall").unwrap();
    let archive = programs.join("out/coreutils.cpio");
    pack(&Programs { userland: programs.clone(), coreutils: Some(binary) }, &[], &archive).unwrap();
    let entries = read_archive(&archive);
    let find = |name: &str| entries.iter().find(|(entry, _, _)| entry == name).map(|(_, mode, data)| (*mode, data.clone()));
    assert_eq!(find("bin/coreutils"), Some((0o100755, b"multicall".to_vec())));
    for name in crate::coreutils::link_names() {
        assert_eq!(find(&format!("bin/{name}")), Some((0o120777, b"coreutils".to_vec())), "bin/{name}");
    }
    for name in crate::coreutils::RESERVED_NAMES {
        let entry = find(&format!("bin/{name}"));
        assert!(entry.is_none() || entry.is_some_and(|(mode, _)| mode == 0o100755), "bin/{name} is not coreutils'");
    }
    assert_eq!(find("bin/sh"), Some((0o100755, b"program sh".to_vec())), "our shell stays ours");
    assert_eq!(find("bin/hello").map(|(mode, _)| mode), Some(0o100755), "our programs stay");
}

#[test]
fn a_coreutils_link_never_replaces_one_of_our_programs() {
    let mut tree = ArchiveTree::new();
    tree.add_leaf(&guest("/bin/ls"), Node::File { permissions: 0o755, source: FileSource::Bytes(b"ours".to_vec()) }).unwrap();
    let programs = fake_programs("clash");
    fs::write(programs.join("coreutils"), b"multicall").unwrap();
    let error = add_coreutils(&mut tree, &programs.join("coreutils")).unwrap_err();
    assert!(error.contains("coreutils' ls would replace /bin/ls"), "{error}");
}
