//! `sh` run non-interactively on the host (`-c`, script files, stdin):
//! pipelines, redirections, `&&`/`||`, `$?`, background jobs and `wait`,
//! bash's error messages and statuses.

mod programs;
use programs::stdout;

use std::process::{Command, Output, Stdio};

const SH: &str = env!("CARGO_BIN_EXE_sh");

fn sh(script: &str) -> Output {
    Command::new(SH)
        .args(["-c", script])
        .stdin(Stdio::null())
        .output()
        .expect("run sh")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn scratch(name: &str) -> std::path::PathBuf {
    let directory = std::env::temp_dir().join(format!("userland-sh-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&directory);
    std::fs::create_dir_all(&directory).unwrap();
    directory
}

#[test]
fn a_pipeline_of_five_commands() {
    let output = sh("echo 'b a c a b' | tr ' ' '\\n' | sort | uniq | wc -l");
    assert_eq!(stdout(&output).trim(), "3");
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn the_last_command_gives_the_pipeline_status_and_bang_inverts_it() {
    let output = sh("false | true; echo $?; true | false; echo $?; ! true; echo $?");
    assert_eq!(stdout(&output), "0\n1\n1\n");
}

#[test]
fn redirection_into_a_file_and_back() {
    let directory = scratch("redirect");
    let file = directory.join("f");
    let script = format!(
        "echo one > {f}; echo two >> {f}; wc -l < {f}; cat {f}; echo three > {f}; cat < {f}",
        f = file.display()
    );
    let output = sh(&script);
    assert_eq!(stdout(&output), "2\none\ntwo\nthree\n");
    std::fs::remove_dir_all(directory).unwrap();
}

#[test]
fn stderr_joins_stdout_with_2_and_1_in_order() {
    let output = sh("nosuchcmd 2>&1 | tr a-z A-Z; nosuchcmd 2>/dev/null; echo $?");
    assert_eq!(stdout(&output), "SH: NOSUCHCMD: COMMAND NOT FOUND\n127\n");
    assert_eq!(stderr(&output), "", "everything was redirected");
    let output = sh("ls /nonexistent-dir 2>&1 >/dev/null | wc -l");
    assert_eq!(
        stdout(&output).trim(),
        "1",
        "2>&1 before >/dev/null keeps stderr on the pipe"
    );
}

#[test]
fn and_or_chains_and_the_status_variable() {
    let output = sh("false && echo no || echo yes; echo $?; true || echo no; false; echo $?");
    assert_eq!(stdout(&output), "yes\n0\n1\n");
}

#[test]
fn background_jobs_and_wait() {
    let output = sh(
        "sh -c 'sleep 0.2; exit 3' & echo started; wait $!; echo status $?; \
                     sleep 0.1 & sleep 0.1 & wait; echo all $?",
    );
    assert_eq!(stdout(&output), "started\nstatus 3\nall 0\n");
    let output = sh("sleep 30 & kill %1; wait %1; echo $?");
    assert_eq!(stdout(&output), "143\n", "128 + SIGTERM");
}

#[test]
fn bash_messages_and_statuses_for_failures() {
    let directory = scratch("errors");
    let plain = directory.join("plain");
    std::fs::write(&plain, "echo hi\n").unwrap();
    let output = sh(&format!(
        "nosuchcmd; echo $?; {p}; echo $?; {d}; echo $?",
        p = plain.display(),
        d = directory.display()
    ));
    assert_eq!(stdout(&output), "127\n126\n126\n");
    assert_eq!(
        stderr(&output),
        format!(
            "sh: nosuchcmd: command not found\nsh: {p}: Permission denied\nsh: {d}: Is a directory\n",
            p = plain.display(),
            d = directory.display()
        )
    );
    std::fs::remove_dir_all(directory).unwrap();
}

#[test]
fn syntax_errors_are_one_line_with_status_2() {
    for (script, message) in [
        ("ls | | wc", "sh: syntax error near unexpected token `|'\n"),
        ("echo 'open", "sh: syntax error: unexpected end of file\n"),
        (
            "cat >",
            "sh: syntax error near unexpected token `newline'\n",
        ),
    ] {
        let output = sh(script);
        assert_eq!(stderr(&output), message, "{script}");
        assert_eq!(output.status.code(), Some(2), "{script}");
    }
}

#[test]
fn a_signal_death_is_128_plus_n_and_named() {
    let output = sh("sh -c 'kill -SEGV $$'; echo $?");
    assert_eq!(stdout(&output), "139\n");
    assert_eq!(stderr(&output), "Segmentation fault\n");
}

#[test]
fn variables_export_unset_and_prefix_assignments() {
    let output = sh(
        "A=1; env | grep -c '^A='; export A; env | grep '^A='; unset A; echo \"[$A]\"; \
                     B=2 env | grep '^B='; echo \"[$B]\"; export C=3 D; echo $C",
    );
    assert_eq!(stdout(&output), "0\nA=1\n[]\nB=2\n[]\n3\n");
}

#[test]
fn quoting_and_field_splitting() {
    let output = sh("X='a  b'; printf '<%s>' $X \"$X\" '$X' \\$X ~; echo");
    let home = std::env::var("HOME").unwrap_or_default();
    assert_eq!(stdout(&output), format!("<a><b><a  b><$X><$X><{home}>\n"));
}

#[test]
fn builtins_cd_pwd_exit() {
    let output = sh("cd /; pwd; cd /nonexistent; echo $?; exit 7; echo not reached");
    assert_eq!(stdout(&output), "/\n1\n");
    assert_eq!(
        stderr(&output),
        "sh: cd: /nonexistent: No such file or directory\n"
    );
    assert_eq!(output.status.code(), Some(7));
}

#[test]
fn scripts_get_arguments_and_continue_lines() {
    let directory = scratch("script");
    let script = directory.join("s.sh");
    std::fs::write(
        &script,
        "echo $0 $# $1 $2\necho a |\n  tr a b\necho 'x\ny'\nexit 4\n",
    )
    .unwrap();
    let output = Command::new(SH)
        .arg(&script)
        .args(["p", "q"])
        .output()
        .unwrap();
    assert_eq!(
        stdout(&output),
        format!("{} 2 p q\nb\nx\ny\n", script.display())
    );
    assert_eq!(output.status.code(), Some(4));
    std::fs::remove_dir_all(directory).unwrap();
}

#[test]
fn commands_from_a_pipe_on_stdin_and_bad_options() {
    let mut child = Command::new(SH)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"echo one\necho two; exit 5\necho no\n")
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(stdout(&output), "one\ntwo\n");
    assert_eq!(output.status.code(), Some(5));
    let output = Command::new(SH).arg("-z").output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).starts_with("sh: -z: invalid option\n"));
}
