//! `hello` run as a program: its output and exit status.

mod programs;
use programs::{run, stdout};

const HELLO: &str = env!("CARGO_BIN_EXE_hello");

#[test]
fn prints_greeting_and_arguments_and_exits_as_asked() {
    let output = run(HELLO, &["--exit", "7", "two words"]);
    let text = stdout(&output);
    assert!(
        text.starts_with("hello from user space\nargc=4\n"),
        "{text}"
    );
    assert!(text.contains("argv[3]=two words\n"), "{text}");
    assert_eq!(output.status.code(), Some(7));
}

#[test]
fn exits_0_by_default_and_2_on_a_bad_status() {
    assert_eq!(run(HELLO, &[]).status.code(), Some(0));
    let bad = run(HELLO, &["--exit", "300"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--exit '300'"));
}
