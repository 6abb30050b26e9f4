//! Binance wire shapes -> domain types. The only place that does this conversion.
//!
//! Exchange responses are input: every field is checked and a bad one becomes a
//! [`BinanceError::Decode`] naming the field, never a panic.

use std::str::FromStr;

use domain::{
    Candle, CandleFields, ClientOrderId, Fill, InstrumentFilters, Money, Order, OrderStatus,
    OrderType, Price, Qty, Side, Symbol, Timestamp,
};
use rust_decimal::Decimal;
use serde_json::Value;

use super::models::{AccountWire, KlineRow, MyTradeWire, OrderFillWire, OrderWire, SymbolInfo};
use crate::account::AccountPermissions;
use crate::error::BinanceError;

/// Milliseconds since the epoch -> UTC timestamp.
pub(crate) fn ms_to_ts(what: &str, ms: i64) -> Result<Timestamp, BinanceError> {
    chrono::DateTime::from_timestamp_millis(ms)
        .ok_or_else(|| BinanceError::decode(what, format!("timestamp {ms} ms out of range")))
}

/// A decimal sent as a JSON string.
pub(crate) fn dec(what: &str, text: &str) -> Result<Decimal, BinanceError> {
    Decimal::from_str(text.trim())
        .map(|d| d.normalize())
        .map_err(|e| BinanceError::decode(what, format!("{text:?} is not a decimal: {e}")))
}

fn row_i64(row: &KlineRow, i: usize, what: &str) -> Result<i64, BinanceError> {
    row.get(i).and_then(Value::as_i64).ok_or_else(|| {
        BinanceError::decode("kline", format!("{what} (index {i}) is not an integer"))
    })
}

fn row_dec(row: &KlineRow, i: usize, what: &str) -> Result<Decimal, BinanceError> {
    match row.get(i) {
        Some(Value::String(s)) => dec(what, s),
        _ => Err(BinanceError::decode(
            "kline",
            format!("{what} (index {i}) is not a decimal string"),
        )),
    }
}

/// A parsed kline: its open time (for pagination) and, if it is closed, the candle.
#[derive(Debug)]
pub(crate) struct ParsedKline {
    /// Open time in ms.
    pub open_time_ms: i64,
    /// The candle, `None` while the bar is still open at `server_now_ms`.
    pub candle: Option<Candle>,
}

/// Parses one kline row. The bar is closed once its last millisecond (`closeTime`) has
/// passed on the server's clock; its domain `close_time` is the exclusive end (`closeTime + 1`).
pub(crate) fn parse_kline(
    row: &KlineRow,
    symbol: &Symbol,
    server_now_ms: i64,
) -> Result<ParsedKline, BinanceError> {
    let open_ms = row_i64(row, 0, "open time")?;
    let close_ms = row_i64(row, 6, "close time")?;
    if close_ms >= server_now_ms {
        return Ok(ParsedKline {
            open_time_ms: open_ms,
            candle: None,
        });
    }
    let fields = CandleFields {
        symbol: symbol.clone(),
        open_time: ms_to_ts("kline open time", open_ms)?,
        close_time: ms_to_ts("kline close time", close_ms.saturating_add(1))?,
        open: row_dec(row, 1, "open")?,
        high: row_dec(row, 2, "high")?,
        low: row_dec(row, 3, "low")?,
        close: row_dec(row, 4, "close")?,
        volume: row_dec(row, 5, "volume")?,
    };
    let candle =
        Candle::new(fields).map_err(|e| BinanceError::decode(format!("kline at {open_ms}"), e))?;
    Ok(ParsedKline {
        open_time_ms: open_ms,
        candle: Some(candle),
    })
}

/// Closed candles of a klines response, in the order received.
pub(crate) fn closed_candles(
    rows: &[KlineRow],
    symbol: &Symbol,
    server_now_ms: i64,
) -> Result<Vec<Candle>, BinanceError> {
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        if let Some(c) = parse_kline(row, symbol, server_now_ms)?.candle {
            out.push(c);
        }
    }
    Ok(out)
}

fn filter_dec(filter: &Value, field: &str) -> Result<Decimal, BinanceError> {
    let kind = filter
        .get("filterType")
        .and_then(Value::as_str)
        .unwrap_or("?");
    match filter.get(field) {
        Some(Value::String(s)) => dec(&format!("{kind}.{field}"), s),
        _ => Err(BinanceError::decode(
            format!("{kind}.{field}"),
            "missing or not a decimal string",
        )),
    }
}

/// Builds [`InstrumentFilters`] from a symbol's raw `filters` array.
///
/// - `PRICE_FILTER.tickSize` -> `tick_size` (a zero tick, "rule disabled", falls back to one
///   unit of `quote_precision` decimals);
/// - `LOT_SIZE` -> `step_size`, `min_qty`, `max_qty`;
/// - `MARKET_LOT_SIZE` tightens them (the domain has one set of bounds for every order
///   type, so the stricter of the two applies to both; zero fields mean "no rule");
/// - `MIN_NOTIONAL` (older symbols) and `NOTIONAL.minNotional` -> `min_notional` (the larger);
///   `NOTIONAL.maxNotional` -> `max_notional`. The `applyToMarket` flags are ignored on
///   purpose: applying the bounds to market orders too is the conservative reading.
pub(crate) fn filters_from_raw(
    filters: &[Value],
    quote_precision: Option<u32>,
) -> Result<InstrumentFilters, BinanceError> {
    let find = |t: &str| {
        filters
            .iter()
            .find(|f| f.get("filterType").and_then(Value::as_str) == Some(t))
    };
    let lot = find("LOT_SIZE").ok_or_else(|| BinanceError::decode("filters", "no LOT_SIZE"))?;
    let mut step = filter_dec(lot, "stepSize")?;
    let mut min_qty = filter_dec(lot, "minQty")?;
    let mut max_qty = filter_dec(lot, "maxQty")?;
    if let Some(m) = find("MARKET_LOT_SIZE") {
        let m_step = filter_dec(m, "stepSize")?;
        let m_min = filter_dec(m, "minQty")?;
        let m_max = filter_dec(m, "maxQty")?;
        if m_step > step {
            step = m_step;
        }
        min_qty = min_qty.max(m_min);
        if m_max > Decimal::ZERO {
            max_qty = max_qty.min(m_max);
        }
    }
    let fallback_tick = Decimal::new(1, quote_precision.unwrap_or(8).min(28));
    let tick = match find("PRICE_FILTER") {
        Some(p) => {
            let t = filter_dec(p, "tickSize")?;
            if t > Decimal::ZERO { t } else { fallback_tick }
        }
        None => fallback_tick,
    };
    let mut min_notional = Decimal::ZERO;
    let mut max_notional = None;
    if let Some(m) = find("MIN_NOTIONAL") {
        min_notional = min_notional.max(filter_dec(m, "minNotional")?);
    }
    if let Some(n) = find("NOTIONAL") {
        min_notional = min_notional.max(filter_dec(n, "minNotional")?);
        let max = filter_dec(n, "maxNotional")?;
        if max > Decimal::ZERO {
            max_notional = Some(Money::new(max));
        }
    }
    let price = |what: &str, v: Decimal| {
        Price::new(v).map_err(|e| BinanceError::decode(format!("filters {what}"), e))
    };
    let qty = |what: &str, v: Decimal| {
        Qty::new(v).map_err(|e| BinanceError::decode(format!("filters {what}"), e))
    };
    InstrumentFilters::new(
        price("tick_size", tick)?,
        qty("step_size", step)?,
        qty("min_qty", min_qty)?,
        qty("max_qty", max_qty)?,
        Money::new(min_notional),
        max_notional,
    )
    .map_err(|e| BinanceError::decode("filters", e))
}

/// Filters of one `exchangeInfo` symbol.
pub(crate) fn filters_from_symbol(info: &SymbolInfo) -> Result<InstrumentFilters, BinanceError> {
    filters_from_raw(&info.filters, info.quote_asset_precision)
        .map_err(|e| BinanceError::decode(format!("exchangeInfo {}", info.symbol), e))
}

fn side(text: &str) -> Result<Side, BinanceError> {
    match text {
        "BUY" => Ok(Side::Buy),
        "SELL" => Ok(Side::Sell),
        other => Err(BinanceError::decode("order side", format!("{other:?}"))),
    }
}

fn status(text: &str) -> Result<OrderStatus, BinanceError> {
    Ok(match text {
        "NEW" | "PENDING_NEW" => OrderStatus::Open,
        // Still working until Binance confirms the cancel.
        "PENDING_CANCEL" => OrderStatus::Open,
        "PARTIALLY_FILLED" => OrderStatus::PartiallyFilled,
        "FILLED" => OrderStatus::Filled,
        "CANCELED" => OrderStatus::Cancelled,
        "REJECTED" => OrderStatus::Rejected,
        "EXPIRED" | "EXPIRED_IN_MATCH" => OrderStatus::Expired,
        other => return Err(BinanceError::decode("order status", format!("{other:?}"))),
    })
}

fn qty(what: &str, text: &str) -> Result<Qty, BinanceError> {
    Qty::new(dec(what, text)?).map_err(|e| BinanceError::decode(what, e))
}

fn price(what: &str, text: &str) -> Result<Price, BinanceError> {
    Price::new(dec(what, text)?).map_err(|e| BinanceError::decode(what, e))
}

fn client_id(text: &str) -> Result<ClientOrderId, BinanceError> {
    ClientOrderId::new(text).map_err(|e| BinanceError::decode("clientOrderId", e))
}

/// An order response (FULL, RESULT, query, cancel or open orders) -> domain `Order`.
pub(crate) fn order_from_wire(w: &OrderWire, symbol: &Symbol) -> Result<Order, BinanceError> {
    let id = client_id(
        w.orig_client_order_id
            .as_deref()
            .unwrap_or(&w.client_order_id),
    )?;
    let limit_price = match w.price.as_deref() {
        Some(p) if dec("price", p)? > Decimal::ZERO => Some(price("price", p)?),
        _ => None,
    };
    let order_type = match (w.order_type.as_str(), limit_price) {
        ("MARKET", _) | (_, None) => OrderType::Market,
        (_, Some(price)) => OrderType::Limit { price },
    };
    let filled_qty = qty("executedQty", &w.executed_qty)?;
    let mut ordered = qty("origQty", &w.orig_qty)?;
    if ordered.is_zero() {
        // A market buy sized by quoteOrderQty: the venue reports what it executed.
        ordered = filled_qty;
    }
    let avg_fill_price = match w.cummulative_quote_qty.as_deref() {
        // The fills, when reported, are the authority on what was paid.
        _ if !w.fills.is_empty() => fills_vwap(&w.fills)?,
        Some(q) if !filled_qty.is_zero() => {
            let quote = dec("cummulativeQuoteQty", q)?;
            quote
                .checked_div(filled_qty.value())
                .and_then(|p| Price::new(p.normalize()).ok())
        }
        _ => None,
    };
    let created_ms = w
        .time
        .or(w.transact_time)
        .or(w.working_time)
        .ok_or_else(|| BinanceError::decode("order", "no time/transactTime"))?;
    let updated_ms = w.update_time.or(w.transact_time).unwrap_or(created_ms);
    Ok(Order {
        client_order_id: id,
        venue_order_id: Some(w.order_id.to_string()),
        symbol: symbol.clone(),
        side: side(&w.side)?,
        order_type,
        qty: ordered,
        filled_qty,
        avg_fill_price,
        status: status(&w.status)?,
        created_at: ms_to_ts("order time", created_ms)?,
        updated_at: ms_to_ts("order update time", updated_ms)?,
    })
}

/// Volume-weighted price of a FULL response's fills.
fn fills_vwap(fills: &[OrderFillWire]) -> Result<Option<Price>, BinanceError> {
    let mut qty_sum = Decimal::ZERO;
    let mut quote_sum = Decimal::ZERO;
    for f in fills {
        let q = dec("fill qty", &f.qty)?;
        let p = dec("fill price", &f.price)?;
        qty_sum = qty_sum
            .checked_add(q)
            .ok_or_else(|| BinanceError::decode("fills", "quantity overflow"))?;
        quote_sum = p
            .checked_mul(q)
            .and_then(|x| quote_sum.checked_add(x))
            .ok_or_else(|| BinanceError::decode("fills", "notional overflow"))?;
    }
    Ok(quote_sum
        .checked_div(qty_sum)
        .and_then(|p| Price::new(p.normalize()).ok()))
}

/// Converts a commission into quote currency: quote-asset commissions as they are,
/// base-asset commissions at the fill price. Commissions in a third asset (BNB discounts)
/// cannot be converted without a rate and are reported as zero with a warning: keep BNB
/// fee payment off on a Rampart account (docs/binance.md).
fn fee_in_quote(
    commission: &str,
    asset: &str,
    fill_price: Price,
    base: &str,
    quote: &str,
) -> Result<Money, BinanceError> {
    let amount = dec("commission", commission)?;
    if asset.eq_ignore_ascii_case(quote) {
        Ok(Money::new(amount))
    } else if asset.eq_ignore_ascii_case(base) {
        Ok(Money::new(amount * fill_price.value()))
    } else {
        tracing::warn!(
            commission = %amount,
            commission_asset = asset,
            "binance commission in a third asset cannot be converted to quote; recorded as zero"
        );
        Ok(Money::ZERO)
    }
}

/// The venue's base and quote asset names, used to convert commissions.
pub(crate) struct Assets<'a> {
    /// Base asset (`BTC`).
    pub base: &'a str,
    /// Quote asset (`USDT`).
    pub quote: &'a str,
}

/// Fills of a FULL order response.
pub(crate) fn fills_from_order(
    w: &OrderWire,
    order: &Order,
    assets: &Assets<'_>,
) -> Result<Vec<Fill>, BinanceError> {
    let ts = order.updated_at;
    w.fills
        .iter()
        .map(|f: &OrderFillWire| {
            let p = price("fill price", &f.price)?;
            Ok(Fill {
                client_order_id: order.client_order_id.clone(),
                trade_id: f.trade_id.to_string(),
                symbol: order.symbol.clone(),
                side: order.side,
                qty: qty("fill qty", &f.qty)?,
                price: p,
                fee: fee_in_quote(
                    &f.commission,
                    &f.commission_asset,
                    p,
                    assets.base,
                    assets.quote,
                )?,
                ts,
            })
        })
        .collect()
}

/// Fills of `GET /api/v3/myTrades` for one order.
pub(crate) fn fills_from_trades(
    trades: &[MyTradeWire],
    id: &ClientOrderId,
    symbol: &Symbol,
    assets: &Assets<'_>,
) -> Result<Vec<Fill>, BinanceError> {
    trades
        .iter()
        .map(|t| {
            let p = price("trade price", &t.price)?;
            Ok(Fill {
                client_order_id: id.clone(),
                trade_id: t.id.to_string(),
                symbol: symbol.clone(),
                side: if t.is_buyer { Side::Buy } else { Side::Sell },
                qty: qty("trade qty", &t.qty)?,
                price: p,
                fee: fee_in_quote(
                    &t.commission,
                    &t.commission_asset,
                    p,
                    assets.base,
                    assets.quote,
                )?,
                ts: ms_to_ts("trade time", t.time)?,
            })
        })
        .collect()
}

/// `GET /api/v3/account` -> permissions.
pub(crate) fn account_from_wire(w: AccountWire) -> AccountPermissions {
    AccountPermissions {
        can_trade: w.can_trade,
        can_withdraw: w.can_withdraw,
        can_deposit: w.can_deposit,
        account_type: w.account_type,
        permissions: w.permissions,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;
    use serde_json::json;

    fn sym() -> Symbol {
        Symbol::new("BTC-USD").unwrap()
    }

    #[test]
    fn open_kline_is_not_a_candle() {
        let row: KlineRow = serde_json::from_value(json!([
            1000, "1", "2", "0.5", "1.5", "3", 60_999, "0", 1, "0", "0", "0"
        ]))
        .unwrap();
        assert!(parse_kline(&row, &sym(), 60_999).unwrap().candle.is_none());
        let c = parse_kline(&row, &sym(), 61_000).unwrap().candle.unwrap();
        assert_eq!(c.close_time().timestamp_millis(), 61_000);
        assert_eq!(c.close().value(), dec!(1.5));
    }

    #[test]
    fn malformed_kline_is_an_error_naming_the_field() {
        let row: KlineRow =
            serde_json::from_value(json!([1000, "x", "2", "0.5", "1.5", "3", 60_999])).unwrap();
        let err = parse_kline(&row, &sym(), i64::MAX).unwrap_err().to_string();
        assert!(err.contains("open"), "{err}");
        let short: KlineRow = serde_json::from_value(json!([1000])).unwrap();
        assert!(parse_kline(&short, &sym(), i64::MAX).is_err());
    }

    #[test]
    fn base_asset_commission_is_converted_at_the_fill_price() {
        let p = Price::new(dec!(20000)).unwrap();
        let fee = fee_in_quote("0.001", "BTC", p, "BTC", "USDT").unwrap();
        assert_eq!(fee.value(), dec!(20));
        assert_eq!(
            fee_in_quote("1.5", "USDT", p, "BTC", "USDT")
                .unwrap()
                .value(),
            dec!(1.5)
        );
        assert_eq!(
            fee_in_quote("1", "BNB", p, "BTC", "USDT").unwrap(),
            Money::ZERO
        );
    }
}
