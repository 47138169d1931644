//! Writes the three files into a directory and returns what the terminal shows.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::dump::Dump;
use crate::model::Trace;
use crate::summary::Summary;
use crate::{ftrace_text, perfetto, svg};

/// File names inside the output directory.
pub const PERFETTO_FILE: &str = "trace.perfetto-trace";
pub const FTRACE_FILE: &str = "trace.txt";
pub const SVG_FILE: &str = "timeline.svg";

/// What [`export`] produced.
pub struct Exported {
    pub dump: Dump,
    pub trace: Trace,
    pub summary: Summary,
    pub files: Vec<PathBuf>,
}

/// Reads `log`, writes the exports into `directory` (created if needed).
pub fn export(log: &str, directory: &Path) -> io::Result<Exported> {
    let dump = crate::dump::read(log);
    let trace = Trace::build(&dump);
    let summary = Summary::of(&trace);
    fs::create_dir_all(directory)?;
    let files = vec![directory.join(PERFETTO_FILE), directory.join(FTRACE_FILE), directory.join(SVG_FILE)];
    fs::write(&files[0], perfetto::encode(&trace))?;
    fs::write(&files[1], ftrace_text::write(&trace))?;
    fs::write(&files[2], svg::write(&trace))?;
    Ok(Exported {
        dump,
        trace,
        summary,
        files,
    })
}
