//! `poweroff` and `reboot`: flush file data (`sync`), then `reboot(2)`
//! with Linux's magic numbers and `LINUX_REBOOT_CMD_POWER_OFF` or
//! `LINUX_REBOOT_CMD_RESTART`. The fourth argument is passed as 0 (this
//! kernel reads it as the exit status QEMU reports, see `pid1.rs`), so
//! both end QEMU with success.

use std::io;

/// What to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PowerAction {
    PowerOff,
    Restart,
}

impl PowerAction {
    /// `reboot(2)`'s command number.
    pub fn command(self) -> libc::c_int {
        match self {
            PowerAction::PowerOff => libc::LINUX_REBOOT_CMD_POWER_OFF,
            PowerAction::Restart => libc::LINUX_REBOOT_CMD_RESTART,
        }
    }
}

/// Checks the arguments: none, or `-f` (`--force`, accepted: this tool
/// always calls the kernel directly).
pub fn parse_args(program: &str, args: &[String]) -> Result<(), String> {
    match args
        .iter()
        .find(|arg| !matches!(arg.as_str(), "-f" | "--force"))
    {
        Some(arg) => Err(format!(
            "{program}: unknown argument {arg:?} (usage: {program} [-f])"
        )),
        None => Ok(()),
    }
}

/// Syncs and asks the kernel; returns only on failure.
pub fn perform(action: PowerAction) -> io::Error {
    // SAFETY: sync and reboot take plain numbers; reboot returns only on error.
    unsafe {
        libc::sync();
        libc::syscall(
            libc::SYS_reboot,
            libc::LINUX_REBOOT_MAGIC1,
            libc::LINUX_REBOOT_MAGIC2,
            action.command(),
            0usize,
        );
    }
    io::Error::last_os_error()
}

/// The whole of `poweroff` and `reboot` (`program`): check the
/// arguments (status 2 when bad), then `perform`; on failure say why and
/// exit 1.
pub fn run(program: &str, action: PowerAction) -> ! {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Err(error) = parse_args(program, &args) {
        eprintln!("{error}");
        std::process::exit(2);
    }
    let error = perform(action);
    eprintln!("{program}: {error}");
    std::process::exit(1);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_and_arguments() {
        assert_eq!(PowerAction::PowerOff.command(), 0x4321_fedc);
        assert_eq!(PowerAction::Restart.command(), 0x0123_4567);
        assert!(parse_args("poweroff", &[]).is_ok());
        assert!(parse_args("poweroff", &["-f".into()]).is_ok());
        assert!(parse_args("reboot", &["now".into()])
            .unwrap_err()
            .contains("reboot"));
    }
}
