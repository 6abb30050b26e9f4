//! Money, prices, quantities and ratios as `Decimal` newtypes.
//!
//! A value that exists is a valid value: `Price` is strictly positive, `Qty` is
//! never negative, `Money` is signed (P&L can be negative). Arithmetic exists only
//! where it means something (`Price x Qty = Money`, `Money + Money`). There is no
//! `From<f64>`: floats only enter through `try_from_f64`, which rejects NaN and
//! infinities.

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Mul, Neg, Sub, SubAssign};

use rust_decimal::Decimal;
use rust_decimal::prelude::{FromPrimitive, ToPrimitive};
use serde::{Deserialize, Serialize};

use crate::error::DomainError;

fn decimal_from_f64(field: &'static str, value: f64) -> Result<Decimal, DomainError> {
    if !value.is_finite() {
        return Err(DomainError::NotFinite {
            field,
            value: value.to_string(),
        });
    }
    Decimal::from_f64(value).ok_or_else(|| DomainError::out_of_range(field, "representable", value))
}

/// `value / 10^places`, exactly: a change of scale when it fits (cheap, runs per bar),
/// a division otherwise.
fn shift_decimal_point(value: Decimal, places: u32) -> Decimal {
    let scale = value.scale() + places;
    if scale <= 28 {
        let mut shifted = value;
        if shifted.set_scale(scale).is_ok() {
            return shifted;
        }
    }
    value / Decimal::from(10u64.pow(places))
}

/// Each type is written as its `Decimal` writes itself (a JSON string), through
/// [`crate::decimal_text`]: audit events are serialised on every event that has any.
macro_rules! serialize_as_decimal {
    ($($t:ty),*) => {$(
        impl Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                crate::decimal_text::serialize(&self.0, serializer)
            }
        }
    )*};
}

serialize_as_decimal!(Price, Qty, Money, Ratio);

/// A strictly positive price in quote currency per unit of base asset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(try_from = "Decimal")]
pub struct Price(Decimal);

impl Price {
    /// Builds a price; it must be strictly positive.
    pub fn new(value: Decimal) -> Result<Self, DomainError> {
        if value > Decimal::ZERO {
            Ok(Self(value))
        } else {
            Err(DomainError::out_of_range("price", "> 0", value))
        }
    }

    /// Builds a price from a float, rejecting NaN, infinities and non-positive values.
    pub fn try_from_f64(value: f64) -> Result<Self, DomainError> {
        Self::new(decimal_from_f64("price", value)?)
    }

    /// The underlying decimal.
    pub fn value(self) -> Decimal {
        self.0
    }

    /// Absolute distance between two prices as money per unit (`|a - b|`).
    pub fn distance(self, other: Price) -> Decimal {
        (self.0 - other.0).abs()
    }

    /// Lossy conversion for statistics and plots only, never for decisions.
    pub fn to_f64_lossy(self) -> f64 {
        self.0.to_f64().unwrap_or(f64::NAN)
    }
}

impl TryFrom<Decimal> for Price {
    type Error = DomainError;
    fn try_from(value: Decimal) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<Price> for Decimal {
    fn from(value: Price) -> Self {
        value.0
    }
}

impl fmt::Display for Price {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A non-negative quantity of the base asset.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(try_from = "Decimal")]
pub struct Qty(Decimal);

impl Qty {
    /// Zero quantity.
    pub const ZERO: Qty = Qty(Decimal::ZERO);

    /// Builds a quantity; it must not be negative.
    pub fn new(value: Decimal) -> Result<Self, DomainError> {
        if value >= Decimal::ZERO {
            Ok(Self(value))
        } else {
            Err(DomainError::out_of_range("qty", ">= 0", value))
        }
    }

    /// Builds a quantity from a float, rejecting NaN, infinities and negatives.
    pub fn try_from_f64(value: f64) -> Result<Self, DomainError> {
        Self::new(decimal_from_f64("qty", value)?)
    }

    /// The underlying decimal.
    pub fn value(self) -> Decimal {
        self.0
    }

    /// True when the quantity is zero.
    pub fn is_zero(self) -> bool {
        self.0.is_zero()
    }

    /// `self - other`, floored at zero.
    pub fn saturating_sub(self, other: Qty) -> Qty {
        Qty((self.0 - other.0).max(Decimal::ZERO))
    }

    /// Scales the quantity by a non-negative ratio (e.g. a size multiplier).
    pub fn scale(self, ratio: Ratio) -> Qty {
        Qty((self.0 * ratio.0).max(Decimal::ZERO))
    }
}

impl Add for Qty {
    type Output = Qty;
    fn add(self, rhs: Qty) -> Qty {
        Qty(self.0 + rhs.0)
    }
}

impl TryFrom<Decimal> for Qty {
    type Error = DomainError;
    fn try_from(value: Decimal) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<Qty> for Decimal {
    fn from(value: Qty) -> Self {
        value.0
    }
}

impl fmt::Display for Qty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A signed amount of quote currency (cash, equity, P&L, fees).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(transparent)]
pub struct Money(Decimal);

impl Money {
    /// Zero.
    pub const ZERO: Money = Money(Decimal::ZERO);

    /// Wraps a decimal amount (any sign).
    pub const fn new(value: Decimal) -> Self {
        Self(value)
    }

    /// Builds an amount from a float, rejecting NaN and infinities.
    pub fn try_from_f64(value: f64) -> Result<Self, DomainError> {
        Ok(Self(decimal_from_f64("money", value)?))
    }

    /// The underlying decimal.
    pub fn value(self) -> Decimal {
        self.0
    }

    /// True when strictly negative.
    pub fn is_negative(self) -> bool {
        self.0 < Decimal::ZERO
    }

    /// Absolute value.
    pub fn abs(self) -> Money {
        Money(self.0.abs())
    }

    /// `self / total` as a ratio; `None` when `total` is zero.
    pub fn ratio_of(self, total: Money) -> Option<Ratio> {
        if total.0.is_zero() {
            None
        } else {
            Some(Ratio(self.0 / total.0))
        }
    }

    /// Lossy conversion for statistics and plots only, never for decisions.
    pub fn to_f64_lossy(self) -> f64 {
        self.0.to_f64().unwrap_or(f64::NAN)
    }
}

impl Add for Money {
    type Output = Money;
    fn add(self, rhs: Money) -> Money {
        Money(self.0 + rhs.0)
    }
}

impl AddAssign for Money {
    fn add_assign(&mut self, rhs: Money) {
        self.0 += rhs.0;
    }
}

impl Sub for Money {
    type Output = Money;
    fn sub(self, rhs: Money) -> Money {
        Money(self.0 - rhs.0)
    }
}

impl SubAssign for Money {
    fn sub_assign(&mut self, rhs: Money) {
        self.0 -= rhs.0;
    }
}

impl Neg for Money {
    type Output = Money;
    fn neg(self) -> Money {
        Money(-self.0)
    }
}

impl Mul<Ratio> for Money {
    type Output = Money;
    fn mul(self, rhs: Ratio) -> Money {
        Money(self.0 * rhs.0)
    }
}

impl Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        iter.fold(Money::ZERO, |a, b| a + b)
    }
}

impl Mul<Qty> for Price {
    type Output = Money;
    fn mul(self, rhs: Qty) -> Money {
        Money(self.0 * rhs.0)
    }
}

impl Mul<Price> for Qty {
    type Output = Money;
    fn mul(self, rhs: Price) -> Money {
        Money(self.0 * rhs.0)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A dimensionless fraction (`0.05` = 5% = 500 bps). Signed: drawdowns are
/// positive fractions, returns may be negative.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(transparent)]
pub struct Ratio(Decimal);

impl Ratio {
    /// Zero.
    pub const ZERO: Ratio = Ratio(Decimal::ZERO);
    /// One (100%).
    pub const ONE: Ratio = Ratio(Decimal::ONE);

    /// A ratio from a fraction (`0.05` = 5%).
    pub const fn from_fraction(value: Decimal) -> Self {
        Self(value)
    }

    /// A ratio from a percentage (`5` = 5% = `0.05`).
    pub fn from_pct(pct: Decimal) -> Self {
        Self(shift_decimal_point(pct, 2))
    }

    /// A ratio from basis points (`10` = 0.10% = `0.001`).
    pub fn from_bps(bps: Decimal) -> Self {
        Self(shift_decimal_point(bps, 4))
    }

    /// The fraction (`0.05` for 5%).
    pub fn fraction(self) -> Decimal {
        self.0
    }

    /// The percentage (`5` for 5%).
    pub fn pct(self) -> Decimal {
        self.0 * Decimal::ONE_HUNDRED
    }

    /// The value in basis points (`500` for 5%).
    pub fn bps(self) -> Decimal {
        self.0 * Decimal::from(10_000)
    }

    /// Lossy conversion for statistics only.
    pub fn to_f64_lossy(self) -> f64 {
        self.0.to_f64().unwrap_or(f64::NAN)
    }
}

impl Add for Ratio {
    type Output = Ratio;
    fn add(self, rhs: Ratio) -> Ratio {
        Ratio(self.0 + rhs.0)
    }
}

impl Sub for Ratio {
    type Output = Ratio;
    fn sub(self, rhs: Ratio) -> Ratio {
        Ratio(self.0 - rhs.0)
    }
}

impl Mul for Ratio {
    type Output = Ratio;
    fn mul(self, rhs: Ratio) -> Ratio {
        Ratio(self.0 * rhs.0)
    }
}

impl fmt::Display for Ratio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}%", self.pct().normalize())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn price_rejects_zero_and_negative() {
        assert!(Price::new(dec!(0)).is_err());
        assert!(Price::new(dec!(-1)).is_err());
        assert_eq!(Price::new(dec!(1.5)).map(Price::value), Ok(dec!(1.5)));
    }

    #[test]
    fn price_rejects_non_finite_floats() {
        assert!(matches!(
            Price::try_from_f64(f64::NAN),
            Err(DomainError::NotFinite { field: "price", .. })
        ));
        assert!(Price::try_from_f64(f64::INFINITY).is_err());
    }

    #[test]
    fn qty_rejects_negative_but_accepts_zero() {
        assert!(Qty::new(dec!(-0.1)).is_err());
        assert!(Qty::new(dec!(0)).is_ok_and(Qty::is_zero));
    }

    #[test]
    fn price_times_qty_is_money() {
        let p = Price::new(dec!(20000)).unwrap();
        let q = Qty::new(dec!(0.25)).unwrap();
        assert_eq!(p * q, Money::new(dec!(5000)));
        assert_eq!(q * p, Money::new(dec!(5000)));
    }

    #[test]
    fn ratio_converts_between_pct_and_bps() {
        let r = Ratio::from_pct(dec!(5));
        assert_eq!(r.fraction(), dec!(0.05));
        assert_eq!(r.bps(), dec!(500));
        assert_eq!(Ratio::from_bps(dec!(10)).fraction(), dec!(0.001));
        assert_eq!(r.to_string(), "5%");
    }

    #[test]
    fn pct_and_bps_conversions_are_exact_at_any_scale() {
        assert_eq!(Ratio::from_pct(dec!(2.5)).fraction(), dec!(0.025));
        assert_eq!(Ratio::from_bps(dec!(-7)).fraction(), dec!(-0.0007));
        let tiny = Decimal::new(1, 27);
        assert_eq!(Ratio::from_pct(tiny).fraction(), tiny / dec!(100));
    }

    #[test]
    fn money_ratio_of_zero_total_is_none() {
        assert_eq!(Money::new(dec!(5)).ratio_of(Money::ZERO), None);
        assert_eq!(
            Money::new(dec!(5)).ratio_of(Money::new(dec!(100))),
            Some(Ratio::from_pct(dec!(5)))
        );
    }

    #[test]
    fn serde_round_trip_validates_on_the_way_in() {
        let p: Result<Price, _> = serde_json::from_str("\"-3\"");
        assert!(p.is_err());
        let q: Qty = serde_json::from_str("\"0.5\"").unwrap();
        assert_eq!(q.value(), dec!(0.5));
        assert_eq!(serde_json::to_string(&q).unwrap(), "\"0.5\"");
    }
}
