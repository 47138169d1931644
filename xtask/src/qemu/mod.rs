//! Boots the kernel ELF in QEMU, streams the serial console and reports the outcome.
//!
//! All QEMU flags live in this file: [`qemu_args`] builds the command line from a
//! [`QemuConfig`] and the accelerator/machine resolved by [`resolve`]. The CPU
//! models are the [`KVM_CPU_MODEL`] / [`TCG_CPU_MODEL`] constants.
//!
//! Serial output: QEMU runs with `-serial stdio`; its stdout is a pipe read by a
//! thread (`console_pump`), which copies each chunk to our stdout as it arrives (when
//! [`QemuConfig::echo`] is set) and keeps the whole text for [`RunResult::serial`].

use std::ffi::OsString;
use std::fmt;
use std::fs::OpenOptions;
use std::io::{self, IsTerminal};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::str::FromStr;
use std::thread;
use std::time::{Duration, Instant};

use crate::exit_protocol::{Outcome, ISA_DEBUG_EXIT_IOSIZE, ISA_DEBUG_EXIT_PORT};

/// The QEMU binary, looked up on `PATH`.
pub const QEMU_BINARY: &str = "qemu-system-x86_64";
/// CPU model under KVM: the host CPU without `IA32_ARCH_CAPABILITIES` (MSR
/// 0x10a); plain `-cpu host` makes QEMU 7.2 abort on some hosts ("failed to
/// set MSR 0x10a").
pub const KVM_CPU_MODEL: &str = "host,-arch-capabilities";
/// Kernel arguments for a guest under an instruction-emulating KVM (see
/// [`kvm_emulates_instructions`]): SMAP off, FXSAVE instead of XSAVE.
pub const EMULATED_KVM_KERNEL_ARGUMENTS: [&str; 2] = ["nosmap", "noxsave"];
/// CPU model under TCG: everything TCG can emulate (64-bit, NX, ...), without
/// `arch-capabilities` to look like the KVM model.
pub const TCG_CPU_MODEL: &str = "max,-arch-capabilities";
/// Default guest memory in MiB.
pub const DEFAULT_MEM_MIB: u32 = 256;
/// Default CPU count.
pub const DEFAULT_SMP: u32 = 1;
/// Largest CPU count the kernel supports (`protocol::MAX_CPUS`).
pub const MAX_SMP: u32 = protocol::MAX_CPUS;
/// TCP port of QEMU's gdb stub (`-s`).
pub const GDB_PORT: u16 = 1234;
/// How often the runner checks whether QEMU exited or the timeout expired.
const POLL_INTERVAL: Duration = Duration::from_millis(10);

/// Accelerator requested by the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accel {
    /// KVM when `/dev/kvm` can be opened read-write, else TCG.
    Auto,
    /// Hardware virtualization; fails early when `/dev/kvm` is not usable.
    Kvm,
    /// QEMU's software emulator: slow, but runs anywhere.
    Tcg,
}

/// Accelerator actually used for a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResolvedAccel {
    /// `-accel kvm`.
    Kvm,
    /// `-accel tcg`.
    Tcg,
}

/// QEMU machine type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Machine {
    /// The classic i440FX PC (`-machine pc`): the default under TCG.
    Pc,
    /// The minimal virtual machine with ACPI tables (`-machine microvm,acpi=on`):
    /// the default under KVM; boots faster.
    Microvm,
}

impl ResolvedAccel {
    /// The machine used when none is given: KVM boots `microvm`, TCG boots `pc`.
    pub fn default_machine(self) -> Machine {
        match self {
            ResolvedAccel::Kvm => Machine::Microvm,
            ResolvedAccel::Tcg => Machine::Pc,
        }
    }
}

impl FromStr for Accel {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "auto" => Ok(Accel::Auto),
            "kvm" => Ok(Accel::Kvm),
            "tcg" => Ok(Accel::Tcg),
            _ => Err(format!(
                "unknown accelerator '{text}': expected auto, kvm or tcg"
            )),
        }
    }
}

impl FromStr for Machine {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "pc" => Ok(Machine::Pc),
            "microvm" => Ok(Machine::Microvm),
            _ => Err(format!("unknown machine '{text}': expected pc or microvm")),
        }
    }
}

impl fmt::Display for ResolvedAccel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ResolvedAccel::Kvm => "kvm",
            ResolvedAccel::Tcg => "tcg",
        })
    }
}

impl fmt::Display for Machine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Machine::Pc => "pc",
            Machine::Microvm => "microvm",
        })
    }
}

/// Everything needed to boot the kernel once.
#[derive(Debug, Clone)]
pub struct QemuConfig {
    /// Number of CPUs (`-smp`), 1..=[`MAX_SMP`].
    pub smp: u32,
    /// Guest memory in MiB (`-m`).
    pub mem_mib: u32,
    /// Requested accelerator.
    pub accel: Accel,
    /// Machine type; `None` follows the accelerator (KVM: microvm, TCG: pc).
    pub machine: Option<Machine>,
    /// Kernel command line words, joined by spaces into `-append` byte for
    /// byte (they need not be UTF-8). Not length-checked here: `cargo xtask
    /// run` refuses long lines (`args::check_command_line_length`), and tests
    /// boot longer ones on purpose.
    pub kernel_args: Vec<OsString>,
    /// Kill QEMU after this long and report [`Outcome::Timeout`].
    pub timeout: Option<Duration>,
    /// Start the gdb stub on [`GDB_PORT`] and wait for a debugger (`-s -S`).
    pub gdb: bool,
    /// The kernel ELF passed to `-kernel`.
    pub kernel_elf: PathBuf,
    /// The initramfs passed to `-initrd` (a newc cpio archive), if any; PVH
    /// hands it to the kernel as the first module of `hvm_start_info`.
    pub initrd: Option<PathBuf>,
    /// Copy the serial console (and QEMU's stderr) to our stdout (stderr) live.
    pub echo: bool,
    /// Where the guest's serial input comes from.
    pub input: ConsoleInput,
    /// Save the second serial port (COM2, the kernel's trace port) to this file.
    pub trace_file: Option<PathBuf>,
}

/// Where the serial console's input comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConsoleInput {
    /// Nothing (QEMU's stdin is /dev/null).
    Closed,
    /// Our stdin, a terminal: QEMU puts it in raw mode and multiplexes it
    /// (`mux=on`), so Ctrl-A X quits QEMU and Ctrl-A Ctrl-A sends a Ctrl-A; every
    /// other key, Ctrl-C, Ctrl-Z and Ctrl-\ included, goes to the guest.
    Terminal,
    /// Our stdin, not a terminal (a pipe or a file): passed byte for byte,
    /// Ctrl-A included.
    Stream,
    /// A pipe multiplexed like a terminal (`mux=on`): Ctrl-A B sends a
    /// serial BREAK (magic SysRq), Ctrl-A Ctrl-A a Ctrl-A. For test
    /// sessions that drive SysRq (`QemuSession::start_multiplexed`).
    Multiplexed,
}

impl ConsoleInput {
    /// [`ConsoleInput::Terminal`] or [`ConsoleInput::Stream`], by what our stdin is.
    pub fn from_stdin() -> ConsoleInput {
        if io::stdin().is_terminal() {
            ConsoleInput::Terminal
        } else {
            ConsoleInput::Stream
        }
    }
}

impl QemuConfig {
    /// A config with the defaults of `cargo xtask run`: 1 CPU, 256 MiB, auto
    /// accelerator, no kernel arguments, no initramfs, no timeout, echo on.
    pub fn new(kernel_elf: impl Into<PathBuf>) -> QemuConfig {
        QemuConfig {
            smp: DEFAULT_SMP,
            mem_mib: DEFAULT_MEM_MIB,
            accel: Accel::Auto,
            machine: None,
            kernel_args: Vec::new(),
            timeout: None,
            gdb: false,
            kernel_elf: kernel_elf.into(),
            initrd: None,
            echo: true,
            input: ConsoleInput::Closed,
            trace_file: None,
        }
    }
}

/// The result of one QEMU run.
#[derive(Debug, Clone)]
pub struct RunResult {
    /// How the run ended.
    pub outcome: Outcome,
    /// The whole serial output (lossy UTF-8; lines may end in `\r\n`).
    pub serial: String,
    /// What QEMU itself printed on stderr (errors, warnings).
    pub qemu_stderr: String,
    /// The accelerator used.
    pub accel: ResolvedAccel,
    /// The machine type used.
    pub machine: Machine,
    /// Wall-clock time from spawning QEMU until it exited or was killed.
    pub wall: Duration,
}

impl RunResult {
    /// The serial output split into lines, without line terminators.
    pub fn serial_lines(&self) -> impl Iterator<Item = &str> {
        self.serial.lines().map(|line| line.trim_end_matches('\r'))
    }
}

/// An accelerator and machine chosen for a run, with the reason for the choice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The accelerator.
    pub accel: ResolvedAccel,
    /// The machine type.
    pub machine: Machine,
    /// Why, for the `xtask: accel=...` line (e.g. `auto: /dev/kvm usable`).
    pub reason: String,
}

/// True when `/dev/kvm` can actually be opened read-write (existence is not
/// enough: permissions and containers often deny it).
pub fn kvm_usable() -> bool {
    OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/kvm")
        .is_ok()
}

/// Whether `/dev/kvm` here is an instruction emulator rather than hardware
/// virtualization: the host CPU shows neither `vmx` nor `svm` (a nested
/// VM without them, as on our build machines). That KVM stops the guest at
/// the first `clac`/`stac`, `xgetbv`, `xsave` or `xrstor` ("KVM internal
/// error") and ignores `-cpu ...,-smap`, so guests under it boot with
/// [`EMULATED_KVM_KERNEL_ARGUMENTS`] (TEAM_NOTES/kvm-here-is-an-emulator.md).
pub fn kvm_emulates_instructions() -> bool {
    match std::fs::read_to_string("/proc/cpuinfo") {
        Ok(cpuinfo) => !cpuinfo
            .lines()
            .filter(|line| line.starts_with("flags"))
            .any(|line| line.split_ascii_whitespace().any(|flag| flag == "vmx" || flag == "svm")),
        Err(_) => false,
    }
}

/// Chooses the accelerator and machine; errors when KVM is demanded but unusable.
pub fn resolve(accel: Accel, machine: Option<Machine>) -> io::Result<Resolved> {
    let (accel, reason) = match accel {
        Accel::Auto if kvm_usable() && !kvm_emulates_instructions() => (ResolvedAccel::Kvm, "auto: /dev/kvm usable"),
        Accel::Auto if kvm_usable() => (
            ResolvedAccel::Tcg,
            "auto: this /dev/kvm emulates instructions (no vmx/svm on the host) and cannot run user programs; --accel kvm forces it",
        ),
        Accel::Auto => (ResolvedAccel::Tcg, "auto: /dev/kvm not usable"),
        Accel::Kvm if kvm_usable() => (ResolvedAccel::Kvm, "requested"),
        Accel::Kvm => {
            return Err(io::Error::other(
                "--accel kvm requested but /dev/kvm cannot be opened read-write \
                 (use --accel tcg or auto)",
            ))
        }
        Accel::Tcg => (ResolvedAccel::Tcg, "requested"),
    };
    Ok(Resolved {
        accel,
        machine: machine.unwrap_or_else(|| accel.default_machine()),
        reason: reason.to_string(),
    })
}

/// The QEMU arguments (without the binary name) for `cfg` on `accel`/`machine`.
pub fn qemu_args(cfg: &QemuConfig, accel: ResolvedAccel, machine: Machine) -> Vec<OsString> {
    let mut args: Vec<OsString> = vec![
        "-kernel".into(),
        cfg.kernel_elf.clone().into_os_string(),
    ];
    if let Some(initrd) = &cfg.initrd {
        args.extend(["-initrd".into(), initrd.clone().into_os_string()]);
    }
    args.extend([
        "-smp".into(),
        cfg.smp.to_string().into(),
        "-m".into(),
        cfg.mem_mib.to_string().into(),
        "-display".into(),
        "none".into(),
        "-no-reboot".into(),
        "-chardev".into(),
        format!("stdio,id=console,signal=off,mux={}", if matches!(cfg.input, ConsoleInput::Terminal | ConsoleInput::Multiplexed) { "on" } else { "off" }).into(),
        "-serial".into(),
        "chardev:console".into(),
    ]);
    if let Some(trace_file) = &cfg.trace_file {
        let mut spec = OsString::from("file:");
        spec.push(trace_file);
        args.extend(["-serial".into(), spec]);
    }
    args.extend([
        "-monitor".into(),
        "none".into(),
        "-device".into(),
        format!(
            "isa-debug-exit,iobase={ISA_DEBUG_EXIT_PORT:#x},iosize={ISA_DEBUG_EXIT_IOSIZE:#04x}"
        )
        .into(),
    ]);
    let (accel_name, cpu_model) = match accel {
        ResolvedAccel::Kvm => ("kvm", KVM_CPU_MODEL),
        ResolvedAccel::Tcg => ("tcg", TCG_CPU_MODEL),
    };
    args.extend([
        "-accel".into(),
        accel_name.into(),
        "-cpu".into(),
        cpu_model.into(),
    ]);
    let machine_spec = match machine {
        Machine::Pc => "pc",
        Machine::Microvm => "microvm,acpi=on",
    };
    args.extend(["-machine".into(), machine_spec.into()]);
    let mut kernel_args = cfg.kernel_args.clone();
    if accel == ResolvedAccel::Kvm && kvm_emulates_instructions() {
        kernel_args.splice(0..0, EMULATED_KVM_KERNEL_ARGUMENTS.map(OsString::from));
    }
    if !kernel_args.is_empty() {
        args.extend(["-append".into(), kernel_command_line(&kernel_args)]);
    }
    if cfg.gdb {
        args.extend(["-s".into(), "-S".into()]);
    }
    args
}

/// The kernel command line: the words joined by single spaces, as bytes.
pub fn kernel_command_line(kernel_args: &[OsString]) -> OsString {
    let mut line = OsString::new();
    for (index, word) in kernel_args.iter().enumerate() {
        if index > 0 {
            line.push(" ");
        }
        line.push(word);
    }
    line
}

/// Renders a command line for humans (arguments with spaces are single-quoted;
/// bytes that are not UTF-8 are shown as U+FFFD).
pub fn shell_words(program: &str, args: &[OsString]) -> String {
    let mut line = program.to_string();
    for arg in args {
        let arg = arg.to_string_lossy();
        let arg = arg.as_ref();
        line.push(' ');
        if arg.is_empty() || arg.contains([' ', '\'', '"', '$', '\\']) {
            line.push('\'');
            line.push_str(&arg.replace('\'', r"'\''"));
            line.push('\'');
        } else {
            line.push_str(arg);
        }
    }
    line
}

/// Boots the kernel as `cfg` says and waits for the outcome (or the timeout).
///
/// Errors only when QEMU cannot be started at all (or KVM was demanded but is
/// unusable); every way QEMU can end is an [`Outcome`].
pub fn run_qemu(cfg: &QemuConfig) -> io::Result<RunResult> {
    let resolved = resolve(cfg.accel, cfg.machine)?;
    eprintln!(
        "xtask: accel={} machine={} ({})",
        resolved.accel, resolved.machine, resolved.reason
    );
    let args = qemu_args(cfg, resolved.accel, resolved.machine);
    if cfg.echo {
        eprintln!("xtask: {}", shell_words(QEMU_BINARY, &args));
    }
    if cfg.gdb {
        eprintln!(
            "xtask: QEMU waits for gdb; attach with: gdb {} -ex 'target remote :{GDB_PORT}'",
            cfg.kernel_elf.display()
        );
    }
    let stdin = match cfg.input {
        ConsoleInput::Closed => Stdio::null(),
        ConsoleInput::Terminal => {
            eprintln!("xtask: serial console on this terminal; Ctrl-C goes to the guest; Ctrl-A X quits QEMU, Ctrl-A Ctrl-A sends Ctrl-A; Ctrl-A B then a key is SysRq (h: help)");
            Stdio::inherit()
        }
        ConsoleInput::Stream | ConsoleInput::Multiplexed => Stdio::inherit(),
    };

    let started = Instant::now();
    let mut child = Command::new(QEMU_BINARY)
        .args(&args)
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|error| {
            io::Error::new(error.kind(), format!("cannot start {QEMU_BINARY}: {error}"))
        })?;
    let serial_reader = pump(
        child.stdout.take().expect("stdout is piped"),
        cfg.echo,
        io::stdout,
        Some(cfg.kernel_elf.clone()),
    );
    let stderr_reader = pump(
        child.stderr.take().expect("stderr is piped"),
        cfg.echo,
        io::stderr,
        None,
    );

    let outcome = wait_for_exit(&mut child, cfg.timeout.map(|timeout| started + timeout))?;
    let wall = started.elapsed();
    let serial = String::from_utf8_lossy(&serial_reader.join().unwrap_or_default()).into_owned();
    let qemu_stderr =
        String::from_utf8_lossy(&stderr_reader.join().unwrap_or_default()).into_owned();
    Ok(RunResult {
        outcome,
        serial,
        qemu_stderr,
        accel: resolved.accel,
        machine: resolved.machine,
        wall,
    })
}

/// Waits for QEMU to exit; kills it once `deadline` has passed.
fn wait_for_exit(child: &mut Child, deadline: Option<Instant>) -> io::Result<Outcome> {
    use std::os::unix::process::ExitStatusExt;
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Outcome::from_qemu_status(status.code(), status.signal()));
        }
        if deadline.is_some_and(|deadline| Instant::now() >= deadline) {
            // Kill can only fail if QEMU exited meanwhile; wait() reaps it either way.
            let _ = child.kill();
            child.wait()?;
            return Ok(Outcome::Timeout);
        }
        thread::sleep(POLL_INTERVAL);
    }
}

/// Copying QEMU's output as it arrives, backtraces symbolised.
mod console_pump;
use console_pump::pump;

#[cfg(test)]
mod tests;

/// Interactive runs: typing into the serial line, waiting for console text.
pub mod session;
