//! From the model's `f64`s to whole ticks and volume steps, and from those to `Decimal`.
//!
//! The model computes in floating point; what it emits is integers (ticks, volume steps)
//! multiplied by the config's `Decimal` increments, so every candle is exact and no float
//! is ever converted to a `Decimal` directly. Non-finite input cannot reach a candle: it
//! falls back to a caller-given value.

use rust_decimal::Decimal;

use crate::config::MAX_UNITS;

/// `x` rounded to the nearest integer and clamped to `[min, MAX_UNITS]`; `fallback` when
/// `x` is NaN (the model never produces one, but a candle must never depend on that).
pub(crate) fn to_units(x: f64, min: i64, fallback: i64) -> i64 {
    if x.is_nan() {
        return fallback.clamp(min, MAX_UNITS);
    }
    // Inside [min, MAX_UNITS] every integer is exact in an f64, so the cast is exact too.
    x.round().clamp(min as f64, MAX_UNITS as f64) as i64
}

/// `units * step` as a `Decimal` (exact: both are small integers times a power of ten).
pub(crate) fn to_decimal(units: i64, step: Decimal) -> Decimal {
    Decimal::from(units) * step
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn rounds_to_the_nearest_unit() {
        assert_eq!(to_units(4_200_000.4, 1, 7), 4_200_000);
        assert_eq!(to_units(4_200_000.6, 1, 7), 4_200_001);
    }

    #[test]
    fn clamps_to_the_floor_and_the_ceiling() {
        assert_eq!(to_units(0.2, 1, 7), 1);
        assert_eq!(to_units(-5.0, 0, 7), 0);
        assert_eq!(to_units(1e300, 1, 7), MAX_UNITS);
        assert_eq!(to_units(f64::INFINITY, 1, 7), MAX_UNITS);
        assert_eq!(to_units(f64::NEG_INFINITY, 1, 7), 1);
    }

    #[test]
    fn nan_takes_the_fallback() {
        assert_eq!(to_units(f64::NAN, 1, 7), 7);
        assert_eq!(to_units(f64::NAN, 1, 0), 1);
    }

    #[test]
    fn decimals_are_exact_multiples_of_the_step() {
        assert_eq!(to_decimal(4_200_012, dec!(0.01)), dec!(42000.12));
        assert_eq!(to_decimal(1_234_567, dec!(0.00001)), dec!(12.34567));
        assert_eq!(to_decimal(3, dec!(0.5)), dec!(1.5));
    }
}
