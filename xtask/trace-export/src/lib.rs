//! From the kernel's checksummed `@@TRACE2` dump (a console log) to files a
//! person can open: Perfetto's protobuf trace, Linux's ftrace text, an SVG
//! timeline, and a terminal summary.
//!
//! ```text
//! console log --dump::read--> Dump --model::Trace::build--> Trace --+--> perfetto::encode  -> trace.perfetto-trace
//!   (bad lines reported, skipped)    (ns times, pids, run intervals) +--> ftrace_text::write -> trace.txt
//!                                                                     +--> svg::write         -> timeline.svg
//!                                                                     +--> summary::Summary   -> terminal
//! ```
//!
//! Lines are parsed with `protocol::trace_line`, the code the kernel formats
//! them with. Format: `TEAM_NOTES/flight-recorder-format.md`.

/// Reads dump lines out of a console log: checks, reports and skips bad lines.
pub mod dump;
/// Consistency checks on a decoded Perfetto trace (tests).
pub mod checks;
/// Writes Linux's ftrace text format.
pub mod ftrace_text;
/// Linux's names and encodings for what the exports show (pids, comms, states, vectors).
pub mod linux;
/// The dump as a timeline: ns times, threads with pids, run intervals, wake-ups.
pub mod model;
/// Encodes and decodes Perfetto's protobuf trace.
pub mod perfetto;
/// Per-CPU and per-thread figures for the terminal.
pub mod summary;
/// Draws the SVG timeline.
pub mod svg;
/// Writes all outputs into a directory.
pub mod write;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_process_events;
