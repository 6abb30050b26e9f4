//! `BinanceVenue`: the domain's `ExecutionVenue` port on Binance Spot.
//!
//! Restart safety rests on the deterministic client order id: it is sent as
//! `newClientOrderId`, and every later question (query, cancel, fills) asks by
//! `origClientOrderId`. A timeout or 5xx on submit returns [`SubmitOutcome::Unknown`]; the
//! engine then queries by client id before any resubmission and blocks new exposure on that
//! symbol until the answer is known (`crates/engine/src/pipeline.rs`, `resolve_unknown`).
//! This venue adds its own guard: a second `submit` of an id it has already sent queries
//! instead of sending again, so nothing is ever submitted twice from one process.
//!
//! Binance needs the symbol to look an order up, and the port asks by client id only. The
//! venue remembers the symbol of every id it sent; for ids from before a restart it tries
//! the configured symbols whose compact form (`BTCUSD`) appears in the id (the engine's
//! `ClientOrderId::derive` puts it there), then every configured symbol.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;
use domain::ports::{ExecutionVenue, SubmitOutcome, VenueError};
use domain::{
    Approved, ClientOrderId, Fill, InstrumentFilters, Order, OrderIntent, OrderType, Side, Symbol,
};
use reqwest::Method;

use crate::account::AccountPermissions;
use crate::error::{BinanceError, ErrorClass, codes};
use crate::http::client::{Call, RestClient};
use crate::http::models::{AccountWire, MyTradeWire, OrderWire};
use crate::http::parse::{self, Assets};

/// The Binance Spot execution venue (paper mode: testnet URLs; live mode: mainnet).
#[derive(Debug)]
pub struct BinanceVenue {
    client: Arc<RestClient>,
    symbols: Vec<Symbol>,
    sent: Mutex<HashMap<ClientOrderId, Symbol>>,
}

/// What looking an id up across candidate symbols found.
enum Lookup {
    Found(Symbol, Box<OrderWire>),
    NotFound,
}

impl BinanceVenue {
    /// A venue trading `symbols` through `client`, which must hold credentials.
    pub fn new(client: Arc<RestClient>, symbols: Vec<Symbol>) -> Result<Self, BinanceError> {
        if !client.has_credentials() {
            return Err(BinanceError::Credentials(
                "the execution venue needs an API key pair (RAMPART_BINANCE_API_KEY / RAMPART_BINANCE_API_SECRET)"
                    .to_string(),
            ));
        }
        Ok(Self {
            client,
            symbols,
            sent: Mutex::new(HashMap::new()),
        })
    }

    /// The REST client (clock offset, used weight, ban state for metrics and readiness).
    pub fn client(&self) -> &RestClient {
        &self.client
    }

    /// The API key's permissions (`GET /api/v3/account`) for the readiness evaluation.
    pub async fn account_permissions(&self) -> Result<AccountPermissions, BinanceError> {
        let call = Call::signed_read(
            "/api/v3/account",
            vec![("omitZeroBalances", "true".to_string())],
        );
        let wire: AccountWire = self.client.call_json(&call).await?;
        Ok(parse::account_from_wire(wire))
    }

    /// `e` with the key pair taken out: a parse error quotes fields of a signed answer.
    /// (Errors from the client are redacted already.)
    fn redacted(&self, e: BinanceError) -> BinanceError {
        e.redacted(self.client.redactor())
    }

    fn sent(&self) -> MutexGuard<'_, HashMap<ClientOrderId, Symbol>> {
        self.sent.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn assets(&self, symbol: &Symbol) -> (String, String) {
        self.client.config().symbols.venue_assets(symbol)
    }

    /// Symbols to try for an id, most likely first.
    fn candidates(&self, id: &ClientOrderId) -> Vec<Symbol> {
        if let Some(s) = self.sent().get(id) {
            return vec![s.clone()];
        }
        let segments: Vec<&str> = id.as_str().split('-').collect();
        let (mut likely, rest): (Vec<Symbol>, Vec<Symbol>) =
            self.symbols.iter().cloned().partition(|s| {
                let compact: String = s.as_str().chars().filter(|c| *c != '-').collect();
                segments.contains(&compact.as_str())
            });
        likely.extend(rest);
        likely
    }

    /// Finds an order by client id across the candidate symbols. `Ok(NotFound)` only when
    /// every candidate positively answered "no such order".
    async fn lookup(&self, id: &ClientOrderId) -> Result<Lookup, BinanceError> {
        for symbol in self.candidates(id) {
            let call = Call::signed_read(
                "/api/v3/order",
                vec![
                    ("symbol", self.client.config().symbols.to_venue(&symbol)),
                    ("origClientOrderId", id.as_str().to_string()),
                ],
            );
            match self.client.call_json::<OrderWire>(&call).await {
                Ok(wire) => {
                    self.sent().insert(id.clone(), symbol.clone());
                    return Ok(Lookup::Found(symbol, Box::new(wire)));
                }
                Err(e) if e.class() == ErrorClass::NoSuchOrder => continue,
                Err(e) => return Err(e),
            }
        }
        Ok(Lookup::NotFound)
    }

    /// The existing order's state, for a second submission of the same id.
    async fn existing(&self, id: &ClientOrderId) -> Option<SubmitOutcome> {
        let now = self.client.now();
        match self.lookup(id).await {
            Ok(Lookup::Found(symbol, wire)) => Some(match parse::order_from_wire(&wire, &symbol) {
                Ok(order) => SubmitOutcome::Confirmed {
                    order,
                    fills: Vec::new(),
                },
                Err(e) => SubmitOutcome::Unknown {
                    detail: self.redacted(e).to_string(),
                },
            }),
            Ok(Lookup::NotFound) => None,
            Err(e) => Some(SubmitOutcome::Unknown {
                detail: format!(
                    "{id} was sent before and cannot be looked up: {}",
                    e.to_venue_error(now)
                ),
            }),
        }
    }

    fn order_params(intent: &OrderIntent, venue_symbol: String) -> Vec<(&'static str, String)> {
        let mut p = vec![
            ("symbol", venue_symbol),
            (
                "side",
                match intent.side {
                    Side::Buy => "BUY",
                    Side::Sell => "SELL",
                }
                .to_string(),
            ),
        ];
        match intent.order_type {
            OrderType::Market => {
                p.push(("type", "MARKET".to_string()));
                match (intent.side, intent.quote_budget) {
                    (Side::Buy, Some(budget)) if budget.value() > rust_decimal::Decimal::ZERO => {
                        p.push((
                            "quoteOrderQty",
                            budget.value().round_dp(8).normalize().to_string(),
                        ));
                    }
                    _ => p.push(("quantity", intent.qty.value().normalize().to_string())),
                }
            }
            OrderType::Limit { price } => {
                p.push(("type", "LIMIT".to_string()));
                p.push(("timeInForce", "GTC".to_string()));
                p.push(("quantity", intent.qty.value().normalize().to_string()));
                p.push(("price", price.value().normalize().to_string()));
            }
        }
        p.push((
            "newClientOrderId",
            intent.client_order_id.as_str().to_string(),
        ));
        p.push(("newOrderRespType", "FULL".to_string()));
        p
    }

    fn confirmed(&self, wire: &OrderWire, symbol: &Symbol) -> Result<SubmitOutcome, BinanceError> {
        let order = parse::order_from_wire(wire, symbol).map_err(|e| self.redacted(e))?;
        let (base, quote) = self.assets(symbol);
        let fills = parse::fills_from_order(
            wire,
            &order,
            &Assets {
                base: &base,
                quote: &quote,
            },
        )
        .map_err(|e| self.redacted(e))?;
        Ok(SubmitOutcome::Confirmed { order, fills })
    }
}

#[async_trait]
impl ExecutionVenue for BinanceVenue {
    async fn submit(&self, order: Approved<OrderIntent>) -> SubmitOutcome {
        let intent = order.into_inner();
        let id = intent.client_order_id.clone();
        let already_sent = self.sent().contains_key(&id);
        if already_sent && let Some(outcome) = self.existing(&id).await {
            return outcome;
        }
        let venue_symbol = self.client.config().symbols.to_venue(&intent.symbol);
        // Remember before sending: a timeout leaves the order possibly placed.
        self.sent().insert(id.clone(), intent.symbol.clone());
        let call = Call::order_entry(
            Method::POST,
            "/api/v3/order",
            Self::order_params(&intent, venue_symbol),
        );
        let now = self.client.now();
        let outcome = match self.client.call_json::<OrderWire>(&call).await {
            Ok(wire) => self.confirmed(&wire, &intent.symbol),
            Err(e) => Err(e),
        };
        match outcome {
            Ok(o) => o,
            Err(e) => match e.class() {
                ErrorClass::Unknown => {
                    tracing::warn!(client_order_id = %id, error = %e, "binance order outcome unknown: query before any resubmission");
                    SubmitOutcome::Unknown {
                        detail: e.to_string(),
                    }
                }
                ErrorClass::Duplicate => {
                    self.existing(&id).await.unwrap_or(SubmitOutcome::Unknown {
                        detail: format!(
                            "binance reported {id} as a duplicate but does not find it"
                        ),
                    })
                }
                _ => SubmitOutcome::Rejected(e.to_order_failure(now)),
            },
        }
    }

    async fn query(&self, id: &ClientOrderId) -> Result<Option<Order>, VenueError> {
        let now = self.client.now();
        match self.lookup(id).await {
            Ok(Lookup::Found(symbol, wire)) => parse::order_from_wire(&wire, &symbol)
                .map(Some)
                .map_err(|e| self.redacted(e).to_venue_error(now)),
            Ok(Lookup::NotFound) => Ok(None),
            Err(e) => Err(e.to_venue_error(now)),
        }
    }

    async fn cancel(&self, id: &ClientOrderId) -> Result<Order, VenueError> {
        let now = self.client.now();
        for symbol in self.candidates(id) {
            let call = Call::order_entry(
                Method::DELETE,
                "/api/v3/order",
                vec![
                    ("symbol", self.client.config().symbols.to_venue(&symbol)),
                    ("origClientOrderId", id.as_str().to_string()),
                ],
            );
            match self.client.call_json::<OrderWire>(&call).await {
                Ok(wire) => {
                    return parse::order_from_wire(&wire, &symbol)
                        .map_err(|e| self.redacted(e).to_venue_error(now));
                }
                Err(e) if e.class() == ErrorClass::NoSuchOrder => continue,
                Err(e) => return Err(e.to_venue_error(now)),
            }
        }
        Err(VenueError::Refused(domain::OrderFailure::Rejected {
            venue_code: Some(codes::NO_SUCH_ORDER),
            venue_message: format!("no order {id} at binance"),
        }))
    }

    async fn open_orders(&self) -> Result<Vec<Order>, VenueError> {
        let now = self.client.now();
        let call = Call::signed_read("/api/v3/openOrders", Vec::new());
        let wires: Vec<OrderWire> = self
            .client
            .call_json(&call)
            .await
            .map_err(|e| e.to_venue_error(now))?;
        let mut orders = Vec::with_capacity(wires.len());
        for w in &wires {
            let Some(symbol) = self.client.config().symbols.to_canonical(&w.symbol) else {
                tracing::warn!(venue_symbol = %w.symbol, client_order_id = %w.client_order_id, "open order on a symbol without a canonical name; skipped");
                continue;
            };
            let order = parse::order_from_wire(w, &symbol)
                .map_err(|e| self.redacted(e).to_venue_error(now))?;
            self.sent().insert(order.client_order_id.clone(), symbol);
            orders.push(order);
        }
        Ok(orders)
    }

    async fn fills(&self, id: &ClientOrderId) -> Result<Vec<Fill>, VenueError> {
        let now = self.client.now();
        let (symbol, wire) = match self.lookup(id).await {
            Ok(Lookup::Found(symbol, wire)) => (symbol, wire),
            Ok(Lookup::NotFound) => return Ok(Vec::new()),
            Err(e) => return Err(e.to_venue_error(now)),
        };
        let call = Call::signed_read(
            "/api/v3/myTrades",
            vec![
                ("symbol", self.client.config().symbols.to_venue(&symbol)),
                ("orderId", wire.order_id.to_string()),
            ],
        );
        let trades: Vec<MyTradeWire> = self
            .client
            .call_json(&call)
            .await
            .map_err(|e| e.to_venue_error(now))?;
        let (base, quote) = self.assets(&symbol);
        parse::fills_from_trades(
            &trades,
            id,
            &symbol,
            &Assets {
                base: &base,
                quote: &quote,
            },
        )
        .map_err(|e| self.redacted(e).to_venue_error(now))
    }

    async fn filters(&self, symbol: &Symbol) -> Result<InstrumentFilters, VenueError> {
        let now = self.client.now();
        self.client
            .instrument_filters(symbol)
            .await
            .map_err(|e| match e {
                BinanceError::UnknownSymbol(_) => VenueError::UnknownSymbol(symbol.clone()),
                other => other.to_venue_error(now),
            })
    }
}
