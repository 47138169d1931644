//! The tracer's files under a tracing directory: what `trace start`,
//! `stop`, `dump`, `status` and `marker` write and read. Every failure
//! names the file and the reason.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::{StartOptions, CLASSES};

/// The tracing directory (`/sys/kernel/tracing`, or another for tests).
pub struct Tracefs {
    pub dir: PathBuf,
}

impl Tracefs {
    fn path(&self, file: &str) -> PathBuf {
        self.dir.join(file)
    }

    /// Writes `text` to `file` in one write (opened with `O_TRUNC`, as `echo TEXT > file`).
    fn write(&self, file: &str, text: &str) -> Result<(), String> {
        let path = self.path(file);
        let mut opened = fs::OpenOptions::new().write(true).truncate(true).open(&path).map_err(|error| describe(&path, error))?;
        if !text.is_empty() {
            opened.write_all(text.as_bytes()).map_err(|error| describe(&path, error))?;
        }
        Ok(())
    }

    fn read(&self, file: &str) -> Result<String, String> {
        let path = self.path(file);
        fs::read_to_string(&path).map(|text| text.trim_end().to_string()).map_err(|error| describe(&path, error))
    }

    /// Clears the trace, selects what to record and starts recording.
    pub fn start(&self, options: &StartOptions) -> Result<(), String> {
        self.write("tracing_on", "0")?;
        if let Some(wanted) = options.buffer_kib {
            self.write("buffer_size_kb", &wanted.to_string()).map_err(|error| format!("-b {wanted}: {error}"))?;
        }
        let classes = options.classes.clone().unwrap_or_else(|| CLASSES.iter().map(|class| class.to_string()).collect());
        self.write("set_event", &classes.join(","))?;
        self.write("tracing_cpumask", options.cpu_mask.as_deref().unwrap_or(&"f".repeat(64)))?;
        self.write("trace", "")?;
        self.write("tracing_on", "1")
    }

    /// Stops recording.
    pub fn stop(&self) -> Result<(), String> {
        self.write("tracing_on", "0")
    }

    /// Asks the kernel to dump the trace to its trace port.
    pub fn dump(&self) -> Result<(), String> {
        self.write("dump", "1")
    }

    /// Writes a marker event.
    pub fn marker(&self, text: &str) -> Result<(), String> {
        self.write("trace_marker", text)
    }

    /// What `trace status` prints.
    pub fn status(&self) -> Result<String, String> {
        let on = self.read("tracing_on")? == "1";
        let classes: Vec<String> =
            self.read("set_event")?.lines().map(|line| line.trim_end_matches(":*").to_string()).collect();
        Ok(format!(
            "tracing: {}\nclasses: {}\ncpu mask: {}\nbuffer: {} KiB per CPU\n",
            if on { "on" } else { "off" },
            if classes.is_empty() { "none".to_string() } else { classes.join(",") },
            self.read("tracing_cpumask")?,
            self.read("buffer_size_kb")?
        ))
    }
}

fn describe(path: &Path, error: std::io::Error) -> String {
    format!("{}: {error}", path.display())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> Tracefs {
        let dir = std::env::temp_dir().join(format!("trace-tool-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        for (file, text) in [("tracing_on", "1\n"), ("set_event", ""), ("tracing_cpumask", "f\n"), ("buffer_size_kb", "128\n"), ("trace", "old"), ("trace_marker", ""), ("dump", "")] {
            fs::write(dir.join(file), text).unwrap();
        }
        Tracefs { dir }
    }

    #[test]
    fn start_writes_the_selection_then_clears_then_turns_on() {
        let tracefs = scratch("start");
        let options = StartOptions { classes: Some(vec!["sched".into(), "marker".into()]), cpu_mask: Some("3".into()), buffer_kib: Some(128) };
        tracefs.start(&options).unwrap();
        assert_eq!(tracefs.read("set_event").unwrap(), "sched,marker");
        assert_eq!(tracefs.read("tracing_cpumask").unwrap(), "3");
        assert_eq!(tracefs.read("trace").unwrap(), "", "opened with O_TRUNC: cleared");
        assert_eq!(tracefs.read("tracing_on").unwrap(), "1");
        tracefs.stop().unwrap();
        assert_eq!(tracefs.read("tracing_on").unwrap(), "0");
        tracefs.marker("hello").unwrap();
        assert_eq!(tracefs.read("trace_marker").unwrap(), "hello");
        let _ = fs::remove_dir_all(&tracefs.dir);
    }

    #[test]
    fn missing_files_name_the_path() {
        let tracefs = Tracefs { dir: PathBuf::from("/nonexistent/tracing") };
        let error = tracefs.stop().unwrap_err();
        assert!(error.starts_with("/nonexistent/tracing/tracing_on: "), "{error}");
    }

    #[test]
    fn status_lists_what_the_files_say() {
        let tracefs = scratch("status");
        fs::write(tracefs.dir.join("set_event"), "sched:*\nsyscall:*\n").unwrap();
        let status = tracefs.status().unwrap();
        assert_eq!(status, "tracing: on\nclasses: sched,syscall\ncpu mask: f\nbuffer: 128 KiB per CPU\n");
        let _ = fs::remove_dir_all(&tracefs.dir);
    }
}
