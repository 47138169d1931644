//! `test=panic`: a thread on the last CPU panics on purpose; the report must
//! name that CPU and the other CPUs must be stopped. Returning at all is a
//! failure.

use alloc::string::String;

pub fn run() -> Result<(), String> {
    let thread = crate::sched::spawn_pinned(super::support::last_cpu(), "panicker", || panic!("deliberate test panic"))
        .map_err(|error| alloc::format!("spawn: {error}"))?;
    thread.join();
    Err(String::from("the panicking thread came back"))
}
