//! `reboot`: sync, then `reboot(2)` (see `tools::power`); QEMU ends
//! with status 0.

use userland::tools::power::{self, PowerAction};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Err(error) = power::parse_args("reboot", &args) {
        eprintln!("{error}");
        std::process::exit(2);
    }
    let error = power::perform(PowerAction::Restart);
    eprintln!("reboot: {error}");
    std::process::exit(1);
}
