//! `backtest fetch`: downloads closed candles from an exchange into our CSV format
//! (`ts,open,high,low,close,volume`, `ts` = the candle's open time, RFC 3339 UTC), so that
//! real history can be replayed offline.
//!
//! Binance's public klines endpoint needs no API key. The download goes day by day (each
//! day is one or two pages of the weight-aware REST client, which waits out 429 and stops
//! on a 418 ban), with a progress bar on a terminal. The file is written atomically: an
//! interrupted download leaves no partial file behind.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use clap::{Args, ValueEnum};
use domain::{Candle, Symbol, SystemClock, Timestamp};

use crate::error::BacktestError;
use crate::output::write_atomic;

/// Exchanges `fetch` can download from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FetchVenue {
    /// Binance Spot public klines.
    Binance,
}

/// Flags of `backtest fetch`.
#[derive(Debug, Clone, Args)]
pub struct FetchArgs {
    /// The exchange.
    #[arg(long, value_enum, default_value = "binance")]
    pub venue: FetchVenue,
    /// Symbol in Rampart's form (BTC-USD is fetched as BTCUSDT).
    #[arg(long)]
    pub symbol: String,
    /// Kline interval (1m, 5m, 1h, 1d, ...).
    #[arg(long, default_value = "1m")]
    pub interval: String,
    /// How many days back from --end.
    #[arg(long, default_value_t = 30)]
    pub days: u32,
    /// End of the range (RFC 3339, default: now).
    #[arg(long)]
    pub end: Option<DateTime<Utc>>,
    /// Output CSV file.
    #[arg(long)]
    pub out: PathBuf,
    /// REST base URL (default: Binance's public endpoint; a local server in tests).
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
}

/// What `fetch` wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchSummary {
    /// The file.
    pub path: PathBuf,
    /// Candles written.
    pub candles: usize,
    /// Open time of the first candle.
    pub first: Option<Timestamp>,
    /// Open time of the last candle.
    pub last: Option<Timestamp>,
}

/// Downloads the candles `args` asks for and writes them to `args.out`.
pub fn fetch(args: &FetchArgs, now: Timestamp) -> Result<FetchSummary, BacktestError> {
    let symbol = Symbol::new(&args.symbol)
        .map_err(|e| BacktestError::flag("--symbol", format!("{:?}: {e}", args.symbol)))?;
    let interval: binance::KlineInterval = args
        .interval
        .parse()
        .map_err(|e: binance::BinanceError| BacktestError::flag("--interval", e.to_string()))?;
    if args.days == 0 {
        return Err(BacktestError::flag("--days", "must be at least 1"));
    }
    let end = args.end.unwrap_or(now);
    let start = end - Duration::days(i64::from(args.days));
    let mut config = binance::BinanceConfig::mainnet();
    if let Some(url) = &args.base_url {
        config.rest_base_url = url.trim_end_matches('/').to_string();
    }
    let client = binance::RestClient::new(config, None, Arc::new(SystemClock))
        .map_err(|e| BacktestError::flag("--base-url", e.to_string()))?;

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| BacktestError::Fetch(format!("cannot start the async runtime: {e}")))?;
    let bar = progress_bar(u64::from(args.days));
    let mut candles: Vec<Candle> = Vec::new();
    let mut day_start = start;
    while day_start < end {
        let day_end = (day_start + Duration::days(1)).min(end);
        // `klines_history` includes both ends: stop one millisecond short of the next day.
        let to = day_end - Duration::milliseconds(1);
        let page = rt
            .block_on(client.klines_history(&symbol, interval, day_start, to))
            .map_err(|e| BacktestError::Fetch(format!("{} {}: {e}", args.symbol, interval)))?;
        candles.extend(page);
        if let Some(bar) = &bar {
            bar.inc(1);
            bar.set_message(format!("{} candles", candles.len()));
        }
        day_start = day_end;
    }
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    // Day boundaries never overlap, but a server could repeat a bar: keep the first.
    candles.dedup_by_key(|c| c.open_time());

    let mut text = String::with_capacity(64 * (candles.len() + 1));
    text.push_str("ts,open,high,low,close,volume\n");
    for c in &candles {
        let _ = writeln!(
            text,
            "{},{},{},{},{},{}",
            c.open_time().to_rfc3339_opts(SecondsFormat::Secs, true),
            c.open().value(),
            c.high().value(),
            c.low().value(),
            c.close().value(),
            c.volume().value()
        );
    }
    write_atomic(&args.out, text.as_bytes())?;
    Ok(FetchSummary {
        path: args.out.clone(),
        candles: candles.len(),
        first: candles.first().map(Candle::open_time),
        last: candles.last().map(Candle::open_time),
    })
}

/// A day-counting bar on stderr when it is a terminal.
fn progress_bar(days: u64) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(days);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} days, eta {eta} {msg}",
    ) {
        bar.set_style(style);
    }
    Some(bar)
}
