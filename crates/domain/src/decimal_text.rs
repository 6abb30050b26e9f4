//! `Decimal` as JSON text, the way `rust_decimal` writes it, faster.
//!
//! Every audit event is serialised on the hot path to be hashed into the audit
//! chain, and most of its fields are decimals. `rust_decimal` produces their text
//! one digit at a time by dividing the 96-bit mantissa by ten; this does it with
//! at most two 128-bit divisions and then 64-bit arithmetic. The text is exactly
//! `Decimal::to_string()` (all the scale's digits, trailing zeros included, `-`
//! for a negative value or a negative zero), so the hashed bytes do not change;
//! the property tests check it.

use rust_decimal::Decimal;
use serde::Serializer;

/// Sign, 29 digits (a 96-bit mantissa is below `10^29`), a point and a leading zero.
const MAX_LEN: usize = 32;
/// Digits of the largest mantissa.
const MAX_DIGITS: usize = 29;
/// `10^19`, the largest power of ten below `2^64`.
const TEN_POW_19: u128 = 10_000_000_000_000_000_000;

/// The text of one decimal, on the stack.
pub(crate) struct DecimalText {
    buf: [u8; MAX_LEN],
    len: usize,
}

impl DecimalText {
    /// The text of `value`, identical to `value.to_string()`.
    pub(crate) fn new(value: Decimal) -> Self {
        // The mantissa's digits, right-aligned, at least `scale` of them (zero-padded).
        let mut digits = [b'0'; MAX_DIGITS];
        let mut count = write_digits(value.mantissa().unsigned_abs(), &mut digits);
        let scale = value.scale() as usize;
        count = count.max(scale);
        let digits = &digits[MAX_DIGITS - count..];
        let (whole, fraction) = digits.split_at(count - scale);

        let mut text = Self {
            buf: [0; MAX_LEN],
            len: 0,
        };
        if value.is_sign_negative() {
            text.push(b"-");
        }
        text.push(if whole.is_empty() { b"0" } else { whole });
        if !fraction.is_empty() {
            text.push(b".");
            text.push(fraction);
        }
        text
    }

    fn push(&mut self, bytes: &[u8]) {
        self.buf[self.len..self.len + bytes.len()].copy_from_slice(bytes);
        self.len += bytes.len();
    }

    /// The text.
    pub(crate) fn as_str(&self) -> &str {
        // Only ASCII digits, '-' and '.' were written.
        std::str::from_utf8(&self.buf[..self.len]).unwrap_or("0")
    }
}

/// Writes the decimal digits of `m` (no leading zeros; none for zero) right-aligned
/// into `out` and returns how many there are.
fn write_digits(mut m: u128, out: &mut [u8; MAX_DIGITS]) -> usize {
    let mut end = MAX_DIGITS;
    // Whole 19-digit chunks while the number does not fit in a u64.
    while m > u128::from(u64::MAX) {
        let mut chunk = (m % TEN_POW_19) as u64;
        m /= TEN_POW_19;
        for _ in 0..19 {
            end -= 1;
            out[end] = b'0' + (chunk % 10) as u8;
            chunk /= 10;
        }
    }
    let mut rest = m as u64;
    while rest != 0 {
        end -= 1;
        out[end] = b'0' + (rest % 10) as u8;
        rest /= 10;
    }
    MAX_DIGITS - end
}

/// Serialises a decimal as a JSON string, exactly as `Decimal`'s own `Serialize` does.
pub(crate) fn serialize<S: Serializer>(value: &Decimal, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(DecimalText::new(*value).as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    fn text(value: Decimal) -> String {
        DecimalText::new(value).as_str().to_string()
    }

    #[test]
    fn writes_what_rust_decimal_writes() {
        for value in [
            Decimal::ZERO,
            -Decimal::ZERO,
            dec!(0.00),
            Decimal::new(-0, 3),
            dec!(1),
            dec!(-1),
            dec!(0.810000),
            dec!(0.005),
            dec!(-0.005),
            dec!(42007.97),
            dec!(41993.456666666666666666666667),
            dec!(0.0000013256051032081604123149),
            Decimal::MAX,
            Decimal::MIN,
            Decimal::from_i128_with_scale(10_000_000_000_000_000_000, 0),
            Decimal::from_i128_with_scale(18_446_744_073_709_551_616, 5),
            Decimal::from_i128_with_scale(1, 28),
        ] {
            assert_eq!(text(value), value.to_string(), "{value:?}");
        }
    }

    #[test]
    fn serialises_like_decimal() {
        let value = dec!(-12.3400);
        let mut ours = Vec::new();
        serialize(&value, &mut serde_json::Serializer::new(&mut ours)).unwrap();
        assert_eq!(ours, serde_json::to_vec(&value).unwrap());
    }

    proptest! {
        #[test]
        fn prop_text_is_to_string(lo in any::<u32>(), mid in any::<u32>(), hi in any::<u32>(), negative in any::<bool>(), scale in 0u32..=28) {
            let value = Decimal::from_parts(lo, mid, hi, negative, scale);
            prop_assert_eq!(text(value), value.to_string());
        }

        #[test]
        fn prop_small_mantissas_are_to_string(m in any::<i64>(), scale in 0u32..=28) {
            let value = Decimal::new(m, scale);
            prop_assert_eq!(text(value), value.to_string());
        }
    }
}
