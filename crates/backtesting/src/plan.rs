//! From flags and configuration to a validated [`RunPlan`]: which files, which
//! range, which strategy, the engine's settings and the paper venue's, and the
//! run id. Every check happens here, before anything is written, and names the
//! flag at fault.

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use config::RampartConfig;
use domain::{InstrumentFilters, Money, Price, Qty, Symbol, Timestamp, TradingMode};
use engine::{EngineSettings, Guardrails, Sizing};
use paper::{FillPolicy, PaperConfig, Slippage};
use replay::{SymbolFile, TimeRange};
use rust_decimal::Decimal;
use serde::Serialize;
use strategies::StrategyParams;

use crate::cli::{FillArg, FiltersArg, GuardrailsArg, RunArgs, SizingArg};
use crate::data::DataSource;
use crate::error::BacktestError;

/// Largest commission or slippage accepted, in basis points (the paper venue's bound).
const MAX_BPS: Decimal = Decimal::ONE_THOUSAND;

/// Where a symbol's instrument filters come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FilterSource {
    /// The paper venue's exchange-like filters (`paper::default_filters`).
    Venue,
    /// Derived permissive filters: tick and step 1e-8, no minimum notional
    /// (asked for with `--filters permissive`, or the venue has none for the symbol).
    Permissive,
}

/// One symbol's filters and where they come from, as recorded in `result.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FilterChoice {
    /// Venue or derived.
    pub source: FilterSource,
    /// The filters enforced by the gate and the paper venue.
    pub filters: InstrumentFilters,
}

/// A validated backtest: everything needed to run it and to describe it in `result.json`.
#[derive(Debug, Clone)]
pub struct RunPlan {
    /// `<UTC start>-<symbols>-<strategy>`, unique within the storage root.
    pub run_id: String,
    /// Wall-clock time the run started (only used for the run id and the report).
    pub started_at: Timestamp,
    /// Where the candles come from.
    pub source: DataSource,
    /// The files, per symbol in the order given.
    pub files: Vec<SymbolFile>,
    /// The traded symbols.
    pub symbols: Vec<Symbol>,
    /// Candles kept: open time in `[from, to)`.
    pub range: TimeRange,
    /// The strategy and its validated parameters.
    pub strategy: StrategyParams,
    /// The engine's settings (guardrail sections from the config, flags applied).
    pub settings: EngineSettings,
    /// The paper venue's settings.
    pub paper: PaperConfig,
    /// Filters per symbol and their provenance.
    pub filters: BTreeMap<Symbol, FilterChoice>,
    /// Root of `storage/backtests/` and `reports/backtests/`.
    pub out_root: PathBuf,
    /// The guardrail configuration as loaded (before the flags' fee and capital overrides).
    pub config: RampartConfig,
    /// Where the configuration came from.
    pub config_origin: String,
    /// Things worth knowing about this run (config notices, symbols outside the allowlist).
    pub notes: Vec<String>,
}

impl RunPlan {
    /// Validates `args` against the data and the configuration; `started_at` is the
    /// wall-clock start (binaries read the wall clock, the library does not).
    pub fn from_args(args: &RunArgs, started_at: Timestamp) -> Result<Self, BacktestError> {
        let strategy = StrategyParams::from_pairs(&args.strategy, args.params.pairs()?)?;
        let range = parse_range(args.from.as_deref(), args.to.as_deref())?;
        let source = DataSource::from_flag(args.data.as_deref())?;
        let files = source.resolve(&args.symbols)?;
        let mut symbols: Vec<Symbol> = Vec::new();
        for f in &files {
            if !symbols.contains(&f.symbol) {
                symbols.push(f.symbol.clone());
            }
        }

        let loaded = config::load_from_process_env(args.config.as_deref(), TradingMode::Backtest)?;
        let cfg = loaded.config;
        let mut notes = loaded.notices;

        let capital = args.capital.unwrap_or(cfg.portfolio.initial_capital);
        if capital <= Decimal::ZERO {
            return Err(BacktestError::flag(
                "--capital",
                format!("must be > 0, got {capital}"),
            ));
        }
        let fee_bps = bps("--fee-bps", args.fee_bps.unwrap_or(cfg.risk.fee_bps))?;
        let slippage_bps = bps(
            "--slippage-bps",
            args.slippage_bps.unwrap_or(cfg.risk.slippage_bps),
        )?;
        let sizing = match args.sizing {
            SizingArg::AllIn => Sizing::AllIn,
            SizingArg::FixedQuote => Sizing::FixedQuote {
                amount: positive("--quote-amount", args.quote_amount)?,
            },
            SizingArg::RiskPct => {
                let pct = positive("--risk-pct", args.risk_pct)?;
                if pct > Decimal::ONE_HUNDRED {
                    return Err(BacktestError::flag(
                        "--risk-pct",
                        format!("must be in (0, 100], got {pct}"),
                    ));
                }
                Sizing::RiskPct { pct }
            }
        };

        let run_id = run_id(started_at, &symbols, strategy.kind().name());
        let mut settings = EngineSettings::new(TradingMode::Backtest, &run_id);
        settings.guardrails = match args.guardrails {
            GuardrailsArg::On => Guardrails::On,
            GuardrailsArg::Off => Guardrails::Off,
        };
        settings.sizing = sizing;
        settings.initial_capital = Money::new(capital);
        settings.day_boundary = cfg.portfolio.day_boundary();
        settings.tiers = cfg.tiers.thresholds();
        settings.risk = cfg.risk.clone();
        settings.risk.fee_bps = fee_bps;
        settings.risk.slippage_bps = slippage_bps;
        settings.preservation = cfg.capital_preservation.clone();
        settings.turnover = cfg.turnover.clone();
        settings.turnover.fee_bps = fee_bps;
        settings.turnover.slippage_bps = slippage_bps;
        settings.persist_state = false;

        let filters = choose_filters(&symbols, args.filters);
        let paper = PaperConfig {
            fill: match args.fill {
                FillArg::NextOpen => FillPolicy::NextOpen,
                FillArg::Close => FillPolicy::Close,
            },
            slippage: Slippage::Bps(slippage_bps),
            commission_bps: fee_bps,
            max_volume_fraction: None,
            filters: filters
                .iter()
                .map(|(s, c)| (s.clone(), c.filters.clone()))
                .collect(),
        };

        for (symbol, choice) in &filters {
            if choice.source == FilterSource::Permissive && args.filters == FiltersArg::Venue {
                notes.push(format!(
                    "the paper venue has no filters for {symbol}: using permissive ones (tick 1e-8, step 1e-8, min notional 0)"
                ));
            }
        }
        if settings.guardrails == Guardrails::On {
            for symbol in &symbols {
                if !settings.risk.symbol_allowlist.contains(symbol) {
                    notes.push(format!(
                        "{symbol} is not in risk.symbol_allowlist: the trade gate rejects its orders (symbol_not_allowed); add it with --config or RAMPART__RISK__SYMBOL_ALLOWLIST"
                    ));
                }
            }
        }

        Ok(Self {
            run_id,
            started_at,
            source,
            files,
            symbols,
            range,
            strategy,
            settings,
            paper,
            filters,
            out_root: args.out.clone().unwrap_or_else(|| PathBuf::from(".")),
            config: cfg,
            config_origin: loaded.origin,
            notes,
        })
    }

    /// `storage/backtests` under the output root.
    pub fn storage_dir(&self) -> PathBuf {
        self.out_root.join("storage").join("backtests")
    }

    /// `reports/backtests` under the output root.
    pub fn reports_dir(&self) -> PathBuf {
        self.out_root.join("reports").join("backtests")
    }
}

/// Parses `--from`/`--to` (a date or an RFC 3339 time, UTC) into `[from, to)`.
pub fn parse_range(from: Option<&str>, to: Option<&str>) -> Result<TimeRange, BacktestError> {
    let from_ts = from.map(|t| parse_time("--from", t)).transpose()?;
    let to_ts = to.map(|t| parse_time("--to", t)).transpose()?;
    TimeRange::new(from_ts, to_ts).map_err(|_| {
        BacktestError::Range(format!(
            "empty or inverted date range: --from {} must be before --to {} (--from is inclusive, --to exclusive)",
            from.unwrap_or_default(),
            to.unwrap_or_default()
        ))
    })
}

/// A UTC instant from `2024-01-03`, `2024-01-03T12:00:00Z`, `2024-01-03T12:00:00`
/// or `2024-01-03 12:00:00`.
pub fn parse_time(flag: &'static str, text: &str) -> Result<Timestamp, BacktestError> {
    let t = text.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Ok(dt.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M"] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(t, format) {
            return Ok(naive.and_utc());
        }
    }
    if let Ok(date) = NaiveDate::parse_from_str(t, "%Y-%m-%d")
        && let Some(naive) = date.and_hms_opt(0, 0, 0)
    {
        return Ok(naive.and_utc());
    }
    Err(BacktestError::flag(
        flag,
        format!("{text:?} is not a time; use 2024-01-03 or 2024-01-03T12:00:00Z (UTC)"),
    ))
}

/// `<YYYYMMDDTHHMMSSZ>-<SYM>[_<SYM>...]-<strategy>`.
pub fn run_id(started_at: Timestamp, symbols: &[Symbol], strategy: &str) -> String {
    let symbols: Vec<&str> = symbols.iter().map(Symbol::as_str).collect();
    format!(
        "{}-{}-{}",
        started_at.format("%Y%m%dT%H%M%SZ"),
        symbols.join("_"),
        strategy
    )
}

/// Permissive filters: any positive price and quantity to 1e-8, no minimum notional.
pub fn permissive_filters() -> InstrumentFilters {
    let tiny = Decimal::new(1, 8);
    let build = || {
        InstrumentFilters::new(
            Price::new(tiny).ok()?,
            Qty::new(tiny).ok()?,
            Qty::new(tiny).ok()?,
            Qty::new(Decimal::from(1_000_000_000_000_u64)).ok()?,
            Money::ZERO,
            None,
        )
        .ok()
    };
    build().expect("constant permissive filters are valid")
}

fn choose_filters(symbols: &[Symbol], wanted: FiltersArg) -> BTreeMap<Symbol, FilterChoice> {
    let venue = paper::default_filters();
    symbols
        .iter()
        .map(|s| {
            let choice = match (wanted, venue.get(s)) {
                (FiltersArg::Venue, Some(f)) => FilterChoice {
                    source: FilterSource::Venue,
                    filters: f.clone(),
                },
                _ => FilterChoice {
                    source: FilterSource::Permissive,
                    filters: permissive_filters(),
                },
            };
            (s.clone(), choice)
        })
        .collect()
}

fn bps(flag: &'static str, value: Decimal) -> Result<Decimal, BacktestError> {
    if value < Decimal::ZERO || value > MAX_BPS {
        return Err(BacktestError::flag(
            flag,
            format!("must be in [0, 1000] basis points, got {value}"),
        ));
    }
    Ok(value)
}

fn positive(flag: &'static str, value: Decimal) -> Result<Decimal, BacktestError> {
    if value <= Decimal::ZERO {
        return Err(BacktestError::flag(
            flag,
            format!("must be > 0, got {value}"),
        ));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::Cli;
    use chrono::TimeZone;
    use clap::Parser;

    fn args(extra: &[&str]) -> RunArgs {
        Cli::try_parse_from(["backtest"].iter().chain(extra.iter()).copied())
            .unwrap()
            .run
    }

    fn start() -> Timestamp {
        Utc.with_ymd_and_hms(2025, 3, 4, 5, 6, 7).unwrap()
    }

    #[test]
    fn defaults_come_from_the_config_and_the_bundled_data() {
        let plan = RunPlan::from_args(&args(&["--symbol", "BTC-USD"]), start()).unwrap();
        assert_eq!(plan.run_id, "20250304T050607Z-BTC-USD-sma_cross");
        assert_eq!(
            plan.settings.initial_capital,
            Money::new(Decimal::from(10_000))
        );
        assert_eq!(plan.settings.risk.fee_bps, Decimal::TEN);
        assert_eq!(plan.settings.turnover.slippage_bps, Decimal::from(5));
        assert_eq!(plan.paper.slippage, Slippage::Bps(Decimal::from(5)));
        assert_eq!(plan.settings.sizing, Sizing::RiskPct { pct: Decimal::ONE });
        assert_eq!(plan.settings.guardrails, Guardrails::On);
        assert_eq!(plan.filters[&plan.symbols[0]].source, FilterSource::Venue);
        assert!(plan.notes.is_empty(), "{:?}", plan.notes);
    }

    #[test]
    fn flags_override_fees_capital_and_sizing() {
        let plan = RunPlan::from_args(
            &args(&[
                "--symbol",
                "ETH-USD",
                "--capital",
                "500",
                "--fee-bps",
                "4",
                "--slippage-bps",
                "0",
                "--sizing",
                "all-in",
                "--guardrails",
                "off",
                "--filters",
                "permissive",
                "--fill",
                "close",
            ]),
            start(),
        )
        .unwrap();
        assert_eq!(
            plan.settings.initial_capital,
            Money::new(Decimal::from(500))
        );
        assert_eq!(plan.settings.risk.fee_bps, Decimal::from(4));
        assert_eq!(plan.settings.turnover.fee_bps, Decimal::from(4));
        assert_eq!(plan.paper.commission_bps, Decimal::from(4));
        assert_eq!(plan.settings.sizing, Sizing::AllIn);
        assert_eq!(plan.settings.guardrails, Guardrails::Off);
        assert_eq!(plan.paper.fill, FillPolicy::Close);
        assert_eq!(
            plan.filters[&plan.symbols[0]].source,
            FilterSource::Permissive
        );
    }

    #[test]
    fn bad_values_name_their_flag() {
        for (flags, flag) in [
            (&["--symbol", "BTC-USD", "--capital", "0"][..], "--capital"),
            (&["--symbol", "BTC-USD", "--fee-bps", "-1"][..], "--fee-bps"),
            (
                &["--symbol", "BTC-USD", "--risk-pct", "150"][..],
                "--risk-pct",
            ),
            (
                &["--symbol", "BTC-USD", "--from", "yesterday"][..],
                "--from",
            ),
        ] {
            let err = RunPlan::from_args(&args(flags), start()).unwrap_err();
            assert!(err.to_string().starts_with(flag), "{err}");
            assert_eq!(err.exit_code(), 2);
        }
    }

    #[test]
    fn unknown_strategy_lists_the_valid_ones() {
        let err = RunPlan::from_args(
            &args(&["--symbol", "BTC-USD", "--strategy", "magic"]),
            start(),
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("sma_cross, rsi_reversion, breakout"),
            "{text}"
        );
        assert_eq!(err.exit_code(), 2);
    }

    #[test]
    fn an_inverted_range_is_refused() {
        let err = parse_range(Some("2024-01-05"), Some("2024-01-03")).unwrap_err();
        assert!(err.to_string().contains("inverted"), "{err}");
        assert_eq!(err.exit_code(), 2);
        assert!(parse_range(Some("2024-01-05"), Some("2024-01-05")).is_err());
    }

    #[test]
    fn times_parse_as_utc_dates_or_instants() {
        let t = |s| parse_time("--from", s).unwrap();
        let midnight = Utc.with_ymd_and_hms(2024, 1, 3, 0, 0, 0).unwrap();
        assert_eq!(t("2024-01-03"), midnight);
        assert_eq!(t("2024-01-03T00:00:00Z"), midnight);
        assert_eq!(t("2024-01-03 00:00:00"), midnight);
        assert_eq!(t("2024-01-03T01:00:00+01:00"), midnight);
    }
}
