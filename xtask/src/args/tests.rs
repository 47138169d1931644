//! Tests of the command-line parser.

use super::*;

fn parse_words(line: &str) -> Result<Command, ArgError> {
    let words: Vec<String> = line.split_whitespace().map(String::from).collect();
    parse(&words)
}

fn run_args(line: &str) -> RunArgs {
    match parse_words(line) {
        Ok(Command::Run(run)) => run,
        other => panic!("'{line}' parsed to {other:?}"),
    }
}

#[test]
fn run_defaults() {
    assert_eq!(run_args("run"), RunArgs::default());
    assert_eq!(RunArgs::default().smp, 1);
    assert_eq!(RunArgs::default().mem_mib, 256);
}

#[test]
fn run_with_every_option() {
    let run = run_args(
        "run --smp 4 --mem=512 --accel tcg --machine microvm --release --gdb --timeout 20 -- test=boot x=1",
    );
    assert_eq!(
        run,
        RunArgs {
            smp: 4,
            mem_mib: 512,
            accel: Accel::Tcg,
            machine: Some(Machine::Microvm),
            release: true,
            gdb: true,
            timeout: Some(Duration::from_secs(20)),
            kernel_args: vec!["test=boot".into(), "x=1".into()],
            additions: Vec::new(),
            initrd: None,
        }
    );
}

/// A scratch directory of test `name` with a file `prog`, a newc
/// archive `own.cpio` and a gzip file `own.cpio.gz`. One per test:
/// tests run in parallel, and rewriting a shared file while another
/// test reads it made them fail at random.
fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("xtask-args-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("prog"), b"\x7fELF").unwrap();
    std::fs::write(dir.join("own.cpio"), b"070701...").unwrap();
    std::fs::write(dir.join("own.cpio.gz"), b"\x1f\x8b\x08").unwrap();
    dir
}

#[test]
fn add_is_repeatable_and_initrd_is_checked() {
    let dir = scratch("add");
    let prog = dir.join("prog");
    let run = run_args(&format!("run --add {} --add={}:/bin/ -- init=/prog", prog.display(), prog.display()));
    let guests: Vec<String> = run.additions.iter().map(|spec| spec.guest.to_string()).collect();
    assert_eq!(guests, ["/prog", "/bin/prog"]);
    assert_eq!(run.additions[0].host, prog);
    assert_eq!(run.kernel_args, ["init=/prog"]);
    let own = dir.join("own.cpio");
    assert_eq!(run_args(&format!("run --initrd {}", own.display())).initrd, Some(own));
}

#[test]
fn bad_add_and_initrd_values_are_rejected() {
    let dir = scratch("bad");
    let error = |line: String| parse_words(&line).unwrap_err().0;
    assert_eq!(
        error("run --add /no/such/prog".into()),
        "--add '/no/such/prog': cannot use host path '/no/such/prog': No such file or directory (os error 2)"
    );
    assert!(error(format!("run --add {}:bin/prog", dir.join("prog").display())).ends_with("guest path 'bin/prog' must be absolute (start with '/')"));
    assert!(error(format!("run --add {}:/a/../b", dir.join("prog").display())).contains("has a '..' component"));
    assert!(error("run --add".into()).contains("--add needs a value"));
    assert!(error("run --initrd /no/such.cpio".into()).starts_with("--initrd /no/such.cpio: cannot read it: "));
    assert!(error(format!("run --initrd {}", dir.join("own.cpio.gz").display())).contains("gzip-compressed"));
    assert!(error(format!("run --initrd {}", dir.join("prog").display())).contains("not the newc magic"));
    let both = format!("run --initrd {} --add {}", dir.join("own.cpio").display(), dir.join("prog").display());
    assert!(error(both).contains("give one or the other"));
    assert!(error(format!("bench --add {}", dir.join("prog").display())).starts_with("bench takes"));
}

#[test]
fn busybox_adds_the_staged_tree_and_starts_its_shell_unless_told_otherwise() {
    let run = run_args("run --busybox --accel tcg -- test=boot");
    assert_eq!(run.additions, [crate::busybox::busybox_addition()]);
    assert_eq!(run.kernel_args, ["test=boot", "--", "/busybox/bin/sh"]);
    assert_eq!(run_args("run --busybox").kernel_args, ["--", "/busybox/bin/sh"]);
    let own = run_args("run --busybox -- -- /busybox/bin/ls -l /");
    assert_eq!(own.kernel_args, ["--", "/busybox/bin/ls", "-l", "/"], "init's program as given");
    assert!(parse_words("run --busybox=yes").unwrap_err().0.contains("takes no value"));
    let own_archive = scratch("busybox").join("own.cpio");
    let error = parse_words(&format!("run --busybox --initrd {}", own_archive.display())).unwrap_err().0;
    assert!(error.starts_with("--busybox packs busybox"), "{error}");
    assert!(parse_words("bench --busybox").unwrap_err().0.starts_with("bench takes"));
}

#[test]
fn words_after_double_dash_are_kernel_args_even_if_they_look_like_options() {
    assert_eq!(run_args("run -- --smp 3").kernel_args, ["--smp", "3"]);
}

#[test]
fn kernel_command_lines_longer_than_the_kernel_reads_are_refused() {
    let line_of = |bytes: usize| -> Vec<String> {
        ["run", "--", "test=boot", &"y".repeat(bytes - "test=boot ".len())].iter().map(|word| word.to_string()).collect()
    };
    assert!(matches!(parse(&line_of(KERNEL_COMMAND_LINE_MAX_BYTES)), Ok(Command::Run(_))));
    for bytes in [4096, 5000, 65536] {
        let error = parse(&line_of(bytes)).unwrap_err();
        assert_eq!(
            error.0,
            format!(
                "the kernel command line is {bytes} bytes; the kernel reads at most 4095 \
                 (QEMU's PVH loader corrupts the boot information with longer ones)"
            )
        );
    }
}

#[test]
fn kernel_args_need_not_be_utf8_but_options_must_be() {
    use std::os::unix::ffi::{OsStrExt, OsStringExt};
    let words: Vec<OsString> = ["run", "--", "\u{0}", "test=boot"].iter().map(OsString::from).collect();
    let mut with_bad_byte = words.clone();
    with_bad_byte[2] = OsString::from_vec(b"\xff\x07".to_vec());
    match parse(&with_bad_byte) {
        Ok(Command::Run(run)) => assert_eq!(run.kernel_args[0].as_bytes(), b"\xff\x07"),
        other => panic!("parsed to {other:?}"),
    }
    let bad_option = [OsString::from("run"), OsString::from_vec(b"--smp\xff".to_vec())];
    assert!(parse(&bad_option).unwrap_err().0.contains("is not UTF-8"));
}

#[test]
fn smp_range_is_enforced() {
    assert_eq!(parse_smp("1"), Ok(1));
    assert_eq!(parse_smp("255"), Ok(255));
    assert_eq!(
        parse_smp("0").unwrap_err().0,
        "--smp 0 is out of range: the kernel supports 1 to 255 CPUs"
    );
    assert_eq!(
        parse_smp("256").unwrap_err().0,
        "--smp 256 is out of range: the kernel supports 1 to 255 CPUs"
    );
    assert_eq!(
        parse_smp("abc").unwrap_err().0,
        "--smp 'abc' is not a number: the kernel supports 1 to 255 CPUs"
    );
    assert!(parse_smp("-1").is_err());
    assert!(parse_smp("99999999999999999999999").is_err());
}

#[test]
fn bad_values_are_rejected_through_parse() {
    assert!(parse_words("run --smp 0").is_err());
    assert!(parse_words("run --smp")
        .unwrap_err()
        .0
        .contains("--smp needs a value"));
    assert!(parse_words("run --accel xen")
        .unwrap_err()
        .0
        .contains("expected auto, kvm or tcg"));
    assert!(parse_words("run --machine q35")
        .unwrap_err()
        .0
        .contains("expected pc or microvm"));
    assert!(parse_words("run --timeout 0").is_err());
    assert!(parse_words("run --mem 1").is_err());
    assert!(parse_words("run --gdb=1").is_err());
    assert!(parse_words("run test=boot")
        .unwrap_err()
        .0
        .contains("after '--'"));
    assert!(parse_words("frobnicate").is_err());
    assert!(parse_words("build --debug").is_err());
    assert!(parse_words("test extra").is_err());
}

#[test]
fn other_commands() {
    assert_eq!(parse_words(""), Ok(Command::Help));
    assert_eq!(parse_words("--help"), Ok(Command::Help));
    assert_eq!(parse_words("build"), Ok(Command::Build { release: false, busybox: false }));
    assert_eq!(
        parse_words("build --release"),
        Ok(Command::Build { release: true, busybox: false })
    );
    assert_eq!(parse_words("build --busybox"), Ok(Command::Build { release: false, busybox: true }));
    assert_eq!(parse_words("test"), Ok(Command::Test));
    assert_eq!(
        parse_words("bench"),
        Ok(Command::Bench(BenchArgs { run: RunArgs { smp: DEFAULT_BENCH_SMP, ..RunArgs::default() }, ..BenchArgs::default() }))
    );
    assert_eq!(
        parse_words("bench --smp 2 --accel tcg"),
        Ok(Command::Bench(BenchArgs { run: RunArgs { smp: 2, accel: Accel::Tcg, ..RunArgs::default() }, ..BenchArgs::default() }))
    );
    let Ok(Command::Bench(with_linux)) = parse_words("bench --against-linux --linux-kernel /k/vmlinuz --smp 4") else { panic!("bench") };
    assert!(with_linux.against_linux);
    assert_eq!(with_linux.linux_kernel, Some(std::path::PathBuf::from("/k/vmlinuz")));
    assert_eq!(with_linux.run.smp, 4);
    assert!(parse_words("bench --linux-kernel /k/vmlinuz").is_err(), "--linux-kernel alone");
    assert!(parse_words("bench --against-linux --linux-kernel").is_err(), "no path");
    assert!(parse_words("bench -- test=boot").is_err());
    assert!(parse_words("bench --gdb").is_err());
    assert!(parse_words("gdb").is_err(), "no placeholder commands");
}

#[test]
fn trace_defaults_to_four_cpus_under_tcg() {
    let traced = |smp, accel| RunArgs { smp, accel, ..RunArgs::default() };
    assert_eq!(
        parse_words("trace"),
        Ok(Command::Trace(TraceArgs { run: traced(DEFAULT_TRACE_SMP, Accel::Tcg), out: None, from: None, kernel: None }))
    );
    let Ok(Command::Trace(args)) = parse_words("trace --smp 2 --accel=kvm --out /tmp/t --from=a.log -- trace=sched")
    else {
        panic!("trace options not parsed");
    };
    assert_eq!((args.run.smp, args.run.accel), (2, Accel::Kvm));
    assert_eq!(args.out.as_deref(), Some(std::path::Path::new("/tmp/t")));
    assert_eq!(args.from.as_deref(), Some(std::path::Path::new("a.log")));
    assert_eq!(args.run.kernel_args, [OsString::from("trace=sched")]);
    assert!(parse_words("trace --gdb").is_err());
    assert!(parse_words("trace --out").is_err());
    let Ok(Command::Trace(args)) = parse_words("trace --from a.log --kernel=old/kernel") else {
        panic!("--kernel not parsed");
    };
    assert_eq!(args.kernel.as_deref(), Some(std::path::Path::new("old/kernel")));
    assert!(parse_words("trace --kernel").is_err());
}
