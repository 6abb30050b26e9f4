//! The few statistics the weekly report and the gates share: hit rate, annualised
//! Sharpe of a daily series, peak-to-trough drawdown. Money stays `Decimal`; only the
//! Sharpe ratio goes through `f64`.

use domain::Ratio;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

/// Days per year used to annualise a daily Sharpe ratio (crypto trades every day).
pub const SHARPE_DAYS_PER_YEAR: f64 = 365.0;

/// Decimal places of a stored hit rate (a fraction: `0.6667`).
pub(crate) const HIT_RATE_DP: u32 = 4;
/// Decimal places of stored returns and drawdowns (fractions of capital).
pub(crate) const RETURN_DP: u32 = 10;
/// Decimal places of stored percentages (`62.07`).
pub(crate) const PCT_DP: u32 = 2;
/// Decimal places of computed money amounts (products of notional and returns).
pub(crate) const MONEY_DP: u32 = 8;

/// `value` rounded to `dp` places (half to even, `Decimal::round_dp`), trailing
/// zeros dropped (`0.5`, not `0.50`), so that stored reports read cleanly.
pub(crate) fn rounded(value: Decimal, dp: u32) -> Decimal {
    value.round_dp(dp).normalize()
}

/// `wins / takes`, rounded to [`HIT_RATE_DP`] places; `None` without takes.
pub(crate) fn hit_rate(wins: u64, takes: u64) -> Option<Ratio> {
    if takes == 0 {
        return None;
    }
    Decimal::from(wins)
        .checked_div(Decimal::from(takes))
        .map(|r| Ratio::from_fraction(rounded(r, HIT_RATE_DP)))
}

/// Annualised Sharpe ratio of a daily series: `mean / sd * sqrt(365)`, `sd` the
/// sample standard deviation (`n - 1`). `None` with fewer than two values, when
/// every value is equal (zero deviation, decided exactly on the decimals) or when
/// the result is not finite.
pub(crate) fn sharpe(daily: &[Decimal]) -> Option<f64> {
    if daily.len() < 2 {
        return None;
    }
    let first = daily.first()?;
    if daily.iter().all(|v| v == first) {
        return None;
    }
    let values: Vec<f64> = daily
        .iter()
        .map(ToPrimitive::to_f64)
        .collect::<Option<_>>()?;
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    let sd = var.sqrt();
    if sd.is_nan() || sd.is_infinite() || sd <= 0.0 {
        return None;
    }
    let s = mean / sd * SHARPE_DAYS_PER_YEAR.sqrt();
    s.is_finite().then_some(s)
}

/// Largest peak-to-trough fall of an equity path that starts at `start` and moves
/// by each step in turn, as a fraction of the peak (rounded to [`RETURN_DP`]).
/// The starting value is the first peak. `None` when `start <= 0` (no fraction can
/// be taken) or on decimal overflow.
pub(crate) fn max_drawdown(
    start: Decimal,
    steps: impl IntoIterator<Item = Decimal>,
) -> Option<Ratio> {
    if start <= Decimal::ZERO {
        return None;
    }
    let mut peak = start;
    let mut equity = start;
    let mut worst = Decimal::ZERO;
    for step in steps {
        equity = equity.checked_add(step)?;
        if equity > peak {
            peak = equity;
        } else {
            let fall = (peak - equity).checked_div(peak)?;
            worst = worst.max(fall);
        }
    }
    Some(Ratio::from_fraction(rounded(worst, RETURN_DP)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn sharpe_matches_the_textbook_formula() {
        let series = [dec!(0.01), dec!(-0.005), dec!(0.002), dec!(0)];
        let xs = [0.01, -0.005, 0.002, 0.0];
        let mean = xs.iter().sum::<f64>() / 4.0;
        let sd = (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / 3.0).sqrt();
        let expected = mean / sd * 365f64.sqrt();
        let got = sharpe(&series).unwrap();
        assert!((got - expected).abs() < 1e-9, "{got} vs {expected}");
    }

    #[test]
    fn sharpe_is_undefined_for_flat_or_short_series() {
        assert_eq!(sharpe(&[dec!(0.01)]), None);
        assert_eq!(sharpe(&[dec!(0.01), dec!(0.010)]), None);
        assert_eq!(sharpe(&[]), None);
    }

    #[test]
    fn drawdown_measures_from_the_running_peak() {
        // 100 -> 110 -> 99 -> 120 -> 108: worst fall 11/110 = 10%.
        let dd = max_drawdown(dec!(100), [dec!(10), dec!(-11), dec!(21), dec!(-12)]).unwrap();
        assert_eq!(dd.fraction(), dec!(0.1));
        assert_eq!(max_drawdown(dec!(0), [dec!(1)]), None);
    }

    #[test]
    fn hit_rate_rounds_and_is_undefined_without_takes() {
        assert_eq!(hit_rate(2, 3).map(Ratio::fraction), Some(dec!(0.6667)));
        assert_eq!(hit_rate(0, 0), None);
    }
}
