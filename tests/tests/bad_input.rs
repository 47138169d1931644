//! Bad input: unknown kernel arguments are warned about, bad `--smp` values are refused.

use qemu_tests::*;
use xtask::args::{self, Command};

#[test]
fn unknown_kernel_argument_is_warned_about_and_boot_still_passes() {
    let result = boot(&config(1, &["bogus=1", "test=boot"]));
    assert_outcome(&result, Outcome::Pass);
    assert_line_contains(&result, &format!("{WARNING} unknown kernel argument 'bogus=1'"));
    assert_test_passed(&result, "boot");
}

fn run_words(words: &[&str]) -> Result<Command, args::ArgError> {
    let words: Vec<String> = ["run"]
        .iter()
        .chain(words)
        .map(|word| word.to_string())
        .collect();
    args::parse(&words)
}

#[test]
fn smp_zero_is_rejected() {
    let error = run_words(&["--smp", "0"]).unwrap_err();
    assert_eq!(
        error.0,
        "--smp 0 is out of range: the kernel supports 1 to 255 CPUs"
    );
}

#[test]
fn smp_above_max_cpus_is_rejected() {
    let error = run_words(&["--smp", "256"]).unwrap_err();
    assert_eq!(
        error.0,
        "--smp 256 is out of range: the kernel supports 1 to 255 CPUs"
    );
}

#[test]
fn smp_that_is_not_a_number_is_rejected() {
    let error = run_words(&["--smp", "abc"]).unwrap_err();
    assert_eq!(
        error.0,
        "--smp 'abc' is not a number: the kernel supports 1 to 255 CPUs"
    );
}

#[test]
fn smp_limits_are_accepted() {
    for smp in ["1", "255"] {
        match run_words(&["--smp", smp]) {
            Ok(Command::Run(run)) => assert_eq!(run.smp.to_string(), smp),
            other => panic!("--smp {smp} parsed to {other:?}"),
        }
    }
}
