//! `init`: PID 1. Runs the program named by its arguments (or `/bin/sh`)
//! in its own session on the console, reaps orphans, reports how the
//! program ended and powers off; SIGUSR2/SIGTERM power off at once (status
//! 0). See `userland::init_plan` for the arguments and `userland::pid1` for
//! the power-off convention.

use std::path::Path;

use userland::init_plan::{
    nothing_to_run_message, plan, InitPlan, DEFAULT_PATH, DEFAULT_SHELL, STATUS_NOT_FOUND,
};
use userland::pid1::{
    accept_power_requests, adopt_orphans, end_all_processes, power_off, reap_ended_children,
    run_and_reap, RunEnd,
};
use userland::wait_status::{signal_name, ChildEnd};

fn main() {
    if std::env::var_os("PATH").is_none() {
        std::env::set_var("PATH", DEFAULT_PATH);
    }
    if !adopt_orphans() {
        println!("init: warning: cannot become the reaper of orphans (PR_SET_CHILD_SUBREAPER)");
    }
    accept_power_requests();
    let args: Vec<_> = std::env::args_os().skip(1).collect();
    let end = match plan(&args, Path::new(DEFAULT_SHELL).exists()) {
        InitPlan::Run { program, args } => match run_and_reap(&program, &args) {
            RunEnd::Program(end) => {
                println!("init: {} {end}", program.to_string_lossy());
                end
            }
            RunEnd::PowerRequest { signal, program } => {
                println!("init: power-off requested ({})", signal_name(signal));
                end_all_processes(program);
                ChildEnd::Exited(0)
            }
        },
        InitPlan::NothingToRun => {
            println!("{}", nothing_to_run_message());
            ChildEnd::Exited(STATUS_NOT_FOUND)
        }
    };
    reap_ended_children();
    power_off(end)
}
