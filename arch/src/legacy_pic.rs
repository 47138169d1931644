//! The legacy 8259 PIC pair: masked for good, since the kernel uses the APICs.
//! On machines without a PIC (microvm) the writes go nowhere.

use x86_64::instructions::port::Port;

const PIC1_DATA_PORT: u16 = 0x21;
const PIC2_DATA_PORT: u16 = 0xa1;

/// Masks every line of both PICs.
pub fn mask_all() {
    // SAFETY: writing the interrupt-mask registers of the 8259s only masks
    // lines; nothing else in the kernel drives the PIC.
    unsafe {
        Port::<u8>::new(PIC1_DATA_PORT).write(0xff);
        Port::<u8>::new(PIC2_DATA_PORT).write(0xff);
    }
}
