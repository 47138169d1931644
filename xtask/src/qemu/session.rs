//! An interactive QEMU run: the caller types into the serial line (QEMU's
//! stdin, a pipe, passed byte for byte) and waits for text on the console,
//! as a person at a terminal would. The QEMU tests of the terminal and the
//! shells drive the guest this way, never through a kernel test hook.
//!
//! ```text
//! let mut session = QemuSession::start(&cfg)?;
//! session.wait_for("$ ", Duration::from_secs(30))?;
//! session.type_text("ls / | wc -l\r")?;
//! let reply = session.wait_for("$ ", Duration::from_secs(30))?;
//! let result = session.finish(Duration::from_secs(10));
//! ```

use super::{qemu_args, resolve, wait_for_exit, ConsoleInput, QemuConfig, RunResult, QEMU_BINARY};
use std::io::{self, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// Pause between typed bytes (a fast typist; the UART takes 115200 baud).
pub const TYPING_DELAY: Duration = Duration::from_millis(2);

/// The console text seen so far, and a signal for each new piece.
type Shared = Arc<(Mutex<Vec<u8>>, Condvar)>;

/// A running QEMU whose serial line the caller drives.
pub struct QemuSession {
    child: Child,
    stdin: Option<ChildStdin>,
    console: Shared,
    readers: Vec<JoinHandle<()>>,
    stderr: Arc<Mutex<Vec<u8>>>,
    started: Instant,
    /// Where the next `wait_for` starts looking.
    position: usize,
    resolved: super::Resolved,
    /// The serial input is multiplexed (`start_multiplexed`): Ctrl-A is
    /// QEMU's escape, so `send` doubles it.
    multiplexed: bool,
}

/// QEMU's multiplexer escape (Ctrl-A), followed by `b`: a serial BREAK.
pub const SEND_BREAK: [u8; 2] = [0x01, b'b'];

impl QemuSession {
    /// Boots `cfg` with the serial input on a pipe this session writes.
    pub fn start(cfg: &QemuConfig) -> io::Result<QemuSession> {
        Self::start_with(cfg, ConsoleInput::Stream)
    }

    /// [`QemuSession::start`] with QEMU's multiplexer on the serial input,
    /// as on a terminal: [`QemuSession::send_break`] works (bytes typed
    /// are passed on as they are, a Ctrl-A doubled).
    pub fn start_multiplexed(cfg: &QemuConfig) -> io::Result<QemuSession> {
        Self::start_with(cfg, ConsoleInput::Multiplexed)
    }

    fn start_with(cfg: &QemuConfig, input: ConsoleInput) -> io::Result<QemuSession> {
        let resolved = resolve(cfg.accel, cfg.machine)?;
        let cfg = QemuConfig { input, ..cfg.clone() };
        let args = qemu_args(&cfg, resolved.accel, resolved.machine);
        let mut child = Command::new(QEMU_BINARY)
            .args(&args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|error| io::Error::new(error.kind(), format!("cannot start {QEMU_BINARY}: {error}")))?;
        let console: Shared = Arc::new((Mutex::new(Vec::new()), Condvar::new()));
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let mut readers = Vec::new();
        let stdout = child.stdout.take().expect("stdout is piped");
        let sink = console.clone();
        readers.push(thread::spawn(move || collect(stdout, |bytes| {
            let (text, arrived) = &*sink;
            text.lock().expect("console lock").extend_from_slice(bytes);
            arrived.notify_all();
        })));
        let stderr_pipe = child.stderr.take().expect("stderr is piped");
        let stderr_sink = stderr.clone();
        readers.push(thread::spawn(move || collect(stderr_pipe, |bytes| stderr_sink.lock().expect("stderr lock").extend_from_slice(bytes))));
        let stdin = child.stdin.take();
        let multiplexed = input == ConsoleInput::Multiplexed;
        Ok(QemuSession { child, stdin, console, readers, stderr, started: Instant::now(), position: 0, resolved, multiplexed })
    }

    /// Sends `bytes` to the serial line at once (a paste).
    pub fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        if self.multiplexed && bytes.contains(&SEND_BREAK[0]) {
            let escaped: Vec<u8> = bytes.iter().flat_map(|&byte| if byte == SEND_BREAK[0] { vec![byte, byte] } else { vec![byte] }).collect();
            return self.send_raw(&escaped);
        }
        self.send_raw(bytes)
    }

    /// Sends a serial BREAK (QEMU's Ctrl-A B); only in a multiplexed session.
    pub fn send_break(&mut self) -> io::Result<()> {
        if !self.multiplexed {
            return Err(io::Error::new(io::ErrorKind::Unsupported, "a BREAK needs a multiplexed session (QemuSession::start_multiplexed)"));
        }
        self.send_raw(&SEND_BREAK)
    }

    fn send_raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        let stdin = self.stdin.as_mut().ok_or_else(|| io::Error::new(io::ErrorKind::BrokenPipe, "the serial input is closed"))?;
        stdin.write_all(bytes)?;
        stdin.flush()
    }

    /// Types `text` byte by byte with [`TYPING_DELAY`] between bytes.
    pub fn type_text(&mut self, text: &str) -> io::Result<()> {
        for byte in text.bytes() {
            self.send(&[byte])?;
            thread::sleep(TYPING_DELAY);
        }
        Ok(())
    }

    /// Waits until `needle` appears on the console after the previous match;
    /// returns the text from there up to and including it. On timeout (or
    /// when QEMU has exited) returns an error with the console's tail.
    pub fn wait_for(&mut self, needle: &str, timeout: Duration) -> Result<String, String> {
        let deadline = Instant::now() + timeout;
        let (text, arrived) = &*self.console;
        let mut seen = text.lock().expect("console lock");
        loop {
            if let Some(offset) = find(&seen[self.position..], needle.as_bytes()) {
                let end = self.position + offset + needle.len();
                let found = String::from_utf8_lossy(&seen[self.position..end]).into_owned();
                self.position = end;
                return Ok(found);
            }
            let now = Instant::now();
            let exited = matches!(self.child.try_wait(), Ok(Some(_)));
            if now >= deadline || exited {
                let tail = String::from_utf8_lossy(&seen[seen.len().saturating_sub(3000)..]).into_owned();
                let why = if exited { "QEMU exited" } else { "timed out" };
                return Err(format!("{why} after {:.1} s waiting for {needle:?}; console tail:\n{tail}", self.started.elapsed().as_secs_f64()));
            }
            let wait = (deadline - now).min(Duration::from_millis(200));
            seen = arrived.wait_timeout(seen, wait).expect("console lock").0;
        }
    }

    /// Everything the console printed so far.
    pub fn console(&self) -> String {
        String::from_utf8_lossy(&self.console.0.lock().expect("console lock")).into_owned()
    }

    /// Closes the serial input, waits up to `timeout` for QEMU to end (then
    /// kills it) and returns the run's result.
    pub fn finish(mut self, timeout: Duration) -> io::Result<RunResult> {
        drop(self.stdin.take());
        let outcome = wait_for_exit(&mut self.child, Some(Instant::now() + timeout))?;
        for reader in self.readers.drain(..) {
            let _ = reader.join();
        }
        let qemu_stderr = String::from_utf8_lossy(&self.stderr.lock().expect("stderr lock")).into_owned();
        Ok(RunResult {
            outcome,
            serial: self.console(),
            qemu_stderr,
            accel: self.resolved.accel,
            machine: self.resolved.machine,
            wall: self.started.elapsed(),
        })
    }
}

impl Drop for QemuSession {
    fn drop(&mut self) {
        // A test that panicked mid-session must not leave QEMU running.
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn collect(mut source: impl Read, mut deliver: impl FnMut(&[u8])) {
    let mut chunk = [0u8; 4096];
    loop {
        match source.read(&mut chunk) {
            Ok(0) => break,
            Ok(count) => deliver(&chunk[..count]),
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    haystack.windows(needle.len()).position(|window| window == needle)
}
