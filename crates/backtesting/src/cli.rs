//! The command line of `backtest`: a run (the default command), `bench` and `gen-data`.
//!
//! Only parsing lives here; [`crate::plan`] turns [`RunArgs`] into a validated
//! [`crate::RunPlan`], so every check names its flag and says what is valid.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use rust_decimal::Decimal;

/// `backtest`: replay candles through Rampart's full pipeline and write the run's artifacts.
#[derive(Debug, Parser)]
#[command(
    name = "backtest",
    version,
    about = "Backtest a strategy through Rampart's guarded pipeline on candle files",
    long_about = "Backtest a strategy through Rampart's guarded pipeline (strategy, turnover \
governor, trade gate, capital preservation, paper fills) on candle files; with no --data, on \
the bundled 30 days of synthetic minutes (embedded in the binary). Writes storage/backtests/<run_id>/{result.json, \
trades.csv, equity.csv, audit.jsonl, equity.png} and reports/backtests/latest.json.\n\n\
Exit codes: 0 ok, 2 bad input (flags, symbol, strategy, range, corrupt CSV), 1 other failures.",
    args_conflicts_with_subcommands = true,
    allow_negative_numbers = true
)]
pub struct Cli {
    /// A subcommand; without one, a backtest runs with the flags below.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Flags of a backtest run.
    #[command(flatten)]
    pub run: RunArgs,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Measure the pipeline's throughput on synthetic bars and print one JSON line.
    Bench(BenchArgs),
    /// Regenerate the bundled demo data files (fixtures/BTC-USD_1m.csv.gz, ETH-USD_1m.csv.gz);
    /// rebuild to embed them.
    GenData(GenDataArgs),
    /// Download closed candles from an exchange into a CSV file (needs the internet).
    Fetch(crate::fetch::FetchArgs),
}

/// Which price market orders fill at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FillArg {
    /// The open of the next bar (no look-ahead).
    NextOpen,
    /// The close of the signal bar.
    Close,
}

/// How entries are sized.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SizingArg {
    /// All available cash.
    AllIn,
    /// A fixed amount of quote currency (`--quote-amount`).
    FixedQuote,
    /// Risk a percentage of equity between entry and stop (`--risk-pct`).
    RiskPct,
}

/// Guardrails on (the real pipeline) or off (the raw strategy).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GuardrailsArg {
    /// Turnover governor, capital preservation and every trade-gate check.
    On,
    /// Only exchange filters and the kill switch: the raw strategy, to compare with other backtesters.
    Off,
}

/// Which instrument filters the paper venue and the gate enforce.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FiltersArg {
    /// The paper venue's exchange-like filters (BTC-USD, ETH-USD); permissive ones for other symbols.
    Venue,
    /// Permissive filters for every symbol (tick and step 1e-8, no minimum notional).
    Permissive,
}

/// Flags of a backtest run.
#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    /// Symbol to trade, e.g. BTC-USD (repeatable).
    #[arg(long = "symbol", value_name = "SYMBOL")]
    pub symbols: Vec<String>,
    /// Candle data: a CSV file (plain or .gz, one symbol) or a directory of `<SYMBOL>*.csv[.gz]`
    /// files [default: the bundled demo data, embedded in the binary].
    #[arg(long, value_name = "FILE|DIR")]
    pub data: Option<PathBuf>,
    /// First bar to keep (its open time), inclusive: 2024-01-03 or 2024-01-03T12:00:00Z.
    #[arg(long, value_name = "TIME")]
    pub from: Option<String>,
    /// End of the range (bar open time), exclusive: 2024-01-05 or 2024-01-05T00:00:00Z.
    #[arg(long, value_name = "TIME")]
    pub to: Option<String>,
    /// Starting cash in quote currency [default: portfolio.initial_capital of the config, 10000].
    #[arg(long, value_name = "AMOUNT")]
    pub capital: Option<Decimal>,
    /// Strategy name (sma_cross, rsi_reversion, breakout).
    #[arg(long, default_value = "sma_cross", value_name = "NAME")]
    pub strategy: String,
    /// Strategy parameters (see docs/strategies.md).
    #[command(flatten)]
    pub params: StrategyArgs,
    /// Commission per fill in basis points [default: risk.fee_bps of the config, 10].
    #[arg(long, value_name = "BPS")]
    pub fee_bps: Option<Decimal>,
    /// Slippage per fill in basis points [default: risk.slippage_bps of the config, 5].
    #[arg(long, value_name = "BPS")]
    pub slippage_bps: Option<Decimal>,
    /// At which price market orders fill.
    #[arg(long, value_enum, default_value = "next-open")]
    pub fill: FillArg,
    /// How entries are sized.
    #[arg(long, value_enum, default_value = "risk-pct")]
    pub sizing: SizingArg,
    /// Percent of equity at risk per entry, for `--sizing risk-pct`.
    #[arg(long, default_value = "1", value_name = "PCT")]
    pub risk_pct: Decimal,
    /// Quote currency per entry, for `--sizing fixed-quote`.
    #[arg(long, default_value = "1000", value_name = "AMOUNT")]
    pub quote_amount: Decimal,
    /// Guardrails on (the real pipeline) or off (the raw strategy, for comparisons with other backtesters).
    #[arg(long, value_enum, default_value = "on")]
    pub guardrails: GuardrailsArg,
    /// Instrument filters: the venue's (exchange-like) or permissive ones (fractional quantities to 1e-8).
    #[arg(long, value_enum, default_value = "venue")]
    pub filters: FiltersArg,
    /// Guardrail configuration file [default: the embedded config/default.toml]; RAMPART__* variables apply.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Root directory for storage/backtests/<run_id>/ and reports/backtests/latest.json [default: .].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Print result.json on stdout instead of the summary table.
    #[arg(long)]
    pub json: bool,
}

/// Strategy parameters as flags; only those given are passed to the strategy registry,
/// which refuses a parameter the chosen strategy does not take (listing the valid ones).
#[derive(Debug, Clone, Default, Args)]
pub struct StrategyArgs {
    /// sma_cross: bars in the fast SMA.
    #[arg(long, value_name = "N")]
    pub fast: Option<String>,
    /// sma_cross: bars in the slow SMA.
    #[arg(long, value_name = "N")]
    pub slow: Option<String>,
    /// sma_cross: stop distance on entries, percent of the close.
    #[arg(long, value_name = "PCT")]
    pub stop_pct: Option<String>,
    /// rsi_reversion: RSI period.
    #[arg(long, value_name = "N")]
    pub period: Option<String>,
    /// rsi_reversion: RSI below this buys.
    #[arg(long, value_name = "RSI")]
    pub oversold: Option<String>,
    /// rsi_reversion: RSI above this exits.
    #[arg(long, value_name = "RSI")]
    pub overbought: Option<String>,
    /// rsi_reversion: Bollinger window.
    #[arg(long, value_name = "N")]
    pub bollinger_period: Option<String>,
    /// rsi_reversion: Bollinger width in standard deviations.
    #[arg(long, value_name = "K")]
    pub bollinger_k: Option<String>,
    /// rsi_reversion, breakout: ATR period.
    #[arg(long, value_name = "N")]
    pub atr_period: Option<String>,
    /// rsi_reversion, breakout: stop distance in ATRs.
    #[arg(long, value_name = "K")]
    pub stop_atr_mult: Option<String>,
    /// breakout: bars in the entry channel.
    #[arg(long, value_name = "N")]
    pub entry_period: Option<String>,
    /// breakout: bars in the exit channel.
    #[arg(long, value_name = "N")]
    pub exit_period: Option<String>,
    /// breakout: bars in the average volume.
    #[arg(long, value_name = "N")]
    pub volume_period: Option<String>,
    /// Any strategy: allow short entries (true or false).
    #[arg(long, value_name = "BOOL")]
    pub allow_short: Option<String>,
    /// Any other parameter as KEY=VALUE (repeatable).
    #[arg(long = "param", value_name = "KEY=VALUE")]
    pub extra: Vec<String>,
}

impl StrategyArgs {
    /// The parameters given, as `(name, value)` pairs for `strategies::StrategyParams::from_pairs`.
    pub fn pairs(&self) -> Result<Vec<(String, String)>, crate::BacktestError> {
        let named = [
            ("fast", &self.fast),
            ("slow", &self.slow),
            ("stop_pct", &self.stop_pct),
            ("period", &self.period),
            ("oversold", &self.oversold),
            ("overbought", &self.overbought),
            ("bollinger_period", &self.bollinger_period),
            ("bollinger_k", &self.bollinger_k),
            ("atr_period", &self.atr_period),
            ("stop_atr_mult", &self.stop_atr_mult),
            ("entry_period", &self.entry_period),
            ("exit_period", &self.exit_period),
            ("volume_period", &self.volume_period),
            ("allow_short", &self.allow_short),
        ];
        let mut pairs: Vec<(String, String)> = named
            .into_iter()
            .filter_map(|(k, v)| v.as_ref().map(|v| (k.to_string(), v.clone())))
            .collect();
        for kv in &self.extra {
            let (k, v) = kv.split_once('=').ok_or_else(|| {
                crate::BacktestError::flag("--param", format!("expected KEY=VALUE, got {kv:?}"))
            })?;
            pairs.push((k.trim().to_string(), v.trim().to_string()));
        }
        Ok(pairs)
    }
}

/// Flags of `backtest bench`.
#[derive(Debug, Clone, Args)]
pub struct BenchArgs {
    /// Synthetic bars per symbol.
    #[arg(long, default_value_t = 1_000_000, value_name = "N")]
    pub bars: u64,
    /// Number of symbols (BTC-USD, ETH-USD, then synthetic ones).
    #[arg(long, default_value_t = 1, value_name = "K")]
    pub symbols: u32,
    /// Strategy name.
    #[arg(long, default_value = "sma_cross", value_name = "NAME")]
    pub strategy: String,
    /// Seed of the synthetic market.
    #[arg(long, default_value_t = 7, value_name = "SEED")]
    pub seed: u64,
    /// Hash-chain the audit trail of the in-memory store (SHA-256 over each event's
    /// canonical JSON, as SQLite and PostgreSQL do) instead of the unchained store of a
    /// run that persists nothing.
    #[arg(long)]
    pub audit_chain: bool,
}

/// Flags of `backtest gen-data`.
#[derive(Debug, Clone, Args)]
pub struct GenDataArgs {
    /// Directory to write the demo files into [default: the source tree's fixtures/, where
    /// the binary was built].
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Cli {
        Cli::try_parse_from(std::iter::once("backtest").chain(args.iter().copied())).unwrap()
    }

    #[test]
    fn a_bare_symbol_is_a_run_with_the_defaults() {
        let cli = parse(&["--symbol", "BTC-USD"]);
        assert!(cli.command.is_none());
        assert_eq!(cli.run.symbols, ["BTC-USD"]);
        assert_eq!(cli.run.strategy, "sma_cross");
        assert_eq!(cli.run.fill, FillArg::NextOpen);
        assert_eq!(cli.run.sizing, SizingArg::RiskPct);
        assert_eq!(cli.run.guardrails, GuardrailsArg::On);
    }

    #[test]
    fn symbols_repeat_and_strategy_params_become_pairs() {
        let cli = parse(&[
            "--symbol",
            "BTC-USD",
            "--symbol",
            "ETH-USD",
            "--fast",
            "5",
            "--slow",
            "20",
            "--param",
            "stop_pct=3",
        ]);
        assert_eq!(cli.run.symbols.len(), 2);
        let pairs = cli.run.params.pairs().unwrap();
        assert_eq!(
            pairs,
            [
                ("fast".to_string(), "5".to_string()),
                ("slow".to_string(), "20".to_string()),
                ("stop_pct".to_string(), "3".to_string())
            ]
        );
    }

    #[test]
    fn subcommands_parse() {
        let cli = parse(&["bench", "--bars", "1000", "--symbols", "2"]);
        match cli.command {
            Some(Command::Bench(b)) => {
                assert_eq!(b.bars, 1000);
                assert_eq!(b.symbols, 2);
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            parse(&["gen-data"]).command,
            Some(Command::GenData(_))
        ));
    }

    #[test]
    fn a_malformed_param_names_the_flag() {
        let cli = parse(&["--param", "fast"]);
        let err = cli.run.params.pairs().unwrap_err();
        assert!(err.to_string().starts_with("--param:"), "{err}");
    }
}
