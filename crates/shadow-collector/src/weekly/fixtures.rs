//! Hand-built shadow records for the weekly report's and the gates' tests.

use std::collections::BTreeMap;

use chrono::{Duration, TimeZone, Utc};
use domain::shadow::{ActualOutcome, CounterfactualPnl, Regime, ShadowDecision, ShadowResolution};
use domain::signal::{Confidence, StrategyId, Tier};
use domain::{Money, Price, Ratio, ShadowRecord, Side, Symbol, Timestamp};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use super::{DEFAULT_PRIMARY_ADVISOR, ReportWeek, WeeklyEvidence, WeeklyInput, weekly_evidence};

/// The primary advisor of the tests.
pub(crate) const PRIMARY: &str = DEFAULT_PRIMARY_ADVISOR;

/// `y-m-d h:00:00Z`.
pub(crate) fn at(y: i32, m: u32, d: u32, h: u32) -> Timestamp {
    Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
}

/// A taken counterfactual with `net = gross - fees - slippage - spread`.
pub(crate) fn pnl(
    notional: Decimal,
    gross: Decimal,
    fees: Decimal,
    slippage: Decimal,
    spread: Decimal,
) -> CounterfactualPnl {
    CounterfactualPnl {
        notional: Money::new(notional),
        gross: Money::new(gross),
        fees: Money::new(fees),
        slippage: Money::new(slippage),
        spread: Money::new(spread),
        net: Money::new(gross - fees - slippage - spread),
    }
}

/// A taken 1000-notional counterfactual with no costs and the given net.
pub(crate) fn net(net: Decimal) -> CounterfactualPnl {
    pnl(dec!(1000), net, dec!(0), dec!(0), dec!(0))
}

/// Skipped.
pub(crate) fn skip() -> CounterfactualPnl {
    CounterfactualPnl::default()
}

/// What a test record looks like; `build` turns it into a `ShadowRecord`.
#[derive(Clone)]
pub(crate) struct Spec {
    pub at: Timestamp,
    pub symbol: &'static str,
    pub confidence: Decimal,
    pub regime: Regime,
    pub outcome: ActualOutcome,
    pub notional: Decimal,
    pub forward_return: Decimal,
    pub cost: Decimal,
    pub actual: CounterfactualPnl,
    /// `None`: the primary advisor has no entry.
    pub advisor: Option<CounterfactualPnl>,
    pub others: Vec<(&'static str, CounterfactualPnl)>,
    pub resolved: bool,
}

impl Spec {
    /// A resolved, blocked BTC-USD decision at `at`, both sides skipping.
    pub(crate) fn new(at: Timestamp) -> Self {
        Self {
            at,
            symbol: "BTC-USD",
            confidence: dec!(0.6),
            regime: Regime::Bull,
            outcome: ActualOutcome::Blocked,
            notional: dec!(1000),
            forward_return: dec!(0),
            cost: dec!(0),
            actual: skip(),
            advisor: Some(skip()),
            others: Vec::new(),
            resolved: true,
        }
    }

    pub(crate) fn symbol(mut self, s: &'static str) -> Self {
        self.symbol = s;
        self
    }
    pub(crate) fn confidence(mut self, c: Decimal) -> Self {
        self.confidence = c;
        self
    }
    pub(crate) fn regime(mut self, r: Regime) -> Self {
        self.regime = r;
        self
    }
    pub(crate) fn outcome(mut self, o: ActualOutcome) -> Self {
        self.outcome = o;
        self
    }
    pub(crate) fn returns(mut self, forward_return: Decimal, cost: Decimal) -> Self {
        self.forward_return = forward_return;
        self.cost = cost;
        self
    }
    pub(crate) fn actual(mut self, p: CounterfactualPnl) -> Self {
        self.actual = p;
        self
    }
    pub(crate) fn advisor(mut self, p: CounterfactualPnl) -> Self {
        self.advisor = Some(p);
        self
    }
    pub(crate) fn without_primary(mut self) -> Self {
        self.advisor = None;
        self
    }
    pub(crate) fn other(mut self, name: &'static str, p: CounterfactualPnl) -> Self {
        self.others.push((name, p));
        self
    }
    pub(crate) fn pending(mut self) -> Self {
        self.resolved = false;
        self
    }

    pub(crate) fn build(self) -> ShadowRecord {
        let symbol = Symbol::new(self.symbol).unwrap();
        let id = format!("{}:trend:{}", self.symbol, self.at.timestamp_micros());
        let horizon_end = self.at + Duration::hours(4);
        let mut advisors = BTreeMap::new();
        if let Some(p) = self.advisor {
            advisors.insert(PRIMARY.to_string(), p);
        }
        for (name, p) in self.others {
            advisors.insert(name.to_string(), p);
        }
        let resolution = self.resolved.then(|| ShadowResolution {
            id: id.clone(),
            symbol: symbol.clone(),
            resolved_at: horizon_end,
            exit_price: Price::new(dec!(100)).unwrap(),
            forward_return: Ratio::from_fraction(self.forward_return),
            cost: Ratio::from_fraction(self.cost),
            actual: self.actual,
            advisors,
        });
        ShadowRecord {
            decision: ShadowDecision {
                id,
                at: self.at,
                symbol,
                strategy: StrategyId::new("trend").unwrap(),
                side: Side::Buy,
                confidence: Confidence::new(self.confidence).unwrap(),
                tier: Tier::Medium,
                entry_price: Price::new(dec!(100)).unwrap(),
                notional: Money::new(self.notional),
                outcome: self.outcome,
                reasons: Vec::new(),
                regime: self.regime,
                features: BTreeMap::new(),
                recommendations: Vec::new(),
                horizon_end,
            },
            resolution,
        }
    }
}

/// The weekly report of `records` for `week` with capital 10,000 and no prior week.
pub(crate) fn report(week: ReportWeek, records: &[ShadowRecord]) -> WeeklyEvidence {
    weekly_evidence(&WeeklyInput {
        week,
        records,
        prior: None,
        primary_advisor: PRIMARY,
        capital: Money::new(dec!(10000)),
    })
}

/// One record per day of `week` at 12:00 UTC, the pipeline skipping and the primary
/// advisor taking with the given nets (0 = skip), on `symbol`.
pub(crate) fn advisor_week(
    week: ReportWeek,
    symbol: &'static str,
    nets: [i64; 7],
) -> Vec<ShadowRecord> {
    week.days()
        .iter()
        .zip(nets)
        .map(|(day, n)| {
            let at = day.and_hms_opt(12, 0, 0).unwrap().and_utc();
            let p = if n == 0 {
                skip()
            } else {
                net(Decimal::from(n))
            };
            Spec::new(at).symbol(symbol).advisor(p).build()
        })
        .collect()
}
