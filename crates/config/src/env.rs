//! `RAMPART__SECTION__KEY=value` overrides applied onto the parsed TOML tree.
//!
//! Segments are separated by a double underscore and matched case-insensitively
//! against existing keys (so `RAMPART__TURNOVER__SYMBOLS__BTC-USD__MIN_CONFIDENCE`
//! reaches `[turnover.symbols."BTC-USD"]`). Values are read as TOML scalars or
//! arrays (`150`, `0.6`, `true`, `["BTC-USD"]`); anything else is a string.
//!
//! A value that does not fit is the variable's fault, not the file's: errors name the
//! variable and the key it sets. Values of variables whose names suggest a secret
//! ([`is_secret_name`]) are never echoed, in errors or in the log.

use toml::{Table, Value};

use crate::error::ConfigError;

/// Prefix of configuration override variables.
pub(crate) const PREFIX: &str = "RAMPART__";

/// Words in a variable's name that mark its value as a secret.
const SECRET_WORDS: [&str; 5] = ["SECRET", "TOKEN", "PASSWORD", "PASSWD", "KEY"];

/// What stands in for the value of a secret-looking variable.
pub(crate) const NOT_SHOWN: &str = "a value that is not shown";

/// Whether `var`'s name suggests its value is a secret (so it is never echoed).
pub(crate) fn is_secret_name(var: &str) -> bool {
    let upper = var.to_ascii_uppercase();
    SECRET_WORDS.iter().any(|w| upper.contains(w))
}

/// One override applied: the variable, the dotted key it set, its raw value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Applied {
    /// The variable, `RAMPART__RISK__MAX_DAILY_LOSS_PCT`.
    pub var: String,
    /// The key it set, spelled as in the file when the file has it: `risk.max_daily_loss_pct`.
    pub key: String,
    /// The value as given.
    pub raw: String,
}

impl Applied {
    /// The value for a message: quoted, or [`NOT_SHOWN`] for a secret-looking variable.
    pub fn shown_value(&self) -> String {
        if is_secret_name(&self.var) {
            NOT_SHOWN.to_string()
        } else {
            format!("{:?}", self.raw)
        }
    }

    /// `key = value` for the log (the value hidden as in [`Applied::shown_value`]).
    pub fn notice(&self) -> String {
        if is_secret_name(&self.var) {
            format!("{} = (not shown)", self.key)
        } else {
            format!("{} = {}", self.key, self.raw)
        }
    }

    /// The error for a value that does not deserialise, from serde's `message`: what was
    /// expected and what was given, or serde's words with a secret value taken out.
    pub fn unreadable(&self, message: &str) -> ConfigError {
        let expected = ["invalid type: ", "invalid value: "]
            .iter()
            .any(|p| message.starts_with(p))
            .then(|| message.split_once(", expected "))
            .flatten()
            .map(|(_, what)| expected_in_words(what));
        let message = match expected {
            Some(what) => format!("expected {what}, got {}", self.shown_value()),
            None if is_secret_name(&self.var) && !self.raw.trim().is_empty() => {
                message.replace(self.raw.trim(), "[redacted]")
            }
            None => message.to_string(),
        };
        ConfigError::Env {
            var: self.var.clone(),
            key: Some(self.key.clone()),
            message,
        }
    }
}

/// serde's name of an expected type, as an operator would say it.
fn expected_in_words(what: &str) -> String {
    match what {
        w if w.contains("Decimal") => "a decimal number".into(),
        "u8" | "u16" | "u32" | "u64" | "u128" | "usize" => "a whole number, 0 or more".into(),
        "i8" | "i16" | "i32" | "i64" | "i128" | "isize" => "a whole number".into(),
        "f32" | "f64" => "a number".into(),
        "a boolean" => "true or false".into(),
        other => other.to_string(),
    }
}

/// Applies every `RAMPART__` variable in `vars` to `root`.
pub(crate) fn apply_overrides<'a>(
    root: &mut Table,
    vars: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<Vec<Applied>, ConfigError> {
    let mut applied = Vec::new();
    for (name, raw) in vars {
        let Some(path) = name.strip_prefix(PREFIX) else {
            continue;
        };
        let segments: Vec<String> = path.split("__").map(str::to_ascii_lowercase).collect();
        if segments.iter().any(String::is_empty) {
            return Err(ConfigError::Env {
                var: name.to_string(),
                key: None,
                message: "expected RAMPART__SECTION__KEY with non-empty segments".into(),
            });
        }
        let mut key = Vec::with_capacity(segments.len());
        set_path(root, &segments, parse_value(raw), &mut key).map_err(|message| {
            ConfigError::Env {
                var: name.to_string(),
                key: Some(segments.join(".")),
                message,
            }
        })?;
        applied.push(Applied {
            var: name.to_string(),
            key: key.join("."),
            raw: raw.to_string(),
        });
    }
    Ok(applied)
}

fn parse_value(raw: &str) -> Value {
    let doc = format!("v = {raw}");
    match doc.parse::<Table>() {
        Ok(mut t) => t
            .remove("v")
            .unwrap_or_else(|| Value::String(raw.to_string())),
        Err(_) => Value::String(raw.to_string()),
    }
}

/// Sets `value` at `segments`, pushing onto `path` each key as it is spelled in `table`.
fn set_path(
    table: &mut Table,
    segments: &[String],
    value: Value,
    path: &mut Vec<String>,
) -> Result<(), String> {
    let Some((first, rest)) = segments.split_first() else {
        return Err("empty key".into());
    };
    let key = table
        .keys()
        .find(|k| k.eq_ignore_ascii_case(first))
        .cloned()
        .unwrap_or_else(|| first.clone());
    path.push(key.clone());
    if rest.is_empty() {
        table.insert(key, value);
        return Ok(());
    }
    let entry = table
        .entry(key.clone())
        .or_insert_with(|| Value::Table(Table::new()));
    match entry {
        Value::Table(inner) => set_path(inner, rest, value, path),
        _ => Err(format!("`{key}` is a value, not a section")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_nested_keys_case_insensitively() {
        let mut root: Table = "[turnover.symbols.\"BTC-USD\"]\nmin_confidence = 0.75\n"
            .parse()
            .unwrap();
        apply_overrides(
            &mut root,
            [("RAMPART__TURNOVER__SYMBOLS__BTC-USD__MIN_CONFIDENCE", "0.8")],
        )
        .unwrap();
        let v = &root["turnover"]["symbols"]["BTC-USD"]["min_confidence"];
        assert_eq!(v.as_float(), Some(0.8));
    }

    #[test]
    fn reports_the_key_each_variable_set_as_the_file_spells_it() {
        let mut root: Table = "[turnover.symbols.\"BTC-USD\"]\nmin_confidence = 0.75\n"
            .parse()
            .unwrap();
        let applied = apply_overrides(
            &mut root,
            [
                ("RAMPART__TURNOVER__SYMBOLS__BTC-USD__MIN_CONFIDENCE", "0.8"),
                ("RAMPART__RISK__MAX_OPEN_POSITIONS", "2"),
            ],
        )
        .unwrap();
        let keys: Vec<&str> = applied.iter().map(|a| a.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "turnover.symbols.BTC-USD.min_confidence",
                "risk.max_open_positions"
            ]
        );
    }

    #[test]
    fn secret_looking_values_are_not_shown() {
        let applied = |var: &str, raw: &str| Applied {
            var: var.into(),
            key: "k".into(),
            raw: raw.into(),
        };
        for var in [
            "RAMPART__X__API_SECRET",
            "RAMPART__X__TOKEN_ENV",
            "RAMPART__DB__password",
            "RAMPART__X__KEY",
        ] {
            let a = applied(var, "hunter2");
            assert!(!a.notice().contains("hunter2"), "{var}");
            assert!(!a.shown_value().contains("hunter2"), "{var}");
            let e = a.unreadable("unknown variant `hunter2`, expected one of `a`, `b`");
            assert!(!format!("{e} {e:?}").contains("hunter2"), "{e}");
            let e = a.unreadable("invalid type: string \"hunter2\", expected u32");
            assert!(!format!("{e} {e:?}").contains("hunter2"), "{e}");
        }
        let a = applied("RAMPART__RISK__MAX_OPEN_POSITIONS", "three");
        assert_eq!(a.notice(), "k = three");
        let e = a.unreadable("invalid type: string \"three\", expected u32");
        assert_eq!(
            e.to_string(),
            "environment variable RAMPART__RISK__MAX_OPEN_POSITIONS (k): expected a whole number, 0 or more, got \"three\""
        );
    }

    #[test]
    fn values_are_typed_as_toml_and_fall_back_to_strings() {
        assert_eq!(parse_value("150").as_integer(), Some(150));
        assert_eq!(parse_value("true").as_bool(), Some(true));
        assert_eq!(parse_value("data/ks").as_str(), Some("data/ks"));
        assert!(parse_value("[\"BTC-USD\"]").is_array());
    }

    #[test]
    fn ignores_unrelated_variables_and_rejects_empty_segments() {
        let mut root = Table::new();
        let applied =
            apply_overrides(&mut root, [("RAMPART_KILL_SWITCH", "1"), ("PATH", "/bin")]).unwrap();
        assert!(applied.is_empty());
        let err = apply_overrides(&mut root, [("RAMPART__RISK____X", "1")]).unwrap_err();
        assert!(err.to_string().contains("RAMPART__RISK____X"), "{err}");
    }
}
