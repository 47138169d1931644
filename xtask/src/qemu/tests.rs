//! Unit tests of the QEMU command line, accelerator choice and runner helpers.

use super::*;
use std::ffi::OsStr;

fn config() -> QemuConfig {
    QemuConfig {
        smp: 4,
        mem_mib: 512,
        ..QemuConfig::new("/k/kernel")
    }
}

#[test]
fn kvm_command_line_uses_host_cpu_and_microvm() {
    let args = qemu_args(&config(), ResolvedAccel::Kvm, Machine::Microvm).join(OsStr::new(" "));
    // An instruction-emulating KVM (no vmx/svm on the host) gets `nosmap noxsave`.
    let append = if kvm_emulates_instructions() { " -append nosmap noxsave" } else { "" };
    assert_eq!(
        args.to_str().unwrap(),
        format!(
            "-kernel /k/kernel -smp 4 -m 512 -display none -no-reboot -chardev stdio,id=console,signal=off,mux=off -serial chardev:console -monitor none \
             -device isa-debug-exit,iobase=0xf4,iosize=0x04 -accel kvm -cpu host,-arch-capabilities \
             -machine microvm,acpi=on{append}"
        )
    );
}

#[test]
fn tcg_never_gets_the_emulated_kvm_arguments() {
    let args = qemu_args(&config(), ResolvedAccel::Tcg, Machine::Pc);
    for word in EMULATED_KVM_KERNEL_ARGUMENTS {
        assert!(!args.iter().any(|arg| arg.to_str().is_some_and(|arg| arg.contains(word))));
    }
}

#[test]
fn tcg_command_line_appends_kernel_args_and_gdb() {
    let cfg = QemuConfig {
        kernel_args: vec!["test=boot".into(), "bogus=1".into()],
        gdb: true,
        ..config()
    };
    let args = qemu_args(&cfg, ResolvedAccel::Tcg, Machine::Pc);
    let tail: Vec<&str> = args
        .iter()
        .map(|arg| arg.to_str().expect("UTF-8 in this test"))
        .skip_while(|arg| *arg != "-accel")
        .collect();
    assert_eq!(
        tail,
        [
            "-accel",
            "tcg",
            "-cpu",
            TCG_CPU_MODEL,
            "-machine",
            "pc",
            "-append",
            "test=boot bogus=1",
            "-s",
            "-S"
        ]
    );
}

#[test]
fn kernel_args_reach_qemu_byte_for_byte() {
    use std::os::unix::ffi::OsStrExt;
    let cfg = QemuConfig {
        kernel_args: vec![OsStr::from_bytes(b"\xff\xfe").into(), "test=boot".into()],
        ..config()
    };
    let args = qemu_args(&cfg, ResolvedAccel::Tcg, Machine::Pc);
    let append = args.iter().position(|arg| arg == "-append").expect("an -append argument");
    assert_eq!(args[append + 1].as_bytes(), b"\xff\xfe test=boot");
}

#[test]
fn initrd_follows_the_kernel() {
    let cfg = QemuConfig { initrd: Some("/t/initramfs.cpio".into()), ..config() };
    let args = qemu_args(&cfg, ResolvedAccel::Tcg, Machine::Pc);
    assert_eq!(args[..5], ["-kernel", "/k/kernel", "-initrd", "/t/initramfs.cpio", "-smp"].map(OsString::from));
    assert!(!qemu_args(&config(), ResolvedAccel::Tcg, Machine::Pc).contains(&OsString::from("-initrd")));
}

#[test]
fn machine_follows_accelerator_unless_given() {
    assert_eq!(resolve(Accel::Tcg, None).unwrap().machine, Machine::Pc);
    assert_eq!(
        resolve(Accel::Tcg, Some(Machine::Microvm)).unwrap().machine,
        Machine::Microvm
    );
    assert_eq!(ResolvedAccel::Kvm.default_machine(), Machine::Microvm);
}

#[test]
fn shell_words_quotes_arguments_with_spaces() {
    let line = shell_words("qemu", &["-append".into(), "a b".into()]);
    assert_eq!(line, "qemu -append 'a b'");
}

#[test]
fn a_trace_file_becomes_the_second_serial_port() {
    let cfg = QemuConfig { trace_file: Some("/t/dump.log".into()), ..config() };
    let args = qemu_args(&cfg, ResolvedAccel::Tcg, Machine::Pc).join(OsStr::new(" "));
    let args = args.to_str().unwrap();
    assert!(args.contains("-serial chardev:console -serial file:/t/dump.log -monitor none"), "{args}");
    let without = qemu_args(&config(), ResolvedAccel::Tcg, Machine::Pc).join(OsStr::new(" "));
    assert_eq!(without.to_str().unwrap().matches("-serial").count(), 1);
}
