//! Reading an executable: which pages to map with which protection, what to
//! copy into them, where to start, and what the auxiliary vector must say
//! about the program headers. Parsing (bounds included) is the `object`
//! crate's; this file decides what the kernel accepts: 64-bit little-endian
//! x86_64 `ET_EXEC` (static) and `ET_DYN` without `PT_INTERP` (static-PIE),
//! segments inside the user half that do not wrap. Anything else is
//! refused with a reason, which `execve` turns into `ENOEXEC`.

use alloc::vec::Vec;
use object::elf::{FileHeader64, ProgramHeader64, EM_X86_64, ET_DYN, ET_EXEC, PF_R, PF_W, PF_X, PT_GNU_STACK, PT_INTERP, PT_LOAD, PT_PHDR};
use object::read::elf::{FileHeader, ProgramHeader};
use object::LittleEndian;

use crate::memory::vm_areas::{Protection, PAGE_BYTES};

/// Where a static-PIE executable is placed (Linux's `ELF_ET_DYN_BASE`
/// region; aligned up to the executable's largest segment alignment).
pub const PIE_LOAD_BASE: u64 = 0x5555_5555_4000;

/// Why an executable was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ElfError {
    /// Not an ELF file, or its headers are cut short or inconsistent.
    Malformed(&'static str),
    /// A valid ELF file this kernel does not run.
    Unsupported(&'static str),
}

impl core::fmt::Display for ElfError {
    fn fmt(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            ElfError::Malformed(why) => write!(formatter, "malformed ELF: {why}"),
            ElfError::Unsupported(why) => write!(formatter, "unsupported ELF: {why}"),
        }
    }
}

/// Bytes to copy to an address (file contents of a segment).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Copy<'file> {
    pub address: u64,
    pub bytes: &'file [u8],
}

/// A page range and its protection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageRange {
    pub start: u64,
    pub end: u64,
    pub protection: Protection,
}

/// What loading the executable at its chosen base means.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadPlan<'file> {
    /// Page ranges to map (coalesced; a page two segments share gets both
    /// protections).
    pub ranges: Vec<PageRange>,
    /// File bytes to copy; everything else in the ranges is zero.
    pub copies: Vec<Copy<'file>>,
    /// Entry point.
    pub entry: u64,
    /// Address of the program headers in memory (AT_PHDR).
    pub program_headers: u64,
    /// Size of one program header (AT_PHENT).
    pub program_header_size: u64,
    /// Number of program headers (AT_PHNUM).
    pub program_header_count: u64,
    /// The end of the highest segment (the heap starts above).
    pub image_end: u64,
    /// Whether the stack must be executable (PT_GNU_STACK with PF_X).
    pub executable_stack: bool,
}

fn protection_of(flags: u32) -> Protection {
    Protection { read: flags & PF_R != 0, write: flags & PF_W != 0, execute: flags & PF_X != 0 }
}

fn union(a: Protection, b: Protection) -> Protection {
    Protection { read: a.read || b.read, write: a.write || b.write, execute: a.execute || b.execute }
}

/// Reads `file` and plans its loading; `user_limit` is the first address
/// above the user half. `file` must be 8-byte aligned (the headers are
/// read in place; a misaligned file reads as malformed).
pub fn plan(file: &[u8], user_limit: u64) -> Result<LoadPlan<'_>, ElfError> {
    let header = FileHeader64::<LittleEndian>::parse(file).map_err(|_| ElfError::Malformed("not a 64-bit little-endian ELF file"))?;
    let endian = header.endian().map_err(|_| ElfError::Malformed("bad byte order"))?;
    if header.e_machine(endian) != EM_X86_64 {
        return Err(ElfError::Unsupported("not an x86_64 executable"));
    }
    let is_pie = match header.e_type(endian) {
        ET_EXEC => false,
        ET_DYN => true,
        _ => return Err(ElfError::Unsupported("neither an executable nor a position-independent one")),
    };
    let headers = header.program_headers(endian, file).map_err(|_| ElfError::Malformed("program headers out of the file"))?;
    if headers.iter().any(|ph| ph.p_type(endian) == PT_INTERP) {
        return Err(ElfError::Unsupported("dynamically linked (needs an interpreter); only static programs run"));
    }
    let loads: Vec<_> = headers.iter().filter(|ph| ph.p_type(endian) == PT_LOAD).collect();
    if loads.is_empty() {
        return Err(ElfError::Malformed("no loadable segment"));
    }
    let largest_align = loads.iter().map(|ph| ph.p_align(endian)).filter(|align| align.is_power_of_two()).max().unwrap_or(PAGE_BYTES).max(PAGE_BYTES);
    let bias = if is_pie { PIE_LOAD_BASE.next_multiple_of(largest_align) } else { 0 };

    let mut pieces: Vec<PageRange> = Vec::new();
    let mut copies = Vec::new();
    let mut image_end = 0;
    for ph in &loads {
        let (address, memory_bytes, file_bytes) = (ph.p_vaddr(endian), ph.p_memsz(endian), ph.p_filesz(endian));
        if file_bytes > memory_bytes {
            return Err(ElfError::Malformed("a segment has more file bytes than memory bytes"));
        }
        let start = address.checked_add(bias).ok_or(ElfError::Malformed("segment address overflows"))?;
        let end = start.checked_add(memory_bytes).ok_or(ElfError::Malformed("segment end overflows"))?;
        if end > user_limit || start < PAGE_BYTES {
            return Err(ElfError::Unsupported("a segment lies outside the user address range"));
        }
        let bytes = ph.data(endian, file).map_err(|_| ElfError::Malformed("segment data out of the file"))?;
        if !bytes.is_empty() {
            copies.push(Copy { address: start, bytes });
        }
        let protection = protection_of(ph.p_flags(endian));
        let page_end = end.checked_next_multiple_of(PAGE_BYTES).ok_or(ElfError::Malformed("segment end overflows"))?;
        pieces.push(PageRange { start: start & !(PAGE_BYTES - 1), end: page_end, protection });
        image_end = image_end.max(end);
    }

    let entry = header.e_entry(endian).checked_add(bias).ok_or(ElfError::Malformed("entry point overflows"))?;
    let ranges = merge(&pieces);
    if !ranges.iter().any(|range| range.start <= entry && entry < range.end && range.protection.execute) {
        return Err(ElfError::Malformed("the entry point is not in an executable segment"));
    }
    let program_headers = program_header_address(headers, &loads, header.e_phoff(endian), endian)?
        .checked_add(bias)
        .ok_or(ElfError::Malformed("program header address overflows"))?;
    let executable_stack = headers
        .iter()
        .find(|ph| ph.p_type(endian) == PT_GNU_STACK)
        .is_some_and(|ph| ph.p_flags(endian) & PF_X != 0);
    Ok(LoadPlan {
        ranges,
        copies,
        entry,
        program_headers,
        program_header_size: u64::from(header.e_phentsize(endian)),
        program_header_count: headers.len() as u64,
        image_end,
        executable_stack,
    })
}

/// Where the program headers are in memory (before the bias): PT_PHDR if
/// present, else inside the PT_LOAD that maps their file offset. musl's
/// static-PIE start-up finds itself through this.
fn program_header_address(
    headers: &[ProgramHeader64<LittleEndian>],
    loads: &[&ProgramHeader64<LittleEndian>],
    offset: u64,
    endian: LittleEndian,
) -> Result<u64, ElfError> {
    if let Some(phdr) = headers.iter().find(|ph| ph.p_type(endian) == PT_PHDR) {
        return Ok(phdr.p_vaddr(endian));
    }
    loads
        .iter()
        .find(|ph| ph.p_offset(endian) <= offset && offset < ph.p_offset(endian).saturating_add(ph.p_filesz(endian)))
        .map(|ph| ph.p_vaddr(endian).wrapping_add(offset - ph.p_offset(endian)))
        .ok_or(ElfError::Malformed("the program headers are not in any loaded segment"))
}

/// The page ranges of the segments, with overlaps resolved: a page that
/// two segments share gets both protections (the union of what covers
/// it), and neighbours with the same protection become one range. Works
/// on range boundaries, never page by page (a segment may claim terabytes).
fn merge(pieces: &[PageRange]) -> Vec<PageRange> {
    let mut boundaries: Vec<u64> = pieces.iter().flat_map(|piece| [piece.start, piece.end]).collect();
    boundaries.sort_unstable();
    boundaries.dedup();
    let mut ranges: Vec<PageRange> = Vec::new();
    for window in boundaries.windows(2) {
        let (start, end) = (window[0], window[1]);
        let covering = pieces.iter().filter(|piece| piece.start <= start && end <= piece.end);
        let Some(protection) = covering.map(|piece| piece.protection).reduce(union) else { continue };
        match ranges.last_mut() {
            Some(last) if last.end == start && last.protection == protection => last.end = end,
            _ => ranges.push(PageRange { start, end, protection }),
        }
    }
    ranges
}

#[cfg(test)]
mod tests;
