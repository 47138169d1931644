//! The initramfs that `cargo xtask build` packs, passed with `-initrd`:
//! the kernel still boots with it loaded (it does not read it yet; when it
//! runs `/init`, the user-program tests go here).

use qemu_tests::*;

#[test]
fn kernel_boots_with_the_initramfs_loaded() {
    let result = boot(&config_with_initramfs(2, &["test=boot"]));
    assert_outcome(&result, Outcome::Pass);
    assert_test_passed(&result, "boot");
    assert_all_cpus_online(&result, 2);
}

#[test]
fn the_archive_is_newc_and_holds_our_programs() {
    let archive = std::fs::read(initramfs()).expect("read INITRD");
    assert_eq!(&archive[..6], b"070701");
    // The full layout is checked in xtask's unit tests; here, that the file `test` built is it.
    for name in ["bin/hello\0", "bin/usertest\0", "dev/console\0", "init\0", "TRAILER!!!\0"] {
        assert!(archive.windows(name.len()).any(|window| window == name.as_bytes()), "no entry {name:?}");
    }
}
