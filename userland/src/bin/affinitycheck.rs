//! `affinitycheck [NAME...]`: checks of CPU affinity (`sched_setaffinity`,
//! `sched_getaffinity`), one verdict line each (`ACHECK PASS|FAIL NAME:
//! ...`); exit status 0 when all pass. Each passes on Linux as well. The
//! checks: `userland::affinity_checks`.

use userland::affinity_checks::CHECKS;

fn main() {
    let wanted: Vec<String> = std::env::args().skip(1).collect();
    let mut failed = false;
    for (name, check) in CHECKS {
        if !wanted.is_empty() && !wanted.iter().any(|word| word == name) {
            continue;
        }
        match check() {
            Ok(detail) => println!("ACHECK PASS {name}: {detail}"),
            Err(reason) => {
                println!("ACHECK FAIL {name}: {reason}");
                failed = true;
            }
        }
    }
    std::process::exit(i32::from(failed));
}
