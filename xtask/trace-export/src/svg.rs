//! `timeline.svg`: one lane per CPU, each run interval a box coloured by
//! thread (named inside when it fits, the full story in its tooltip),
//! interrupt ticks under the lanes, wake-up arrows from the waker's lane to
//! where the woken thread starts running, a time axis and a legend.
//!
//! ```text
//!  cpu 0 |[ping-0 ][pong-3]   [ping-0]|     boxes: run intervals (idle is the bare lane)
//!        |'  '   '  '   '    '   '    |     ticks: interrupts
//!  cpu 1 |   \->[pong-0  ]    [wand]  |     arrows: sched_waking -> sched_switch
//!        +----+----+----+----+----+---+
//!        0 ms                    2 ms
//! ```

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::model::{Payload, Trace};

const WIDTH: f64 = 1400.0;
const LEFT_MARGIN: f64 = 80.0;
const RIGHT_MARGIN: f64 = 20.0;
const TOP_MARGIN: f64 = 30.0;
const LANE_HEIGHT: f64 = 34.0;
const TICK_HEIGHT: f64 = 6.0;
const LANE_GAP: f64 = 14.0;
const AXIS_TICKS: u32 = 10;
const LEGEND_ROW_HEIGHT: f64 = 16.0;
const LEGEND_COLUMNS: usize = 6;
/// Approximate width of one character of the 10px font, for fitting names.
const CHARACTER_WIDTH: f64 = 6.0;

/// Escapes text for SVG content and attributes.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A colour per thread, spread around the hue circle.
fn colour(thread: u32) -> String {
    let hue = (u64::from(thread) * 137) % 360;
    format!("hsl({hue},65%,60%)")
}

/// The whole picture.
pub fn write(trace: &Trace) -> String {
    let lanes: BTreeMap<u32, usize> = trace.cpus.iter().enumerate().map(|(index, &cpu)| (cpu, index)).collect();
    let plot_width = WIDTH - LEFT_MARGIN - RIGHT_MARGIN;
    let window = trace.end_ns.saturating_sub(trace.start_ns).max(1) as f64;
    let x = |ns: u64| LEFT_MARGIN + (ns.saturating_sub(trace.start_ns)) as f64 * plot_width / window;
    let lane_top = |cpu: u32| TOP_MARGIN + lanes[&cpu] as f64 * (LANE_HEIGHT + LANE_GAP);
    let axis_y = TOP_MARGIN + lanes.len() as f64 * (LANE_HEIGHT + LANE_GAP);
    let shown: Vec<_> = trace.threads.values().filter(|thread| thread.idle_of.is_none()).collect();
    let legend_rows = shown.len().div_ceil(LEGEND_COLUMNS);
    let height = axis_y + 40.0 + legend_rows as f64 * LEGEND_ROW_HEIGHT + 10.0;

    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="monospace" font-size="10">"#
    );
    svg.push_str(
        r##"<defs><marker id="arrow" markerWidth="6" markerHeight="6" refX="6" refY="3" orient="auto"><path d="M0,0 L6,3 L0,6 z" fill="#333"/></marker></defs>
"##,
    );
    let _ = writeln!(svg, r#"<text x="{LEFT_MARGIN}" y="16" font-size="12">{} CPUs, {:.3} ms; boxes: threads running, ticks: interrupts, arrows: wake-ups</text>"#, trace.cpus.len(), window / 1e6);
    for &cpu in &trace.cpus {
        let top = lane_top(cpu);
        let _ = writeln!(svg, r##"<rect x="{LEFT_MARGIN}" y="{top}" width="{plot_width}" height="{LANE_HEIGHT}" fill="#eee"/>"##);
        let _ = writeln!(svg, r#"<text x="8" y="{}">cpu {cpu}</text>"#, top + LANE_HEIGHT / 2.0 + 4.0);
    }
    for interval in trace.intervals.iter().filter(|interval| !trace.is_idle(interval.thread)) {
        let thread = trace.thread(interval.thread);
        let (left, right) = (x(interval.start_ns), x(interval.end_ns));
        let width = (right - left).max(0.5);
        let top = lane_top(interval.cpu);
        let _ = writeln!(
            svg,
            r#"<rect x="{left:.2}" y="{top}" width="{width:.2}" height="{LANE_HEIGHT}" fill="{}"><title>{} (tid {}) on cpu {}: {:.1} us from {:.3} ms</title></rect>"#,
            colour(thread.id),
            escape(&thread.name),
            thread.id,
            interval.cpu,
            (interval.end_ns - interval.start_ns) as f64 / 1e3,
            (interval.start_ns - trace.start_ns) as f64 / 1e6
        );
        if width > thread.name.len() as f64 * CHARACTER_WIDTH + 4.0 {
            let _ = writeln!(svg, r#"<text x="{:.2}" y="{}">{}</text>"#, left + 2.0, top + LANE_HEIGHT / 2.0 + 4.0, escape(&thread.name));
        }
    }
    let events = trace.events_by_time();
    for event in &events {
        if let Payload::IrqEntry { vector } = event.payload {
            let bottom = lane_top(event.cpu) + LANE_HEIGHT;
            let at = x(event.ns);
            let _ = writeln!(
                svg,
                r##"<line x1="{at:.2}" y1="{bottom}" x2="{at:.2}" y2="{}" stroke="#444" stroke-width="0.6"><title>irq {vector}</title></line>"##,
                bottom + TICK_HEIGHT
            );
        }
    }
    for (index, event) in events.iter().enumerate() {
        let Payload::Wakeup { thread, .. } = event.payload else { continue };
        let switch_in = events[index..].iter().find(|later| matches!(later.payload, Payload::Switch { next, .. } if next == thread));
        if let Some(switch_in) = switch_in {
            let from_y = lane_top(event.cpu) + LANE_HEIGHT / 2.0;
            let to_y = lane_top(switch_in.cpu) + if switch_in.cpu == event.cpu { LANE_HEIGHT / 2.0 } else { 2.0 };
            let _ = writeln!(
                svg,
                r##"<line x1="{:.2}" y1="{from_y}" x2="{:.2}" y2="{to_y}" stroke="#333" stroke-width="0.7" marker-end="url(#arrow)"><title>wake {} : {:.1} us</title></line>"##,
                x(event.ns),
                x(switch_in.ns),
                escape(&trace.thread(thread).name),
                (switch_in.ns - event.ns) as f64 / 1e3
            );
        }
    }
    let _ = writeln!(svg, r##"<line x1="{LEFT_MARGIN}" y1="{axis_y}" x2="{}" y2="{axis_y}" stroke="#000"/>"##, LEFT_MARGIN + plot_width);
    for tick in 0..=AXIS_TICKS {
        let at = LEFT_MARGIN + plot_width * f64::from(tick) / f64::from(AXIS_TICKS);
        let label = window * f64::from(tick) / f64::from(AXIS_TICKS) / 1e6;
        let _ = writeln!(svg, r##"<line x1="{at:.2}" y1="{axis_y}" x2="{at:.2}" y2="{}" stroke="#000"/>"##, axis_y + 5.0);
        let _ = writeln!(svg, r#"<text x="{at:.2}" y="{}" text-anchor="middle">{label:.3} ms</text>"#, axis_y + 17.0);
    }
    let column_width = plot_width / LEGEND_COLUMNS as f64;
    for (index, thread) in shown.iter().enumerate() {
        let left = LEFT_MARGIN + (index % LEGEND_COLUMNS) as f64 * column_width;
        let top = axis_y + 30.0 + (index / LEGEND_COLUMNS) as f64 * LEGEND_ROW_HEIGHT;
        let _ = writeln!(svg, r#"<rect x="{left:.2}" y="{top}" width="10" height="10" fill="{}"/>"#, colour(thread.id));
        let _ = writeln!(svg, r#"<text x="{:.2}" y="{}">{} ({})</text>"#, left + 14.0, top + 9.0, escape(&thread.name), thread.id);
    }
    svg.push_str("</svg>\n");
    svg
}
