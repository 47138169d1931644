//! The shell on the serial console, driven as a person types it: the
//! machine boots into `init`, which starts the shell in its own session
//! with the console as its controlling terminal; this test types into
//! QEMU's serial line and reads the echo and the output. Covers pipelines
//! across CPUs, redirection into a file and back, `$?`, a mistyped
//! command, Ctrl-C and Ctrl-Z of a foreground job (`jobs`, `bg`,
//! `kill %1`), a background job finishing while the person types, a
//! program that crashes leaving the shell usable, history recall with the
//! up arrow, and the end of the session. TCG: this machine's KVM cannot
//! run user code.
//!
//! The same script runs against our `/bin/sh` and Debian's unmodified
//! busybox `ash`, with coreutils or busybox's applets as the tools.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use qemu_tests::*;

/// How long one command may take (TCG on a loaded 2-core host).
const STEP: Duration = Duration::from_secs(60);
/// Up arrow, as a terminal sends it.
const UP_ARROW: &str = "\x1b[A";
/// How long a key meant for a job gets before it is sent again.
const KEY_RETRY: Duration = Duration::from_secs(5);

/// A shell session over the serial line.
struct Console {
    session: QemuSession,
    /// What ends every prompt.
    prompt: &'static str,
}

impl Console {
    /// Boots `initrd` with init running `shell` on the console.
    fn start(initrd: PathBuf, shell: &str, prompt: &'static str) -> Console {
        let cfg = QemuConfig {
            accel: Accel::Tcg,
            timeout: Some(timeout(6)),
            initrd: Some(initrd),
            ..config(4, &["--", shell])
        };
        let session = QemuSession::start(&cfg).expect("start QEMU");
        Console { session, prompt }
    }

    fn wait_for(&mut self, needle: &str) -> String {
        self.session.wait_for(needle, STEP).unwrap_or_else(|error| panic!("{error}"))
    }

    fn prompt(&mut self) -> String {
        let prompt = self.prompt;
        self.wait_for(prompt)
    }

    /// Types `line` and Enter, waits for the next prompt, returns what
    /// came in between (the echo of the line, then the output).
    fn run(&mut self, line: &str) -> String {
        self.session.type_text(line).expect("type");
        self.session.send(b"\r").expect("type Enter");
        self.wait_for("\n");
        self.prompt()
    }

    /// Types `line` and Enter, waits for `expected` in the output and then
    /// the prompt after it; returns the output up to `expected`. Moves past
    /// any extra prompt a re-sent key left (see [`Console::press_until_prompt`]).
    fn run_expecting(&mut self, line: &str, expected: &str) -> String {
        self.session.type_text(line).expect("type");
        self.session.send(b"\r").expect("type Enter");
        let output = self.wait_for(expected);
        self.prompt();
        output
    }

    /// Sends `key` (^C, ^Z) for the foreground job until a prompt comes;
    /// returns what came before it. A key that arrives before the job owns
    /// the terminal goes to the shell, which ignores it, so it is sent
    /// again after [`KEY_RETRY`]; a late copy may reach the next prompt.
    fn press_until_prompt(&mut self, key: &str) -> String {
        let deadline = Instant::now() + STEP;
        loop {
            self.send(key);
            match self.session.wait_for(self.prompt, KEY_RETRY) {
                Ok(text) => return text,
                Err(error) if Instant::now() > deadline => panic!("{key:?} never gave a prompt: {error}"),
                Err(_) => {}
            }
        }
    }

    fn send(&mut self, bytes: &str) {
        self.session.send(bytes.as_bytes()).expect("type");
    }
}

fn assert_has(output: &str, expected: &str, what: &str) {
    assert!(output.contains(expected), "{what}: expected {expected:?} in:\n{output}");
}

/// The script, for a shell whose prompt ends with `console.prompt`.
/// Starts after a prompt.
fn session_script(console: &mut Console) {
    // A pipeline of four processes, spread over the CPUs.
    let counted = console.run("seq 1 3000 | cat | cat | wc -l");
    assert_has(&counted, "3000", "pipeline");
    // Redirection into a file and back.
    console.run("echo first > /tmp/notes");
    console.run("echo second >> /tmp/notes");
    let back = console.run("cat < /tmp/notes");
    assert_has(&back, "first\r\nsecond\r\n", "redirection");
    let errors = console.run("cat /no/such/file 2>&1 | wc -l");
    assert_has(&errors, "1\r\n", "2>&1 into a pipe");
    // $? and a mistyped command.
    let mistyped = console.run("nosuchcommand");
    assert_has(&mistyped, "nosuchcommand: ", "mistyped command");
    assert_has(&console.run("echo status $?"), "status 127", "$? after a missing command");
    // Ctrl-C stops the foreground job, not the shell.
    console.session.type_text("sleep 100\r").expect("type");
    console.wait_for("sleep 100\r\n");
    std::thread::sleep(Duration::from_millis(500));
    console.press_until_prompt("\x03");
    console.run_expecting("echo status $?", "status 130");
    // Ctrl-Z stops it; bg continues it in the background; kill %1 ends it.
    console.session.type_text("sleep 100\r").expect("type");
    console.wait_for("sleep 100\r\n");
    std::thread::sleep(Duration::from_millis(500));
    let stopped = console.press_until_prompt("\x1a");
    assert_has(&stopped, "Stopped", "Ctrl-Z");
    assert_has(&console.run("jobs"), "sleep 100", "jobs lists the stopped job");
    assert_has(&console.run("bg"), "sleep 100", "bg");
    console.run("kill %1");
    let ended = console.run("jobs");
    assert!(!ended.contains("Stopped"), "the job is gone after kill %1:\n{ended}");
    // A background job finishes while the person types.
    console.run("sleep 1 &");
    console.session.type_text("echo typed").expect("type");
    std::thread::sleep(Duration::from_secs(2));
    let typed = console.run("");
    assert_has(&typed, "typed", "the line typed while a job ran");
    let report = console.run("jobs");
    assert!(!report.contains("Running"), "the finished job is not listed as running:\n{report}");
    // A program that crashes leaves the shell usable.
    let crashed = console.run("/bin/hello --crash");
    assert_has(&crashed, "Segmentation fault", "crash report");
    assert_has(&console.run("echo status $?"), "status 139", "$? after SIGSEGV");
    // History: the up arrow recalls the last line.
    console.run("echo recalled");
    console.send(UP_ARROW);
    console.send("\r");
    let redrawn = console.wait_for("\n");
    assert_has(&redrawn, "echo recalled", "the up arrow brings the line back");
    let output = console.prompt();
    assert!(output.starts_with("recalled\r\n"), "the recalled line ran again; then came:\n{output}");
}

/// Busybox's archive, with the `PATH` that finds its applets.
fn busybox_with_path() -> Result<(PathBuf, &'static str), String> {
    busybox_initramfs().map(|archive| (archive, BUSYBOX_TOOLS_PATH))
}

/// Runs the script in `shell`, then `exit 0`: init reports it and the
/// machine powers off cleanly.
fn run_session(shell: &str, prompt: &'static str, archive: Result<(PathBuf, &'static str), String>) {
    let (initrd, path) = match archive {
        Ok(found) => found,
        Err(why) => {
            println!("skipped: {why}");
            return;
        }
    };
    let mut console = Console::start(initrd, shell, prompt);
    console.prompt();
    console.session.type_text(&format!("export PATH={path}\r")).expect("type");
    console.prompt();
    session_script(&mut console);
    console.session.type_text("exit 0\r").expect("type");
    let result = console.session.finish(STEP).expect("QEMU ends");
    assert_outcome(&result, Outcome::PowerOff);
    assert_line_contains(&result, &format!("init: {shell} exited with status 0"));
    assert_no_line_contains(&result, PANIC);
}

#[test]
fn our_shell_runs_pipelines_redirection_jobs_and_survives_crashes() {
    run_session("/bin/sh", " $ ", initramfs_with_tools());
}

#[test]
fn busybox_ash_does_the_same_on_our_terminal() {
    run_session("/busybox/bin/sh", " # ", busybox_with_path());
}
