//! `free [-h]`: memory in use and free, from `/proc/meminfo`, laid out
//! like procps (see `tools::free_table`).

use userland::tools::{free_table, meminfo, read_proc_file};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = free_table::parse_args(&args)
        .and_then(|units| Ok((units, meminfo::parse(&read_proc_file("/proc/meminfo")?)?)))
        .and_then(|(units, info)| free_table::table(&info, units));
    match result {
        Ok(text) => print!("{text}"),
        Err(error) => {
            eprintln!("free: {error}");
            std::process::exit(1);
        }
    }
}
