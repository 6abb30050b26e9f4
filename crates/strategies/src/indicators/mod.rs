//! Streaming indicators: one update per closed bar, O(1) work and fixed memory.
//!
//! Every indicator follows the same shape:
//! - `new(period, ...)` validates its settings (a period in `1..=MAX_PERIOD`);
//! - `update(input) -> Option<output>` consumes one bar and returns `None` until
//!   the indicator is warmed up;
//! - `value()` (or a named accessor) returns the latest output without consuming
//!   anything, so a strategy can read "the channel of the previous bars" before
//!   feeding the current one;
//! - buffers are allocated once in `new` and never grow (ring buffers with running
//!   sums; Donchian uses monotonic deques with a fixed capacity, amortised O(1)).
//!
//! Arithmetic is `Decimal` throughout. Sums of inputs are exact (no float drift);
//! divisions round at `Decimal`'s 28 significant digits. Inputs must lie within
//! `±MAX_INPUT`: that bound, with `MAX_PERIOD`, is what guarantees no `Decimal`
//! operation can overflow. An input outside it is ignored — the state is left
//! unchanged and the update returns `None` — rather than risking a panic.

mod atr;
mod bollinger;
mod donchian;
mod ema;
mod rsi;
mod sma;

pub use atr::Atr;
pub use bollinger::{Bollinger, BollingerBands};
pub use donchian::{Donchian, DonchianChannel};
pub use ema::Ema;
pub use rsi::Rsi;
pub use sma::Sma;

use rust_decimal::Decimal;

use crate::error::StrategyError;

/// Largest magnitude an indicator input may have (10^12 quote units per base unit).
pub const MAX_INPUT: Decimal = Decimal::from_parts(0xD4A5_1000, 0xE8, 0, false, 0);

/// Longest period (window length) an indicator accepts.
pub const MAX_PERIOD: usize = 10_000;

/// `MAX_INPUT` as a mantissa at each scale: `10^12 * 10^scale`, for scales 0..=16.
/// At scale 17 and above every 96-bit mantissa (< 7.93e28) is below `10^29`, so
/// every value is in the domain.
const DOMAIN_MANTISSA: [u128; 17] = {
    let mut table = [0u128; 17];
    let mut limit: u128 = 1_000_000_000_000;
    let mut scale = 0;
    while scale < 17 {
        table[scale] = limit;
        limit *= 10;
        scale += 1;
    }
    table
};

/// True when `value` is inside the domain every indicator supports (`|value| <= MAX_INPUT`).
///
/// Compares the integer mantissa with a per-scale limit: a `Decimal` comparison
/// across scales rescales first and cost more than the rest of an SMA update.
#[inline]
pub(crate) fn in_domain(value: Decimal) -> bool {
    match DOMAIN_MANTISSA.get(value.scale() as usize) {
        Some(&limit) => value.mantissa().unsigned_abs() <= limit,
        None => true,
    }
}

/// Checks a period setting; `indicator` names the indicator in the error.
pub(crate) fn check_period(indicator: &'static str, period: usize) -> Result<(), StrategyError> {
    if (1..=MAX_PERIOD).contains(&period) {
        Ok(())
    } else {
        Err(StrategyError::InvalidIndicator {
            indicator,
            param: "period",
            expected: "in 1..=10000",
            got: period.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn max_input_is_one_trillion() {
        assert_eq!(MAX_INPUT, dec!(1_000_000_000_000));
    }

    #[test]
    fn domain_is_symmetric_and_inclusive() {
        assert!(in_domain(MAX_INPUT));
        assert!(in_domain(-MAX_INPUT));
        assert!(!in_domain(MAX_INPUT + dec!(0.000001)));
        assert!(!in_domain(-MAX_INPUT - dec!(0.1)));
        assert!(in_domain(dec!(0.00000000000000000001)));
    }

    #[test]
    fn domain_check_agrees_with_decimal_comparison_at_every_scale() {
        let probes = [
            dec!(999_999_999_999.999),
            dec!(1_000_000_000_000),
            dec!(1_000_000_000_000.0001),
        ];
        for probe in probes {
            for scale in 0..=28u32 {
                let mut v = probe;
                v.rescale(scale);
                assert_eq!(in_domain(v), v.abs() <= MAX_INPUT, "{v} at scale {scale}");
            }
        }
        assert!(in_domain(Decimal::from_i128_with_scale(
            79_228_162_514_264_337_593_543_950_335,
            17
        )));
        assert!(!in_domain(Decimal::MAX));
    }

    #[test]
    fn period_zero_and_too_long_are_rejected_naming_the_indicator() {
        let err = check_period("sma", 0).unwrap_err();
        assert_eq!(err.to_string(), "sma period must be in 1..=10000, got 0");
        assert!(check_period("sma", MAX_PERIOD + 1).is_err());
        assert!(check_period("sma", MAX_PERIOD).is_ok());
    }
}
