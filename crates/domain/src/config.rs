//! Configuration validation errors shared by every guardrail's config section.

use std::fmt;

use serde::Serialize;

/// One invalid configuration value: the key, what would be valid, and what was given.
///
/// Displays as `risk.max_daily_loss_pct must be in (0, 100], got 150`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConfigViolation {
    /// Dotted key, e.g. `risk.max_daily_loss_pct`.
    pub key: String,
    /// What would be valid, e.g. `in (0, 100]`.
    pub expected: String,
    /// The rejected value as text.
    pub got: String,
}

impl ConfigViolation {
    /// Builds a violation.
    pub fn new(
        key: impl Into<String>,
        expected: impl Into<String>,
        got: impl fmt::Display,
    ) -> Self {
        Self {
            key: key.into(),
            expected: expected.into(),
            got: got.to_string(),
        }
    }
}

impl fmt::Display for ConfigViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} must be {}, got {}",
            self.key, self.expected, self.got
        )
    }
}

/// Collects violations of one config section under a key prefix.
#[derive(Debug, Default)]
pub struct Violations {
    prefix: String,
    items: Vec<ConfigViolation>,
}

impl Violations {
    /// A collector whose keys start with `prefix` (e.g. `risk`).
    pub fn new(prefix: &str) -> Self {
        Self {
            prefix: prefix.to_string(),
            items: Vec::new(),
        }
    }

    /// Records a violation unless `ok` holds.
    pub fn check(&mut self, ok: bool, key: &str, expected: &str, got: impl fmt::Display) {
        if !ok {
            let full = if self.prefix.is_empty() {
                key.to_string()
            } else {
                format!("{}.{}", self.prefix, key)
            };
            self.items.push(ConfigViolation::new(full, expected, got));
        }
    }

    /// The collected violations.
    pub fn into_vec(self) -> Vec<ConfigViolation> {
        self.items
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn violation_reads_like_the_operator_expects() {
        let mut v = Violations::new("risk");
        v.check(false, "max_daily_loss_pct", "in (0, 100]", 150);
        v.check(true, "ignored", "x", 0);
        let items = v.into_vec();
        assert_eq!(items.len(), 1);
        assert_eq!(
            items[0].to_string(),
            "risk.max_daily_loss_pct must be in (0, 100], got 150"
        );
    }
}
