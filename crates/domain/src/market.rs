//! Market data: sides, candles, trades and the events a feed delivers.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::DomainError;
use crate::money::{Price, Qty};
use crate::symbol::Symbol;

/// A UTC instant. All timestamps in Rampart are UTC.
pub type Timestamp = DateTime<Utc>;

/// Buy or sell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// Buy the base asset.
    Buy,
    /// Sell the base asset.
    Sell,
}

impl Side {
    /// The other side.
    pub fn opposite(self) -> Side {
        match self {
            Side::Buy => Side::Sell,
            Side::Sell => Side::Buy,
        }
    }

    /// `+1` for buy, `-1` for sell: the sign of the position change.
    pub fn sign(self) -> Decimal {
        match self {
            Side::Buy => Decimal::ONE,
            Side::Sell => Decimal::NEGATIVE_ONE,
        }
    }

    /// Stable lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Buy => "buy",
            Side::Sell => "sell",
        }
    }
}

/// One validated OHLCV bar of a symbol.
///
/// Invariants: `low <= min(open, close)`, `high >= max(open, close)`,
/// `volume >= 0`, `close_time > open_time`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candle {
    symbol: Symbol,
    open_time: Timestamp,
    close_time: Timestamp,
    open: Price,
    high: Price,
    low: Price,
    close: Price,
    volume: Qty,
}

/// The raw fields of a candle, before validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CandleFields {
    /// Instrument.
    pub symbol: Symbol,
    /// Start of the bar.
    pub open_time: Timestamp,
    /// End of the bar (exclusive); the bar is known once this instant has passed.
    pub close_time: Timestamp,
    /// Opening price.
    pub open: Decimal,
    /// Highest price.
    pub high: Decimal,
    /// Lowest price.
    pub low: Decimal,
    /// Closing price.
    pub close: Decimal,
    /// Traded base volume.
    pub volume: Decimal,
}

impl Candle {
    /// Validates the fields and builds a candle.
    pub fn new(fields: CandleFields) -> Result<Self, DomainError> {
        let open = Price::new(fields.open).map_err(|_| rename(fields.open, "open"))?;
        let high = Price::new(fields.high).map_err(|_| rename(fields.high, "high"))?;
        let low = Price::new(fields.low).map_err(|_| rename(fields.low, "low"))?;
        let close = Price::new(fields.close).map_err(|_| rename(fields.close, "close"))?;
        let volume = Qty::new(fields.volume)
            .map_err(|_| DomainError::out_of_range("volume", ">= 0", fields.volume))?;
        if fields.close_time <= fields.open_time {
            return Err(DomainError::Inconsistent {
                what: "candle",
                detail: format!(
                    "close_time {} must be after open_time {}",
                    fields.close_time, fields.open_time
                ),
            });
        }
        if low > open.min(close) || high < open.max(close) || low > high {
            return Err(DomainError::Inconsistent {
                what: "candle",
                detail: format!(
                    "need low <= open, close <= high; got open={open} high={high} low={low} close={close}"
                ),
            });
        }
        Ok(Self {
            symbol: fields.symbol,
            open_time: fields.open_time,
            close_time: fields.close_time,
            open,
            high,
            low,
            close,
            volume,
        })
    }

    /// Builds a candle from floats (e.g. a float-typed data source), rejecting
    /// NaN and infinities before any other validation.
    #[allow(clippy::too_many_arguments)]
    pub fn from_f64(
        symbol: Symbol,
        open_time: Timestamp,
        close_time: Timestamp,
        open: f64,
        high: f64,
        low: f64,
        close: f64,
        volume: f64,
    ) -> Result<Self, DomainError> {
        let d = |field: &'static str, v: f64| -> Result<Decimal, DomainError> {
            if !v.is_finite() {
                return Err(DomainError::NotFinite {
                    field,
                    value: v.to_string(),
                });
            }
            Decimal::try_from(v).map_err(|_| DomainError::out_of_range(field, "representable", v))
        };
        Self::new(CandleFields {
            symbol,
            open_time,
            close_time,
            open: d("open", open)?,
            high: d("high", high)?,
            low: d("low", low)?,
            close: d("close", close)?,
            volume: d("volume", volume)?,
        })
    }

    /// Instrument.
    pub fn symbol(&self) -> &Symbol {
        &self.symbol
    }
    /// Start of the bar.
    pub fn open_time(&self) -> Timestamp {
        self.open_time
    }
    /// End of the bar; the instant at which it becomes known.
    pub fn close_time(&self) -> Timestamp {
        self.close_time
    }
    /// Opening price.
    pub fn open(&self) -> Price {
        self.open
    }
    /// Highest price.
    pub fn high(&self) -> Price {
        self.high
    }
    /// Lowest price.
    pub fn low(&self) -> Price {
        self.low
    }
    /// Closing price.
    pub fn close(&self) -> Price {
        self.close
    }
    /// Traded base volume.
    pub fn volume(&self) -> Qty {
        self.volume
    }
}

fn rename(value: Decimal, field: &'static str) -> DomainError {
    DomainError::out_of_range(field, "> 0", value)
}

/// One public trade print.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trade {
    /// Instrument.
    pub symbol: Symbol,
    /// Execution price.
    pub price: Price,
    /// Executed quantity.
    pub qty: Qty,
    /// Aggressor side, when the venue reports it.
    pub aggressor: Option<Side>,
    /// Trade time.
    pub ts: Timestamp,
}

/// What a market-data feed delivers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MarketEvent {
    /// A closed candle.
    Candle(Candle),
    /// A trade tick.
    Trade(Trade),
}

impl MarketEvent {
    /// The symbol the event is about.
    pub fn symbol(&self) -> &Symbol {
        match self {
            MarketEvent::Candle(c) => c.symbol(),
            MarketEvent::Trade(t) => &t.symbol,
        }
    }

    /// The instant at which the event became known (candle close or trade time).
    pub fn event_time(&self) -> Timestamp {
        match self {
            MarketEvent::Candle(c) => c.close_time(),
            MarketEvent::Trade(t) => t.ts,
        }
    }

    /// The latest price the event carries.
    pub fn last_price(&self) -> Price {
        match self {
            MarketEvent::Candle(c) => c.close(),
            MarketEvent::Trade(t) => t.price,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use rust_decimal_macros::dec;

    fn fields() -> CandleFields {
        let t0 = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        CandleFields {
            symbol: Symbol::new("BTC-USD").unwrap(),
            open_time: t0,
            close_time: t0 + chrono::Duration::minutes(1),
            open: dec!(100),
            high: dec!(110),
            low: dec!(95),
            close: dec!(105),
            volume: dec!(3),
        }
    }

    #[test]
    fn accepts_consistent_candle() {
        let c = Candle::new(fields()).unwrap();
        assert_eq!(c.close().value(), dec!(105));
    }

    #[test]
    fn rejects_low_above_open_or_close() {
        let mut f = fields();
        f.low = dec!(101);
        assert!(matches!(
            Candle::new(f),
            Err(DomainError::Inconsistent { what: "candle", .. })
        ));
    }

    #[test]
    fn rejects_high_below_close() {
        let mut f = fields();
        f.high = dec!(104);
        assert!(Candle::new(f).is_err());
    }

    #[test]
    fn rejects_negative_volume_naming_the_field() {
        let mut f = fields();
        f.volume = dec!(-1);
        let err = Candle::new(f).unwrap_err();
        assert!(err.to_string().contains("volume"), "{err}");
    }

    #[test]
    fn rejects_non_finite_float_input() {
        let f = fields();
        let err = Candle::from_f64(
            f.symbol,
            f.open_time,
            f.close_time,
            100.0,
            f64::NAN,
            95.0,
            100.0,
            1.0,
        )
        .unwrap_err();
        assert!(matches!(err, DomainError::NotFinite { field: "high", .. }));
    }

    #[test]
    fn rejects_close_time_not_after_open_time() {
        let mut f = fields();
        f.close_time = f.open_time;
        assert!(Candle::new(f).is_err());
    }

    #[test]
    fn side_opposite_and_sign() {
        assert_eq!(Side::Buy.opposite(), Side::Sell);
        assert_eq!(Side::Sell.sign(), dec!(-1));
    }
}
