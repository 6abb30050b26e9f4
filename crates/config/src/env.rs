//! `RAMPART__SECTION__KEY=value` overrides applied onto the parsed TOML tree.
//!
//! Segments are separated by a double underscore and matched case-insensitively
//! against existing keys (so `RAMPART__TURNOVER__SYMBOLS__BTC-USD__MIN_CONFIDENCE`
//! reaches `[turnover.symbols."BTC-USD"]`). Values are read as TOML scalars or
//! arrays (`150`, `0.6`, `true`, `["BTC-USD"]`); anything else is a string.

use toml::{Table, Value};

use crate::error::ConfigError;

/// Prefix of configuration override variables.
pub(crate) const PREFIX: &str = "RAMPART__";

/// Applies every `RAMPART__` variable in `vars` to `root`.
pub(crate) fn apply_overrides<'a>(
    root: &mut Table,
    vars: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<Vec<String>, ConfigError> {
    let mut applied = Vec::new();
    for (name, raw) in vars {
        let Some(path) = name.strip_prefix(PREFIX) else {
            continue;
        };
        let segments: Vec<String> = path.split("__").map(str::to_ascii_lowercase).collect();
        if segments.iter().any(String::is_empty) {
            return Err(ConfigError::Env {
                var: name.to_string(),
                message: "expected RAMPART__SECTION__KEY with non-empty segments".into(),
            });
        }
        set_path(root, &segments, parse_value(raw)).map_err(|message| ConfigError::Env {
            var: name.to_string(),
            message,
        })?;
        applied.push(format!("{} = {}", segments.join("."), raw));
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

fn set_path(table: &mut Table, segments: &[String], value: Value) -> Result<(), String> {
    let Some((first, rest)) = segments.split_first() else {
        return Err("empty key".into());
    };
    let key = table
        .keys()
        .find(|k| k.eq_ignore_ascii_case(first))
        .cloned()
        .unwrap_or_else(|| first.clone());
    if rest.is_empty() {
        table.insert(key, value);
        return Ok(());
    }
    let entry = table
        .entry(key.clone())
        .or_insert_with(|| Value::Table(Table::new()));
    match entry {
        Value::Table(inner) => set_path(inner, rest, value),
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
