//! `init`: PID 1. Runs the program named by its arguments (or `/bin/sh`),
//! reaps orphans, reports how the program ended and powers off. See
//! `userland::init_plan` for the arguments and `userland::pid1` for the
//! power-off convention.

use std::path::Path;

use userland::init_plan::{
    nothing_to_run_message, plan, InitPlan, DEFAULT_PATH, DEFAULT_SHELL, STATUS_NOT_FOUND,
};
use userland::pid1::{adopt_orphans, power_off, reap_ended_children, run_and_reap};
use userland::wait_status::ChildEnd;

fn main() {
    if std::env::var_os("PATH").is_none() {
        std::env::set_var("PATH", DEFAULT_PATH);
    }
    if !adopt_orphans() {
        println!("init: warning: cannot become the reaper of orphans (PR_SET_CHILD_SUBREAPER)");
    }
    let args: Vec<_> = std::env::args_os().skip(1).collect();
    let end = match plan(&args, Path::new(DEFAULT_SHELL).exists()) {
        InitPlan::Run { program, args } => {
            let end = run_and_reap(&program, &args);
            println!("init: {} {end}", program.to_string_lossy());
            end
        }
        InitPlan::NothingToRun => {
            println!("{}", nothing_to_run_message());
            ChildEnd::Exited(STATUS_NOT_FOUND)
        }
    };
    reap_ended_children();
    power_off(end)
}
