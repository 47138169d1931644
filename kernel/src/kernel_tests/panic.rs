//! `test=panic`: the last CPU panics on purpose; the report must name it and
//! the other CPUs must be stopped. Returning at all is a failure.

use alloc::string::String;

fn deliberate_panic() {
    panic!("deliberate test panic");
}

pub fn run() -> Result<(), String> {
    crate::cross_call::run_on(super::last_cpu(), deliberate_panic);
    Err(String::from("the panicking CPU came back"))
}
