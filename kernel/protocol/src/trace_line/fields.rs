//! The `name=value` fields of a trace record, read strictly in order with canonical numbers.

use super::ParseError;

/// Lowercase hex digit (`0-9a-f`).
pub(super) fn is_lowercase_hex_digit(byte: u8) -> bool {
    byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte)
}

/// Exactly 8 lowercase hex digits: the value of `sum=`.
pub(super) fn parse_checksum(text: &str) -> Option<u32> {
    let well_formed = text.len() == 8 && text.bytes().all(is_lowercase_hex_digit);
    if !well_formed {
        return None;
    }
    u32::from_str_radix(text, 16).ok()
}

/// Digits only, no sign, no leading zero (except "0" itself), fits in u64.
pub(super) fn canonical_decimal(text: &str) -> Option<u64> {
    let canonical = !text.is_empty()
        && text.bytes().all(|byte| byte.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'));
    if !canonical {
        return None;
    }
    text.parse().ok()
}

/// Lowercase hex digits, no `0x`, no leading zero (except "0" itself), fits in u64.
fn canonical_hexadecimal(text: &str) -> Option<u64> {
    let canonical = !text.is_empty()
        && text.bytes().all(is_lowercase_hex_digit)
        && (text == "0" || !text.starts_with('0'));
    if !canonical {
        return None;
    }
    u64::from_str_radix(text, 16).ok()
}

/// The space-separated `name=value` tokens of a record after its marker, read in order.
pub(super) struct Fields<'l> {
    pub(super) tokens: core::str::Split<'l, char>,
}

impl<'l> Fields<'l> {
    /// The value of the next token, which must be `name=value`.
    pub(super) fn value(&mut self, name: &'static str) -> Result<&'l str, ParseError> {
        self.tokens
            .next()
            .and_then(|token| token.strip_prefix(name))
            .and_then(|rest| rest.strip_prefix('='))
            .ok_or(ParseError::MissingField { name })
    }

    pub(super) fn decimal<T: TryFrom<u64>>(&mut self, name: &'static str) -> Result<T, ParseError> {
        canonical_decimal(self.value(name)?)
            .and_then(|value| T::try_from(value).ok())
            .ok_or(ParseError::MalformedField { name })
    }

    pub(super) fn hexadecimal(&mut self, name: &'static str) -> Result<u64, ParseError> {
        canonical_hexadecimal(self.value(name)?).ok_or(ParseError::MalformedField { name })
    }
}
