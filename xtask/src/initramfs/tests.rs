//! Tests of the standard layout and of packing with additions.

use super::*;

/// A fake userland build: the three programs as small files.
fn fake_programs(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("xtask-programs-{}-{tag}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    for (binary, _) in STANDARD_PROGRAMS {
        fs::write(dir.join(binary), format!("program {binary}")).unwrap();
    }
    dir
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
    let size = pack(&programs, &[], &archive).unwrap();
    assert_eq!(size, fs::metadata(&archive).unwrap().len());
    let entries = read_archive(&archive);
    let listing: Vec<(&str, u32)> = entries.iter().map(|(name, mode, _)| (name.as_str(), *mode)).collect();
    assert_eq!(
        listing,
        [
            ("bin", 0o040755),
            ("bin/bench", 0o100755),
            ("bin/fuzz", 0o100755),
            ("bin/hello", 0o100755),
            ("bin/kernelcheck", 0o100755),
            ("bin/sh", 0o100755),
            ("bin/trace", 0o100755),
            ("bin/ttycheck", 0o100755),
            ("bin/usertest", 0o100755),
            ("dev", 0o040755),
            ("dev/console", 0o020600),
            ("etc", 0o040755),
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
    pack(&programs, &additions, &archive).unwrap();
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
    let error = pack(&programs, &[], &programs.join("x.cpio")).unwrap_err();
    assert!(error.starts_with("user program ") && error.contains("usertest is missing"), "{error}");

    let programs = fake_programs("conflict");
    let file = programs.join("hello");
    let over_directory = add_spec::AddSpec::parse(&format!("{}:/bin", file.display())).unwrap();
    let error = pack(&programs, &[over_directory], &programs.join("y.cpio")).unwrap_err();
    assert!(error.contains("/bin is a directory in the archive"), "{error}");
}
