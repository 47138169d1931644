//! The symboliser against a golden input: `fixtures/console.log` (a
//! console with a backtrace of `fixtures/tiny_kernel.elf`) must become
//! `fixtures/console.symbolized.log`, whole and when streamed in pieces.

use crate::{backtraces_in, BacktraceFilter, KernelSymbols};
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn symbols() -> KernelSymbols {
    KernelSymbols::open(&fixture("tiny_kernel.elf")).expect("the fixture ELF opens")
}

fn golden_output() -> String {
    std::fs::read_to_string(fixture("console.symbolized.log")).expect("golden output")
}

fn console() -> String {
    std::fs::read_to_string(fixture("console.log")).expect("golden input")
}

#[test]
fn frame_lines_gain_function_file_and_line_and_keep_the_address() {
    let output = symbols().symbolize_text(&console());
    if std::env::var_os("KERNEL_SYMBOLS_BLESS").is_some() {
        std::fs::write(fixture("console.symbolized.log"), &output).expect("bless");
    }
    assert_eq!(output, golden_output());
}

#[test]
fn streaming_in_any_pieces_gives_the_same_text() {
    let input = console();
    let symbols = symbols();
    let load = || Some(&symbols);
    for piece in [1, 2, 3, 7, 64, input.len()] {
        let mut filter = BacktraceFilter::new(&load);
        let mut out = Vec::new();
        for chunk in input.as_bytes().chunks(piece) {
            filter.push(chunk, &mut out);
        }
        filter.finish(&mut out);
        let streamed = String::from_utf8(out).expect("UTF-8");
        // Lines with text before the marker stream through raw.
        let expected: String = golden_output()
            .split_inclusive('\n')
            .zip(input.split_inclusive('\n'))
            .map(|(symbolized, raw)| {
                if raw.starts_with("@@BT") {
                    symbolized
                } else {
                    raw
                }
            })
            .collect();
        assert_eq!(streamed, expected, "pieces of {piece} bytes");
    }
}

#[test]
fn a_prompt_is_never_held_back() {
    let symbols = symbols();
    let load = || Some(&symbols);
    let mut filter = BacktraceFilter::new(&load);
    let mut out = Vec::new();
    filter.push(b"[cpu 0] / $ ", &mut out);
    assert_eq!(out, b"[cpu 0] / $ ");
    let mut out = Vec::new();
    filter.push(b"\n@", &mut out);
    assert_eq!(out, b"\n", "an @ at a line start waits for the next byte");
    filter.push(b"x", &mut out);
    assert_eq!(out, b"\n@x");
    let mut out = Vec::new();
    filter.push(b"\n@@BT cpu=0 #0 pc=2011c5", &mut out);
    assert_eq!(out, b"\n", "a frame line is held until its newline");
    filter.push(b"\n", &mut out);
    assert!(String::from_utf8(out).unwrap().contains("innermost"));
}

#[test]
fn without_symbols_frames_pass_through_raw() {
    let load = || None;
    let mut filter = BacktraceFilter::new(&load);
    let mut out = Vec::new();
    filter.push(console().as_bytes(), &mut out);
    filter.finish(&mut out);
    assert_eq!(String::from_utf8(out).unwrap(), console());
}

#[test]
fn the_backtrace_lines_of_a_log_are_listed_symbolised() {
    let lines = backtraces_in(&console(), &symbols());
    assert_eq!(
        lines.first().map(String::as_str),
        Some("@@BT-BEGIN cpu=0 reason=panic thread=3 name=tiny")
    );
    assert!(
        lines[1].starts_with("@@BT cpu=0 #0 pc=2011c5 tiny_kernel::innermost"),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|line| line.starts_with("@@BT cpu=1 #0 ret=201199 tiny_kernel::")),
        "a frame after other text is found"
    );
}

#[test]
fn a_missing_elf_is_named() {
    let error = KernelSymbols::open(Path::new("/nonexistent/kernel"))
        .err()
        .expect("an error");
    assert!(error.contains("/nonexistent/kernel"), "{error}");
}
