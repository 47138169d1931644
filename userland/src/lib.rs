//! Our user programs' logic (the binaries in `src/bin/` are thin): Rust `std`
//! plus `libc`, built for `x86_64-unknown-linux-musl` for the guest and
//! tested on the host with `cargo test -p userland`.

/// `affinitycheck`: CPU affinity checks (Linux's sched_setaffinity semantics).
pub mod affinity_checks;
/// fork-and-run-a-closure, waitpid wrappers.
pub mod child_process;
/// `hello`: its report and `--exit N`.
pub mod hello;
/// `init`: what to run, from its arguments.
pub mod init_plan;
/// `init` as PID 1: run, reap, report, power off (and the power-off convention).
pub mod pid1;
/// Linux signal names, one table.
pub mod signal_names;
/// `sh`: the shell (parser, line editor, job control).
pub mod shell;
/// `kernelcheck`'s socket checks.
pub mod socket_checks;
/// `kernelcheck`'s controlling-terminal check.
pub mod terminal_checks;
/// `ps`, `top`, `cpus`, `free` and the other system tools: `/proc` parsers.
pub mod tools;
/// `trace`: the kernel's tracer started, stopped and dumped through `/sys/kernel/tracing`.
pub mod trace_tool;
/// `usertest`: subcommands that print `USERTEST PASS|FAIL name` lines.
pub mod usertest;
/// Raw wait statuses decoded, signal names.
pub mod wait_status;
