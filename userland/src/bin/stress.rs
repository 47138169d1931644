//! `stress THREADS SECONDS`: busy threads, then which CPUs each ran on
//! (see `tools::stress`).

use userland::tools::stress;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = stress::parse_args(&args).and_then(|plan| {
        println!("stress: {} threads for {:?}", plan.threads, plan.duration);
        stress::run(plan)
    });
    match result {
        Ok(reports) => {
            for line in stress::report_lines(&reports) {
                println!("stress: {line}");
            }
        }
        Err(error) => {
            eprintln!("{error}");
            std::process::exit(1);
        }
    }
}
