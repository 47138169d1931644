use super::*;
use alloc::vec;

fn typed(discipline: &mut LineDiscipline, bytes: &[u8]) -> Effects {
    let mut effects = Effects::default();
    for &byte in bytes {
        assert!(discipline.can_accept());
        discipline.receive(byte, &mut effects);
    }
    effects
}

fn read_all(discipline: &mut LineDiscipline) -> Vec<u8> {
    let mut buffer = [0u8; 8192];
    match discipline.read(&mut buffer) {
        ReadOutcome::Data(count) => buffer[..count].to_vec(),
        other => panic!("expected data, got {other:?}"),
    }
}

fn raw() -> Termios {
    let mut termios = default_termios();
    termios.c_lflag &= !(ICANON | ECHO);
    termios
}

#[test]
fn a_canonical_line_is_readable_only_when_it_ends() {
    let mut discipline = LineDiscipline::default();
    let effects = typed(&mut discipline, b"ls -l");
    assert_eq!(effects.echo, b"ls -l");
    assert!(!discipline.readable());
    assert_eq!(discipline.read(&mut [0; 16]), ReadOutcome::Empty);
    // A serial terminal sends CR for Enter: ICRNL makes it NL, echoed as CR NL.
    let effects = typed(&mut discipline, b"\r");
    assert_eq!(effects.echo, b"\r\n");
    assert!(effects.readers_may_proceed);
    assert_eq!(read_all(&mut discipline), b"ls -l\n");
}

#[test]
fn one_read_returns_at_most_one_line_and_a_short_buffer_keeps_the_rest() {
    let mut discipline = LineDiscipline::default();
    typed(&mut discipline, b"first\nsecond\n");
    assert_eq!(discipline.available(), 13);
    let mut small = [0u8; 3];
    assert_eq!(discipline.read(&mut small), ReadOutcome::Data(3));
    assert_eq!(&small, b"fir");
    assert_eq!(read_all(&mut discipline), b"st\n");
    assert_eq!(read_all(&mut discipline), b"second\n");
    assert!(!discipline.readable());
}

#[test]
fn erase_rubs_out_with_backspace_space_backspace_for_del_and_ctrl_h() {
    let mut discipline = LineDiscipline::default();
    typed(&mut discipline, b"cat");
    assert_eq!(typed(&mut discipline, b"\x7f").echo, b"\x08 \x08");
    assert_eq!(typed(&mut discipline, b"\x08").echo, b"\x08 \x08");
    typed(&mut discipline, b"d\n");
    assert_eq!(read_all(&mut discipline), b"cd\n");
    // Nothing to erase: nothing echoed.
    assert_eq!(typed(&mut discipline, b"\x7f").echo, b"");
}

#[test]
fn erase_takes_a_whole_utf8_character_and_control_characters_take_two_columns() {
    let mut discipline = LineDiscipline::default();
    typed(&mut discipline, "aé".as_bytes());
    assert_eq!(typed(&mut discipline, b"\x7f").echo, b"\x08 \x08");
    typed(&mut discipline, b"\x01");
    assert_eq!(typed(&mut discipline, b"\x7f").echo, b"\x08 \x08\x08 \x08");
    typed(&mut discipline, b"\n");
    assert_eq!(read_all(&mut discipline), b"a\n");
}

#[test]
fn erasing_a_tab_moves_back_to_where_it_started() {
    let mut discipline = LineDiscipline::default();
    let mut prompt = Vec::new();
    discipline.process_output(b"$ ", &mut prompt);
    typed(&mut discipline, b"a\t");
    // Prompt 2 columns, 'a' at column 2, the tab runs from 3 to 8.
    assert_eq!(typed(&mut discipline, b"\x7f").echo, b"\x08 \x08".repeat(5));
}

#[test]
fn kill_erases_the_line_and_word_erase_the_last_word() {
    let mut discipline = LineDiscipline::default();
    typed(&mut discipline, b"echo hello  ");
    assert_eq!(typed(&mut discipline, b"\x17").echo, b"\x08 \x08".repeat(7));
    typed(&mut discipline, b"world");
    assert_eq!(typed(&mut discipline, b"\x15").echo, b"\x08 \x08".repeat(10));
    typed(&mut discipline, b"ok\n");
    assert_eq!(read_all(&mut discipline), b"ok\n");
}

#[test]
fn ctrl_d_ends_a_line_without_a_delimiter_and_alone_means_end_of_file() {
    let mut discipline = LineDiscipline::default();
    typed(&mut discipline, b"abc\x04");
    assert_eq!(read_all(&mut discipline), b"abc");
    typed(&mut discipline, b"\x04");
    assert!(discipline.readable());
    assert_eq!(discipline.read(&mut [0; 8]), ReadOutcome::EndOfFile);
    assert_eq!(discipline.read(&mut [0; 8]), ReadOutcome::Empty);
}

#[test]
fn signal_characters_signal_flush_and_echo_as_caret() {
    let mut discipline = LineDiscipline::default();
    typed(&mut discipline, b"half a line");
    let effects = typed(&mut discipline, b"\x03");
    assert_eq!(effects.signal, Some(SIGINT));
    assert_eq!(effects.echo, b"^C");
    typed(&mut discipline, b"\n");
    assert_eq!(read_all(&mut discipline), b"\n", "the half line was flushed");
    assert_eq!(typed(&mut discipline, b"\x1a").signal, Some(SIGTSTP));
    assert_eq!(typed(&mut discipline, b"\x1c").signal, Some(SIGQUIT));
    // Without ISIG they are ordinary bytes.
    let mut termios = raw();
    termios.c_lflag &= !ISIG;
    discipline.set_termios(termios);
    assert_eq!(typed(&mut discipline, b"\x03").signal, None);
    assert_eq!(read_all(&mut discipline), b"\x03");
}

#[test]
fn noflsh_keeps_the_input_on_a_signal() {
    let mut termios = default_termios();
    termios.c_lflag |= NOFLSH;
    let mut discipline = LineDiscipline::new(termios);
    typed(&mut discipline, b"keep\n");
    typed(&mut discipline, b"\x03");
    assert_eq!(read_all(&mut discipline), b"keep\n");
}

#[test]
fn raw_mode_hands_out_bytes_at_once_without_echo_and_keeps_cr_mapping_optional() {
    let mut termios = raw();
    termios.c_iflag &= !ICRNL;
    let mut discipline = LineDiscipline::new(termios);
    let effects = typed(&mut discipline, b"\x1b[A\r\x7f");
    assert!(effects.echo.is_empty());
    assert_eq!(read_all(&mut discipline), b"\x1b[A\r\x7f");
}

#[test]
fn switching_modes_keeps_what_was_typed() {
    let mut discipline = LineDiscipline::default();
    typed(&mut discipline, b"partial");
    discipline.set_termios(raw());
    assert_eq!(read_all(&mut discipline), b"partial");
    typed(&mut discipline, b"xy");
    discipline.set_termios(default_termios());
    assert!(discipline.readable());
    assert_eq!(read_all(&mut discipline), b"xy");
}

#[test]
fn echo_off_still_edits_and_echonl_echoes_only_newline() {
    let mut termios = default_termios();
    termios.c_lflag &= !ECHO;
    termios.c_lflag |= ECHONL;
    let mut discipline = LineDiscipline::new(termios);
    let effects = typed(&mut discipline, b"secret\x7fT\n");
    assert_eq!(effects.echo, b"\r\n");
    assert_eq!(read_all(&mut discipline), b"secreT\n");
}

#[test]
fn literal_next_stores_a_control_character() {
    let mut discipline = LineDiscipline::default();
    typed(&mut discipline, b"\x16\x03\n");
    assert_eq!(read_all(&mut discipline), b"\x03\n");
}

#[test]
fn xoff_and_xon_stop_and_start_output_and_are_not_input() {
    let mut discipline = LineDiscipline::default();
    let effects = typed(&mut discipline, b"\x13");
    assert!(discipline.output_stopped() && effects.output_stopped_changed);
    typed(&mut discipline, b"\x11");
    assert!(!discipline.output_stopped());
    typed(&mut discipline, b"\n");
    assert_eq!(read_all(&mut discipline), b"\n");
}

#[test]
fn a_full_buffer_refuses_bytes_in_raw_mode_so_nothing_is_lost() {
    let mut discipline = LineDiscipline::new(raw());
    let paste: Vec<u8> = (0..INPUT_CAPACITY).map(|index| b'a' + (index % 26) as u8).collect();
    typed(&mut discipline, &paste);
    assert!(!discipline.can_accept());
    assert_eq!(read_all(&mut discipline), paste);
    assert!(discipline.can_accept());
}

#[test]
fn complete_lines_fill_the_buffer_and_then_it_refuses_more() {
    let mut discipline = LineDiscipline::default();
    let mut sent = Vec::new();
    while discipline.can_accept() {
        let line = b"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\n";
        for &byte in line {
            if !discipline.can_accept() {
                break;
            }
            discipline.receive(byte, &mut Effects::default());
            sent.push(byte);
        }
    }
    assert_eq!(sent.len(), INPUT_CAPACITY);
    let mut received = Vec::new();
    while discipline.readable() {
        received.extend(read_all(&mut discipline));
    }
    assert_eq!(received, sent, "a 4 KiB paste of lines arrives whole");
}

#[test]
fn an_overlong_canonical_line_is_truncated_but_still_ends() {
    let mut discipline = LineDiscipline::default();
    let long = vec![b'x'; INPUT_CAPACITY + 100];
    let effects = typed(&mut discipline, &long);
    assert!(!effects.echo.contains(&BELL), "no IMAXBEL by default");
    typed(&mut discipline, b"\n");
    let line = read_all(&mut discipline);
    assert_eq!(line.len(), INPUT_CAPACITY);
    assert_eq!(line.last(), Some(&b'\n'));
}

#[test]
fn output_processing_maps_newlines_and_tracks_the_column() {
    let mut discipline = LineDiscipline::default();
    let mut out = Vec::new();
    discipline.process_output(b"a\nb", &mut out);
    assert_eq!(out, b"a\r\nb");
    let mut termios = default_termios();
    termios.c_oflag &= !OPOST;
    discipline.set_termios(termios);
    out.clear();
    discipline.process_output(b"a\nb", &mut out);
    assert_eq!(out, b"a\nb");
}
