//! Loading: defaults, file, environment, paper overrides, validation.

use std::collections::BTreeMap;
use std::path::Path;

use domain::TradingMode;
use rust_decimal::Decimal;
use toml::Table;

use crate::env::{Applied, NOT_SHOWN, apply_overrides, is_secret_name};
use crate::error::{ConfigError, override_of};
use crate::settings::RampartConfig;

/// The shipped `config/default.toml`, embedded so the binaries work from any directory.
pub const EMBEDDED_DEFAULT: &str = include_str!("../../../config/default.toml");

const EMBEDDED_ORIGIN: &str = "embedded config/default.toml";
const PAPER_MIN_RATIO: &str = "PAPER_LIVE_TURNOVER_MIN_RATIO";
const PAPER_MAX_DAILY: &str = "PAPER_LIVE_TURNOVER_MAX_DAILY";

/// A validated configuration and what was applied to produce it.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The validated configuration.
    pub config: RampartConfig,
    /// Where it came from (a path or the embedded default).
    pub origin: String,
    /// Things the operator should see in the log (overrides applied or ignored).
    pub notices: Vec<String>,
}

/// Loads the configuration reading overrides from the process environment.
pub fn load_from_process_env(
    path: Option<&Path>,
    mode: TradingMode,
) -> Result<Loaded, ConfigError> {
    let vars: Vec<(String, String)> = std::env::vars().collect();
    load(
        path,
        vars.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        mode,
    )
}

/// Loads `path` (or the embedded default), applies environment overrides from `vars`
/// and the paper-mode turnover overrides, and validates the result.
pub fn load<'a>(
    path: Option<&Path>,
    vars: impl IntoIterator<Item = (&'a str, &'a str)>,
    mode: TradingMode,
) -> Result<Loaded, ConfigError> {
    let (text, origin) = match path {
        Some(p) => (
            std::fs::read_to_string(p).map_err(|source| ConfigError::Read {
                path: p.to_path_buf(),
                source,
            })?,
            p.display().to_string(),
        ),
        None => (EMBEDDED_DEFAULT.to_string(), EMBEDDED_ORIGIN.to_string()),
    };

    // Parse the file on its own first, so schema errors carry its line numbers.
    let parse_err = |e: toml::de::Error| ConfigError::Parse {
        origin: origin.clone(),
        line: e.span().map_or(0, |s| line_of(&text, s.start)),
        message: e.message().trim().to_string(),
    };
    let mut config: RampartConfig = toml::from_str(&text).map_err(parse_err)?;
    let file_table: Table = text.parse().map_err(parse_err)?;

    let vars: Vec<(&str, &str)> = vars.into_iter().collect();
    let mut notices = Vec::new();
    let mut table = file_table.clone();
    let applied = apply_overrides(&mut table, vars.iter().copied())?;
    if !applied.is_empty() {
        config = match toml::Value::Table(table).try_into() {
            Ok(c) => c,
            Err(e) => return Err(blame_override(&file_table, &applied, &e)),
        };
        let listed: Vec<String> = applied.iter().map(Applied::notice).collect();
        notices.push(format!(
            "configuration overrides from the environment: {}",
            listed.join(", ")
        ));
    }

    let min_ratio = paper_var(&vars, PAPER_MIN_RATIO, |s| s.parse::<Decimal>().ok())?;
    let max_daily = paper_var(&vars, PAPER_MAX_DAILY, |s| s.parse::<u32>().ok())?;
    let (turnover, paper_notices) = config
        .turnover
        .with_paper_overrides(mode, min_ratio, max_daily);
    config.turnover = turnover;
    notices.extend(paper_notices);

    let mut violations = config.validate();
    if !violations.is_empty() {
        let overrides: BTreeMap<String, String> = applied
            .iter()
            .map(|a| (a.key.to_ascii_lowercase(), a.var.clone()))
            .collect();
        for v in &mut violations {
            if override_of(&overrides, &v.key).is_some_and(|var| is_secret_name(var)) {
                v.got = NOT_SHOWN.to_string();
            }
        }
        return Err(ConfigError::Invalid {
            origin,
            violations,
            overrides,
        });
    }
    Ok(Loaded {
        config,
        origin,
        notices,
    })
}

/// Finds which single override makes the configuration unreadable, to name it and its key
/// (the file alone parsed, so the fault is the environment's).
fn blame_override(file_table: &Table, applied: &[Applied], all: &toml::de::Error) -> ConfigError {
    for a in applied {
        let mut t = file_table.clone();
        if apply_overrides(&mut t, [(a.var.as_str(), a.raw.as_str())]).is_ok()
            && let Err(e) = toml::Value::Table(t).try_into::<RampartConfig>()
        {
            return a.unreadable(e.message().trim());
        }
    }
    // Only together do they fail: serde's words, with every secret-looking value taken out.
    let mut message = all.message().trim().to_string();
    for a in applied.iter().filter(|a| is_secret_name(&a.var)) {
        if !a.raw.trim().is_empty() {
            message = message.replace(a.raw.trim(), "[redacted]");
        }
    }
    ConfigError::Env {
        var: "RAMPART__*".to_string(),
        key: None,
        message,
    }
}

fn paper_var<T>(
    vars: &[(&str, &str)],
    name: &str,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<Option<T>, ConfigError> {
    match vars.iter().find(|(k, _)| *k == name) {
        None => Ok(None),
        Some((_, raw)) => parse(raw.trim()).map(Some).ok_or_else(|| ConfigError::Env {
            var: name.to_string(),
            key: None,
            message: format!("expected a non-negative number, got {raw:?}"),
        }),
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset).map_or(0, |s| s.matches('\n').count()) + 1
}
