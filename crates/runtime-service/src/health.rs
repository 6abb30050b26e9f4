//! `health-check`: the readiness verdict from the store (or from a running
//! runtime's `/health/readiness`), as text, JSON or only an exit code.
//!
//! Exit codes: 0 GO, 1 CONDITIONAL, 2 NO_GO (of `live_rollout_readiness`), 3 when
//! it could not evaluate (the error on stderr). It never creates or changes a
//! store: a missing SQLite file is "could not evaluate".

use std::path::PathBuf;
use std::time::Duration;

use domain::{Clock, SystemClock, TradingMode};
use readiness::{EXIT_COULD_NOT_EVALUATE, ReadinessDocument};

use crate::engine_time::engine_now;
use crate::gather;
use crate::session::{kill_file, kill_switch_inputs};

/// How `health-check` was asked.
#[derive(Debug, Clone)]
pub struct HealthOptions {
    /// Ask a running runtime (`http://127.0.0.1:8000`) instead of the store.
    pub url: Option<String>,
    /// The runtime's data directory (SQLite store, kill-switch file).
    pub data_dir: PathBuf,
    /// Store URL (PostgreSQL or `sqlite:PATH`).
    pub database_url: Option<String>,
    /// Configuration file (default: embedded).
    pub config: Option<PathBuf>,
    /// Mode to judge; the runtime's last heartbeat's mode (else dry-run) when absent.
    pub mode: Option<TradingMode>,
}

/// What to print.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// Human report.
    Text,
    /// The `/health/readiness` JSON.
    Json,
    /// Nothing; only the exit code.
    Quiet,
}

/// Runs the check: (exit code, stdout text, stderr text).
pub async fn run(opts: &HealthOptions, output: Output) -> (i32, String, String) {
    match evaluate(opts).await {
        Ok((doc, risk_book)) => {
            let code = readiness::exit_code(doc.live_rollout_readiness);
            let text = match output {
                Output::Quiet => String::new(),
                Output::Json => format!(
                    "{}\n",
                    serde_json::to_string_pretty(&doc).unwrap_or_default()
                ),
                Output::Text => {
                    let mut text = doc.to_string();
                    if let Some(book) = &risk_book {
                        text.push_str(&crate::report::render_risk_book(book));
                    }
                    text
                }
            };
            (code, text, String::new())
        }
        Err(e) => (
            EXIT_COULD_NOT_EVALUATE,
            String::new(),
            format!("health-check: could not evaluate readiness: {e}\n"),
        ),
    }
}

/// The readiness document, and the latest risk book when read from the store.
async fn evaluate(
    opts: &HealthOptions,
) -> Result<(ReadinessDocument, Option<domain::account::RiskBook>), String> {
    if let Some(url) = &opts.url {
        return from_url(url).await.map(|doc| (doc, None));
    }
    if opts.database_url.is_none() {
        let db = opts.data_dir.join("rampart.db");
        if !db.exists() {
            return Err(format!(
                "no store at {} (run the runtime first, or pass --data-dir / --database-url / --url)",
                db.display()
            ));
        }
    }
    let mode0 = opts.mode.unwrap_or(TradingMode::DryRun);
    let cfg = config::load_from_process_env(opts.config.as_deref(), mode0)
        .map_err(|e| e.to_string())?
        .config;
    let store = crate::session::open_store(opts.database_url.as_deref(), &opts.data_dir)
        .await
        .map_err(|e| e.to_string())?;
    // A verdict read from a store that cannot be read whole is no verdict (exit 3).
    store.check_integrity().await.map_err(|e| e.to_string())?;
    let mode = match opts.mode {
        Some(m) => m,
        None => store
            .last_heartbeat(gather::INSTANCE)
            .await
            .map_err(|e| e.to_string())?
            .and_then(|h| serde_json::from_value(h.detail["mode"].clone()).ok())
            .filter(|m| *m != TradingMode::Backtest)
            .unwrap_or(TradingMode::DryRun),
    };
    let kill = kill_switch_inputs(&kill_file(&cfg, &opts.data_dir), &cfg.kill_switch.env_var);
    // Windows end at the account's clock: a replay's readiness judges the replay.
    let now = engine_now(store.as_ref(), SystemClock.now())
        .await
        .map_err(|e| e.to_string())?;
    let (report, risk_book) =
        gather::evaluate_with_risk_book(store.as_ref(), &cfg, mode, now, &kill)
            .await
            .map_err(|e| e.to_string())?;
    Ok((report.to_document(), risk_book))
}

async fn from_url(url: &str) -> Result<ReadinessDocument, String> {
    let endpoint = format!("{}/health/readiness", url.trim_end_matches('/'));
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .map_err(|e| e.to_string())?;
    let response = client
        .get(&endpoint)
        .send()
        .await
        .map_err(|e| format!("GET {endpoint}: {e}"))?;
    let status = response.status();
    let body = response
        .text()
        .await
        .map_err(|e| format!("GET {endpoint}: {e}"))?;
    serde_json::from_str::<ReadinessDocument>(&body).map_err(|e| {
        format!("GET {endpoint}: HTTP {status}, not a readiness report ({e}): {body:.200}")
    })
}
