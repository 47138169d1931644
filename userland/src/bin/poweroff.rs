//! `poweroff`: sync, then `reboot(2)` (see `tools::power`); QEMU ends
//! with status 0.

use userland::tools::power::{self, PowerAction};

fn main() {
    power::run("poweroff", PowerAction::PowerOff);
}
