//! The terminal ABI: the kernel's `struct termios` (what `TCGETS` and
//! `TCSETS*` copy: 36 bytes, `NCCS` = 19; C libraries keep larger structs of
//! their own and convert or ignore the tail), its flag bits and
//! control-character slots, `struct winsize`, and the tty `ioctl` numbers.
//! Values from Linux's `asm-generic/termbits.h` and `asm-generic/ioctls.h`.

/// Control characters in `c_cc`.
pub const NCCS: usize = 19;

/// `struct termios` as the kernel copies it.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Termios {
    pub c_iflag: u32,
    pub c_oflag: u32,
    pub c_cflag: u32,
    pub c_lflag: u32,
    pub c_line: u8,
    pub c_cc: [u8; NCCS],
}

const _: () = assert!(core::mem::size_of::<Termios>() == 36);

/// `struct winsize` (`TIOCGWINSZ`, `TIOCSWINSZ`).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Winsize {
    pub ws_row: u16,
    pub ws_col: u16,
    pub ws_xpixel: u16,
    pub ws_ypixel: u16,
}

// Slots of `c_cc`.
pub const VINTR: usize = 0;
pub const VQUIT: usize = 1;
pub const VERASE: usize = 2;
pub const VKILL: usize = 3;
pub const VEOF: usize = 4;
pub const VTIME: usize = 5;
pub const VMIN: usize = 6;
pub const VSWTC: usize = 7;
pub const VSTART: usize = 8;
pub const VSTOP: usize = 9;
pub const VSUSP: usize = 10;
pub const VEOL: usize = 11;
pub const VREPRINT: usize = 12;
pub const VDISCARD: usize = 13;
pub const VWERASE: usize = 14;
pub const VLNEXT: usize = 15;
pub const VEOL2: usize = 16;

// `c_iflag`.
pub const IGNBRK: u32 = 0o1;
pub const BRKINT: u32 = 0o2;
pub const ISTRIP: u32 = 0o40;
pub const INLCR: u32 = 0o100;
pub const IGNCR: u32 = 0o200;
pub const ICRNL: u32 = 0o400;
pub const IXON: u32 = 0o2000;
pub const IXANY: u32 = 0o4000;
pub const IMAXBEL: u32 = 0o20000;
pub const IUTF8: u32 = 0o40000;

// `c_oflag`.
pub const OPOST: u32 = 0o1;
pub const ONLCR: u32 = 0o4;
pub const OCRNL: u32 = 0o10;
pub const ONOCR: u32 = 0o20;
pub const ONLRET: u32 = 0o40;

// `c_cflag`.
pub const CBAUD: u32 = 0o10017;
pub const B38400: u32 = 0o17;
pub const B115200: u32 = 0o10002;
pub const CSIZE: u32 = 0o60;
pub const CS8: u32 = 0o60;
pub const CREAD: u32 = 0o200;
pub const HUPCL: u32 = 0o2000;
pub const CLOCAL: u32 = 0o4000;

// `c_lflag`.
pub const ISIG: u32 = 0o1;
pub const ICANON: u32 = 0o2;
pub const ECHO: u32 = 0o10;
pub const ECHOE: u32 = 0o20;
pub const ECHOK: u32 = 0o40;
pub const ECHONL: u32 = 0o100;
pub const NOFLSH: u32 = 0o200;
pub const TOSTOP: u32 = 0o400;
pub const ECHOCTL: u32 = 0o1000;
pub const ECHOPRT: u32 = 0o2000;
pub const ECHOKE: u32 = 0o4000;
pub const IEXTEN: u32 = 0o100000;

// tty ioctls.
pub const TCGETS: u64 = 0x5401;
pub const TCSETS: u64 = 0x5402;
pub const TCSETSW: u64 = 0x5403;
pub const TCSETSF: u64 = 0x5404;
pub const TCSBRK: u64 = 0x5409;
pub const TCXONC: u64 = 0x540A;
pub const TCFLSH: u64 = 0x540B;
pub const TIOCSCTTY: u64 = 0x540E;
pub const TIOCGPGRP: u64 = 0x540F;
pub const TIOCSPGRP: u64 = 0x5410;
pub const TIOCOUTQ: u64 = 0x5411;
pub const TIOCGWINSZ: u64 = 0x5413;
pub const TIOCSWINSZ: u64 = 0x5414;
pub const FIONREAD: u64 = 0x541B;
pub const TIOCNOTTY: u64 = 0x5422;
pub const TIOCGSID: u64 = 0x5429;
/// `_IOR('T', 0x32, unsigned int)`: the real device number of the terminal.
pub const TIOCGDEV: u64 = 0x8004_5432;

// `TCFLSH` queues and `TCXONC` actions.
pub const TCIFLUSH: u64 = 0;
pub const TCOFLUSH: u64 = 1;
pub const TCIOFLUSH: u64 = 2;
pub const TCOOFF: u64 = 0;
pub const TCOON: u64 = 1;
pub const TCIOFF: u64 = 2;
pub const TCION: u64 = 3;

/// What Linux gives a serial console at boot: 115200 8N1, canonical mode
/// with echo and signals, CR read as NL, NL written as CR NL, XON/XOFF.
pub const fn default_termios() -> Termios {
    let mut c_cc = [0u8; NCCS];
    c_cc[VINTR] = 0x03; // ^C
    c_cc[VQUIT] = 0x1c; // ^\
    c_cc[VERASE] = 0x7f; // DEL
    c_cc[VKILL] = 0x15; // ^U
    c_cc[VEOF] = 0x04; // ^D
    c_cc[VTIME] = 0;
    c_cc[VMIN] = 1;
    c_cc[VSTART] = 0x11; // ^Q
    c_cc[VSTOP] = 0x13; // ^S
    c_cc[VSUSP] = 0x1a; // ^Z
    c_cc[VREPRINT] = 0x12; // ^R
    c_cc[VDISCARD] = 0x0f; // ^O
    c_cc[VWERASE] = 0x17; // ^W
    c_cc[VLNEXT] = 0x16; // ^V
    Termios {
        c_iflag: ICRNL | IXON | IUTF8,
        c_oflag: OPOST | ONLCR,
        c_cflag: B115200 | CS8 | CREAD | HUPCL | CLOCAL,
        c_lflag: ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN,
        c_line: 0,
        c_cc,
    }
}
