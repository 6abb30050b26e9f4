//! Property tests: whatever the orders and bars, fills respect the filters and the order.

use std::collections::BTreeMap;

use domain::ports::{ExecutionVenue, SubmitOutcome};
use domain::{ClientOrderId, MarketEvent, OrderIntent, OrderStatus, OrderType, Side};
use paper::{FillPolicy, PaperConfig, PaperVenue, Slippage};
use proptest::prelude::*;
use rust_decimal::Decimal;

use crate::support::*;

#[derive(Debug, Clone)]
enum Step {
    Bar {
        open: i64,
        up: i64,
        down: i64,
        close_delta: i64,
        volume: i64,
    },
    Market {
        buy: bool,
        steps: i64,
    },
    Limit {
        buy: bool,
        steps: i64,
        offset_ticks: i64,
    },
    Cancel {
        nth: usize,
    },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => (4_900_000i64..5_100_000, 0i64..20_000, 0i64..20_000, -10_000i64..10_000, 0i64..5_000)
            .prop_map(|(open, up, down, close_delta, volume)| Step::Bar { open, up, down, close_delta, volume }),
        2 => (any::<bool>(), 1i64..200_000).prop_map(|(buy, steps)| Step::Market { buy, steps }),
        2 => (any::<bool>(), 1i64..200_000, -20_000i64..20_000)
            .prop_map(|(buy, steps, offset_ticks)| Step::Limit { buy, steps, offset_ticks }),
        1 => (0usize..20).prop_map(|nth| Step::Cancel { nth }),
    ]
}

fn config() -> impl Strategy<Value = PaperConfig> {
    (
        prop_oneof![Just(FillPolicy::NextOpen), Just(FillPolicy::Close)],
        prop_oneof![
            (0i64..100).prop_map(|b| Slippage::Bps(Decimal::from(b))),
            (0i64..300, 1usize..20).prop_map(|(k, period)| Slippage::AtrMultiple {
                k: Decimal::new(k, 2),
                period
            }),
        ],
        prop_oneof![
            Just(None),
            (1i64..=100).prop_map(|p| Some(Decimal::new(p, 2)))
        ],
    )
        .prop_map(|(fill, slippage, max_volume_fraction)| PaperConfig {
            fill,
            slippage,
            max_volume_fraction,
            ..PaperConfig::default()
        })
}

/// Prices in cents (tick 0.01), quantities in steps of 0.00001 BTC.
fn cents(c: i64) -> Decimal {
    Decimal::new(c, 2)
}

fn steps_qty(n: i64) -> Decimal {
    Decimal::new(n, 5)
}

struct Session {
    venue: PaperVenue,
    last_close: i64,
    minute: i64,
    submitted: Vec<OrderIntent>,
    fills: Vec<domain::Fill>,
}

impl Session {
    async fn apply(&mut self, step: Step) {
        match step {
            Step::Bar {
                open,
                up,
                down,
                close_delta,
                volume,
            } => {
                let close = (open + close_delta).max(100);
                let high = open.max(close) + up;
                let low = (open.min(close) - down).max(1);
                let ohlcv = [
                    cents(open),
                    cents(high),
                    cents(low),
                    cents(close),
                    Decimal::new(volume, 2),
                ];
                let event: MarketEvent = bar(self.minute, ohlcv);
                self.fills.extend(self.venue.observe_market(&event));
                self.last_close = close;
                self.minute += 1;
            }
            Step::Market { buy, steps } => {
                let side = if buy { Side::Buy } else { Side::Sell };
                let n = self.submitted.len();
                let intent = market(&format!("p{n}"), side, steps_qty(steps), self.minute);
                let intent = OrderIntent {
                    reference_price: price(cents(self.last_close)),
                    ..intent
                };
                self.submit(intent).await;
            }
            Step::Limit {
                buy,
                steps,
                offset_ticks,
            } => {
                let side = if buy { Side::Buy } else { Side::Sell };
                let n = self.submitted.len();
                let at = (self.last_close + offset_ticks).max(1);
                let intent = limit(
                    &format!("p{n}"),
                    side,
                    steps_qty(steps),
                    cents(at),
                    self.minute,
                );
                self.submit(intent).await;
            }
            Step::Cancel { nth } => {
                if let Some(intent) = self.submitted.get(nth) {
                    let _ = self.venue.cancel(&intent.client_order_id).await;
                }
            }
        }
    }

    async fn submit(&mut self, intent: OrderIntent) {
        self.submitted.push(intent.clone());
        if let SubmitOutcome::Confirmed { fills, .. } = self.venue.submit(approve(intent)).await {
            self.fills.extend(fills);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn prop_fills_respect_tick_step_limit_and_order_quantity(
        config in config(),
        steps in prop::collection::vec(step(), 1..60),
    ) {
        let filters = config.filters[&btc()].clone();
        let mut session = Session {
            venue: PaperVenue::new(config).unwrap(),
            last_close: 5_000_000,
            minute: 0,
            submitted: Vec::new(),
            fills: Vec::new(),
        };
        ready(async {
            for step in steps {
                session.apply(step).await;
            }
        });

        let intents: BTreeMap<&ClientOrderId, &OrderIntent> =
            session.submitted.iter().map(|i| (&i.client_order_id, i)).collect();
        let mut filled: BTreeMap<&ClientOrderId, Decimal> = BTreeMap::new();
        for fill in &session.fills {
            let intent = intents[&fill.client_order_id];
            prop_assert!(fill.qty <= filters.max_qty, "{fill:?}");
            prop_assert!((fill.price.value() % filters.tick_size.value()).is_zero(), "{fill:?}");
            prop_assert!((fill.qty.value() % filters.step_size.value()).is_zero(), "{fill:?}");
            prop_assert!(!fill.qty.is_zero());
            prop_assert!(fill.fee.value() >= Decimal::ZERO);
            prop_assert_eq!(fill.side, intent.side);
            if let OrderType::Limit { price: limit } = intent.order_type {
                match intent.side {
                    Side::Buy => prop_assert!(fill.price <= limit, "{fill:?} above limit {limit}"),
                    Side::Sell => prop_assert!(fill.price >= limit, "{fill:?} below limit {limit}"),
                }
            }
            *filled.entry(&fill.client_order_id).or_default() += fill.qty.value();
        }
        for (id, total) in &filled {
            let intent = intents[id];
            prop_assert!(*total <= intent.qty.value(), "{id}: filled {total} of {}", intent.qty);
            let order = ready(session.venue.query(id)).unwrap().unwrap();
            prop_assert_eq!(order.filled_qty.value(), *total);
            prop_assert_eq!(order.status == OrderStatus::Filled, *total == intent.qty.value());
            let recorded: Decimal = ready(session.venue.fills(id)).unwrap().iter().map(|f| f.qty.value()).sum();
            prop_assert_eq!(recorded, *total);
        }
    }
}
