//! Wire shapes of the Binance Spot REST responses the adapter reads.
//!
//! These stay `pub(crate)`: only [`super::parse`] turns them into domain types. Numbers that
//! are money arrive as JSON strings and stay strings here, to be parsed as `Decimal`.

use serde::Deserialize;

/// `GET /api/v3/time`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ServerTime {
    pub server_time: i64,
}

/// The `{"code": .., "msg": ..}` error body.
#[derive(Debug, Deserialize)]
pub(crate) struct ErrorBody {
    pub code: i64,
    #[serde(default)]
    pub msg: String,
}

/// One kline row: `[openTime, open, high, low, close, volume, closeTime, ...]`.
pub(crate) type KlineRow = Vec<serde_json::Value>;

/// `GET /api/v3/exchangeInfo`.
#[derive(Debug, Deserialize)]
pub(crate) struct ExchangeInfo {
    #[serde(default)]
    pub symbols: Vec<SymbolInfo>,
}

/// One symbol of `exchangeInfo`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SymbolInfo {
    pub symbol: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub quote_asset_precision: Option<u32>,
    /// Kept as raw objects: each `filterType` has its own fields and new types appear.
    #[serde(default)]
    pub filters: Vec<serde_json::Value>,
}

/// An order as returned by `POST/GET/DELETE /api/v3/order` and `GET /api/v3/openOrders`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OrderWire {
    pub symbol: String,
    pub order_id: i64,
    pub client_order_id: String,
    /// Present on cancel responses, where `clientOrderId` is the cancel request's own id.
    #[serde(default)]
    pub orig_client_order_id: Option<String>,
    #[serde(default)]
    pub transact_time: Option<i64>,
    #[serde(default)]
    pub time: Option<i64>,
    #[serde(default)]
    pub update_time: Option<i64>,
    #[serde(default)]
    pub working_time: Option<i64>,
    #[serde(default)]
    pub price: Option<String>,
    pub orig_qty: String,
    pub executed_qty: String,
    #[serde(default)]
    pub cummulative_quote_qty: Option<String>,
    pub status: String,
    #[serde(rename = "type")]
    pub order_type: String,
    pub side: String,
    /// Only with `newOrderRespType=FULL`.
    #[serde(default)]
    pub fills: Vec<OrderFillWire>,
}

/// One fill inside a FULL order response.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OrderFillWire {
    pub price: String,
    pub qty: String,
    pub commission: String,
    pub commission_asset: String,
    pub trade_id: i64,
}

/// One trade of `GET /api/v3/myTrades`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MyTradeWire {
    pub id: i64,
    pub price: String,
    pub qty: String,
    pub commission: String,
    pub commission_asset: String,
    pub time: i64,
    pub is_buyer: bool,
}

/// `GET /api/v3/account`, the parts the adapter reads.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AccountWire {
    pub can_trade: bool,
    pub can_withdraw: bool,
    pub can_deposit: bool,
    #[serde(default)]
    pub account_type: String,
    #[serde(default)]
    pub permissions: Vec<String>,
}
