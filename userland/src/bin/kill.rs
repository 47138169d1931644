//! `kill [-SIGNAL] PID...`, `kill -l [N]`: send signals (see
//! `tools::kill_args`). Exits 1 if any pid could not be signalled.

use userland::tools::kill_args::{self, KillRequest};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let request = match kill_args::parse_args(&args) {
        Ok(request) => request,
        Err(error) => {
            eprintln!("{error}");
            std::process::exit(2);
        }
    };
    let mut failed = false;
    match request {
        KillRequest::ListAll => println!("{}", kill_args::list_all()),
        KillRequest::Name(number) => {
            println!("{}", kill_args::signal_name(number).unwrap_or_default())
        }
        KillRequest::Send { signal, pids } => {
            for pid in pids {
                // SAFETY: kill takes plain numbers.
                if unsafe { libc::kill(pid, signal) } != 0 {
                    eprintln!("kill: ({pid}) - {}", std::io::Error::last_os_error());
                    failed = true;
                }
            }
        }
    }
    std::process::exit(i32::from(failed));
}
