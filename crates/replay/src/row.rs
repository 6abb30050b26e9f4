//! One CSV line to one raw row: splitting, format detection (our `ts,open,high,low,close,volume`
//! or Binance's 12-column kline dump), and field parsing with messages that name the field.
//!
//! Nothing here knows about files, order or intervals; `reader` adds those. Prices and
//! volumes are parsed from their text as `Decimal`, never through `f64`.

use std::str::FromStr;

use chrono::{DateTime, TimeDelta, Utc};
use domain::Timestamp;
use rust_decimal::Decimal;

/// Columns of a Binance kline dump; also the most a row may have.
const BINANCE_COLUMNS: usize = 12;
/// Columns of our format.
const RAMPART_COLUMNS: usize = 6;
/// Epoch values below this (~1973 in milliseconds) are most likely seconds: refused, not guessed.
const MIN_EPOCH_MILLIS: i64 = 100_000_000_000;
/// Epoch values from here on are microseconds (Binance spot dumps since 2025); below, milliseconds.
const MIN_EPOCH_MICROS: i64 = 100_000_000_000_000;

/// The layout of a candle CSV file, detected per file from its header or column count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CsvFormat {
    /// Ours: `ts,open,high,low,close,volume`, `ts` = open time as RFC3339 UTC or epoch ms.
    Rampart,
    /// Binance public kline dump: 12 columns, open and close time in epoch ms or µs.
    BinanceKline,
}

impl CsvFormat {
    /// The name of the open-time column, used in error messages.
    pub fn time_field(self) -> &'static str {
        match self {
            CsvFormat::Rampart => "ts",
            CsvFormat::BinanceKline => "open_time",
        }
    }

    fn columns(self) -> usize {
        match self {
            CsvFormat::Rampart => RAMPART_COLUMNS,
            CsvFormat::BinanceKline => BINANCE_COLUMNS,
        }
    }
}

/// The comma-separated fields of one line, without allocating.
pub(crate) struct Fields<'a> {
    cols: [&'a str; BINANCE_COLUMNS],
    /// How many fields the line has (may exceed the array; extra ones are not kept).
    len: usize,
}

impl<'a> Fields<'a> {
    pub(crate) fn split(line: &'a str) -> Self {
        let mut cols = [""; BINANCE_COLUMNS];
        let mut len = 0;
        for field in line.split(',') {
            if let Some(slot) = cols.get_mut(len) {
                *slot = field.trim();
            }
            len += 1;
        }
        Self { cols, len }
    }

    fn get(&self, index: usize) -> &'a str {
        self.cols.get(index).copied().unwrap_or_default()
    }
}

/// What the first non-empty line of a file turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FirstLine {
    /// A header naming the columns of this format; skip it.
    Header(CsvFormat),
    /// Already a data row of this format.
    Data(CsvFormat),
}

const RAMPART_TIME_NAMES: [&str; 6] = ["ts", "timestamp", "time", "date", "datetime", "open_time"];
const PRICE_NAMES: [&str; 5] = ["open", "high", "low", "close", "volume"];
const EXPECTED_LAYOUTS: &str =
    "expected 6 columns `ts,open,high,low,close,volume` or the 12 columns of a Binance kline dump";

/// Detects the format from the first non-empty line: a header if it starts with a letter.
pub(crate) fn detect(fields: &Fields<'_>) -> Result<FirstLine, String> {
    let is_header = fields.get(0).starts_with(|c: char| c.is_ascii_alphabetic());
    if !is_header {
        return match fields.len {
            RAMPART_COLUMNS => Ok(FirstLine::Data(CsvFormat::Rampart)),
            BINANCE_COLUMNS => Ok(FirstLine::Data(CsvFormat::BinanceKline)),
            n => Err(format!("{EXPECTED_LAYOUTS}, got {n} columns")),
        };
    }
    let name = |i: usize| fields.get(i).to_ascii_lowercase();
    let prices_match = (0..PRICE_NAMES.len()).all(|i| name(i + 1) == PRICE_NAMES[i]);
    let first = name(0);
    match fields.len {
        RAMPART_COLUMNS if prices_match && RAMPART_TIME_NAMES.contains(&first.as_str()) => {
            Ok(FirstLine::Header(CsvFormat::Rampart))
        }
        BINANCE_COLUMNS if prices_match && first == "open_time" && name(6) == "close_time" => {
            Ok(FirstLine::Header(CsvFormat::BinanceKline))
        }
        _ => {
            let shown: Vec<&str> = (0..fields.len.min(BINANCE_COLUMNS))
                .map(|i| fields.get(i))
                .collect();
            Err(format!(
                "header: {EXPECTED_LAYOUTS}, got `{}`",
                shown.join(",")
            ))
        }
    }
}

/// A parsed but not yet validated row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawRow {
    /// 1-based physical line number.
    pub line: u64,
    /// Start of the bar.
    pub open_time: Timestamp,
    /// Exclusive end of the bar when the row states it (Binance); `None` for our format.
    pub close_time: Option<Timestamp>,
    /// open, high, low, close, volume.
    pub values: [Decimal; 5],
}

/// Parses one data row of a known format; the error message names the field.
pub(crate) fn parse_row(
    format: CsvFormat,
    fields: &Fields<'_>,
    line: u64,
) -> Result<RawRow, String> {
    if fields.len != format.columns() {
        return Err(format!(
            "expected {} columns like the rest of the file, got {}",
            format.columns(),
            fields.len
        ));
    }
    let mut values = [Decimal::ZERO; 5];
    for (i, value) in values.iter_mut().enumerate() {
        *value = parse_decimal(PRICE_NAMES[i], fields.get(i + 1))?;
    }
    let (open_time, close_time) = match format {
        CsvFormat::Rampart => (parse_time("ts", fields.get(0))?, None),
        CsvFormat::BinanceKline => {
            let (open_time, unit) = parse_epoch("open_time", fields.get(0))?;
            let close_time = parse_binance_close("close_time", fields.get(6), open_time, unit)?;
            (open_time, Some(close_time))
        }
    };
    Ok(RawRow {
        line,
        open_time,
        close_time,
        values,
    })
}

fn parse_decimal(field: &str, text: &str) -> Result<Decimal, String> {
    Decimal::from_str(text).map_err(|_| format!("{field}: expected a decimal number, got {text:?}"))
}

/// The unit an epoch column was written in, detected by magnitude.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EpochUnit {
    Millis,
    Micros,
}

impl EpochUnit {
    fn one(self) -> TimeDelta {
        match self {
            EpochUnit::Millis => TimeDelta::milliseconds(1),
            EpochUnit::Micros => TimeDelta::microseconds(1),
        }
    }
}

/// RFC3339 (any offset, converted to UTC) or epoch milliseconds / microseconds.
fn parse_time(field: &str, text: &str) -> Result<Timestamp, String> {
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return parse_epoch(field, text).map(|(ts, _)| ts);
    }
    DateTime::parse_from_rfc3339(text)
        .map(|ts| ts.with_timezone(&Utc))
        .map_err(|_| {
            format!(
                "{field}: expected an RFC3339 UTC time like 2024-01-01T00:00:00Z or epoch milliseconds, got {text:?}"
            )
        })
}

/// Epoch milliseconds (13 digits) or microseconds (16 digits), told apart by magnitude.
pub(crate) fn parse_epoch(field: &str, text: &str) -> Result<(Timestamp, EpochUnit), String> {
    let expected = || format!("{field}: expected epoch milliseconds or microseconds, got {text:?}");
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(expected());
    }
    let value: i64 = text.parse().map_err(|_| expected())?;
    if value < MIN_EPOCH_MILLIS {
        return Err(format!(
            "{field}: {value} is too small for epoch milliseconds (before 1973); epoch seconds are not accepted"
        ));
    }
    let (ts, unit) = if value < MIN_EPOCH_MICROS {
        (DateTime::from_timestamp_millis(value), EpochUnit::Millis)
    } else {
        (DateTime::from_timestamp_micros(value), EpochUnit::Micros)
    };
    ts.map(|ts| (ts, unit)).ok_or_else(expected)
}

/// Binance writes the bar's last instant (`open + interval - 1ms`, or `- 1µs` in µs files);
/// we use the exclusive end. A close time already on a whole second is taken as exclusive.
fn parse_binance_close(
    field: &str,
    text: &str,
    open_time: Timestamp,
    unit: EpochUnit,
) -> Result<Timestamp, String> {
    let (close, close_unit) = parse_epoch(field, text)?;
    if close_unit != unit {
        return Err(format!(
            "{field}: {text} is in a different epoch unit than open_time (milliseconds vs microseconds)"
        ));
    }
    let whole_second = |d: TimeDelta| d.subsec_nanos() == 0;
    let inclusive_end = close + unit.one();
    if whole_second(inclusive_end - open_time) {
        Ok(inclusive_end)
    } else if whole_second(close - open_time) {
        Ok(close)
    } else {
        Err(format!(
            "{field}: {text} is not open_time + interval - 1 {}",
            match unit {
                EpochUnit::Millis => "ms",
                EpochUnit::Micros => "µs",
            }
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use rust_decimal_macros::dec;

    fn t0() -> Timestamp {
        Utc.with_ymd_and_hms(2021, 10, 22, 23, 3, 0).unwrap()
    }

    #[test]
    fn detects_formats_by_header_or_column_count() {
        let d = |s| detect(&Fields::split(s));
        assert_eq!(
            d("ts,open,high,low,close,volume"),
            Ok(FirstLine::Header(CsvFormat::Rampart))
        );
        assert_eq!(
            d("Timestamp,Open,High,Low,Close,Volume"),
            Ok(FirstLine::Header(CsvFormat::Rampart))
        );
        assert_eq!(
            d(
                "open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore"
            ),
            Ok(FirstLine::Header(CsvFormat::BinanceKline))
        );
        assert_eq!(
            d("2024-01-01T00:00:00Z,1,2,1,2,5"),
            Ok(FirstLine::Data(CsvFormat::Rampart))
        );
        assert_eq!(
            d("1634943780000,1,2,1,2,5,1634943839999,1,1,1,1,0"),
            Ok(FirstLine::Data(CsvFormat::BinanceKline))
        );
        assert!(d("ts,open,high,low,close").unwrap_err().contains("header"));
        assert!(d("1,2,3").unwrap_err().contains("got 3 columns"));
    }

    #[test]
    fn parses_our_format_with_rfc3339_and_epoch_ms() {
        let a = parse_row(
            CsvFormat::Rampart,
            &Fields::split("2021-10-22T23:03:00Z,60685.22,60729.84,60670.9,60719.27,21.63272"),
            2,
        )
        .unwrap();
        let b = parse_row(
            CsvFormat::Rampart,
            &Fields::split("1634943780000, 60685.22 ,60729.84,60670.9,60719.27,21.63272"),
            2,
        )
        .unwrap();
        assert_eq!(a, b);
        assert_eq!(a.open_time, t0());
        assert_eq!(a.close_time, None);
        assert_eq!(a.values[1], dec!(60729.84));
    }

    #[test]
    fn binance_close_time_becomes_exclusive_in_ms_and_us() {
        let ms = "1634943780000,60685.22000000,60729.84000000,60670.90000000,60719.27000000,21.63272000,1634943839999,1313200.01340410,617,12.28492000,745719.41022840,0";
        let us = "1634943780000000,60685.22000000,60729.84000000,60670.90000000,60719.27000000,21.63272000,1634943839999999,1313200.01340410,617,12.28492000,745719.41022840,0";
        for text in [ms, us] {
            let row = parse_row(CsvFormat::BinanceKline, &Fields::split(text), 1).unwrap();
            assert_eq!(row.open_time, t0());
            assert_eq!(row.close_time, Some(t0() + TimeDelta::minutes(1)));
            assert_eq!(row.values[4], dec!(21.63272));
        }
    }

    #[test]
    fn errors_name_the_field_and_quote_the_value() {
        let err = parse_row(
            CsvFormat::Rampart,
            &Fields::split("2021-10-22T23:03:00Z,1,abc,1,1,1"),
            17,
        )
        .unwrap_err();
        assert_eq!(err, "high: expected a decimal number, got \"abc\"");
        let err =
            parse_row(CsvFormat::Rampart, &Fields::split("yesterday,1,1,1,1,1"), 3).unwrap_err();
        assert!(err.starts_with("ts: expected an RFC3339"), "{err}");
        let err = parse_row(
            CsvFormat::Rampart,
            &Fields::split("1634943780,1,1,1,1,1"),
            3,
        )
        .unwrap_err();
        assert!(err.contains("epoch seconds are not accepted"), "{err}");
        let err = parse_row(
            CsvFormat::Rampart,
            &Fields::split("1634943780000,1,1,1,1"),
            3,
        )
        .unwrap_err();
        assert!(err.contains("expected 6 columns"), "{err}");
    }

    #[test]
    fn refuses_mixed_epoch_units_in_one_row() {
        let text = "1634943780000,1,1,1,1,1,1634943839999999,1,1,1,1,0";
        let err = parse_row(CsvFormat::BinanceKline, &Fields::split(text), 1).unwrap_err();
        assert!(err.starts_with("close_time:"), "{err}");
    }
}
