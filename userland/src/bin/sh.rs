//! `sh`: our shell (see `userland::shell` and TEAM_NOTES/shell.md).

fn main() {
    let argv: Vec<String> = std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    std::process::exit(userland::shell::main(&argv));
}
