//! Combined-stream frames -> domain candles and trades. A frame that does not read is an
//! error naming what was wrong; the feed counts it and carries on.

use domain::{Candle, CandleFields, Price, Qty, Side, Symbol, Trade};
use serde_json::Value;

use super::messages::{CombinedFrame, KlineEventWire, KlineWire, TradeEventWire};
use crate::error::BinanceError;
use crate::http::parse::{dec, ms_to_ts};

/// One event of the combined stream, as the feed needs it.
#[derive(Debug)]
pub(crate) enum StreamEvent {
    /// `<symbol>@kline_<interval>`.
    Kline(StreamKline),
    /// `<symbol>@trade`.
    Trade(StreamTrade),
}

/// A kline event as the feed needs it.
#[derive(Debug)]
pub(crate) struct StreamKline {
    /// Binance symbol (`BTCUSDT`).
    pub venue_symbol: String,
    /// Interval (`1m`).
    pub interval: String,
    /// Open time, ms.
    pub open_time_ms: i64,
    /// Whether the bar is final (`k.x`).
    pub closed: bool,
    kline: KlineWire,
}

/// A trade event as the feed needs it.
#[derive(Debug)]
pub(crate) struct StreamTrade {
    /// Binance symbol (`BTCUSDT`).
    pub venue_symbol: String,
    /// Binance trade id (`t`), consecutive per symbol.
    pub trade_id: u64,
    wire: TradeEventWire,
}

/// Reads one text frame of the combined stream (a kline or a trade event).
pub(crate) fn stream_frame(text: &str) -> Result<StreamEvent, BinanceError> {
    let CombinedFrame { stream, data } =
        serde_json::from_str(text).map_err(|e| BinanceError::decode("stream frame", e))?;
    let kind = data.get("e").and_then(Value::as_str);
    if kind == Some("kline") {
        let event: KlineEventWire = serde_json::from_value(data)
            .map_err(|e| BinanceError::decode(format!("kline frame of {stream}"), e))?;
        return Ok(StreamEvent::Kline(StreamKline {
            venue_symbol: event.symbol.to_ascii_uppercase(),
            interval: event.kline.interval.clone(),
            open_time_ms: event.kline.open_time,
            closed: event.kline.closed,
            kline: event.kline,
        }));
    }
    if kind == Some("trade") {
        let wire: TradeEventWire = serde_json::from_value(data)
            .map_err(|e| BinanceError::decode(format!("trade frame of {stream}"), e))?;
        return Ok(StreamEvent::Trade(StreamTrade {
            venue_symbol: wire.symbol.to_ascii_uppercase(),
            trade_id: wire.trade_id,
            wire,
        }));
    }
    Err(BinanceError::decode(
        format!("frame of {stream}"),
        format!("event type {kind:?}, expected \"kline\" or \"trade\""),
    ))
}

impl StreamKline {
    /// The domain candle (`close_time` = Binance `T + 1 ms`, exclusive, as over REST).
    pub(crate) fn candle(&self, symbol: &Symbol) -> Result<Candle, BinanceError> {
        let k = &self.kline;
        let fields = CandleFields {
            symbol: symbol.clone(),
            open_time: ms_to_ts("kline open time", k.open_time)?,
            close_time: ms_to_ts("kline close time", k.close_time.saturating_add(1))?,
            open: dec("k.o", &k.open)?,
            high: dec("k.h", &k.high)?,
            low: dec("k.l", &k.low)?,
            close: dec("k.c", &k.close)?,
            volume: dec("k.v", &k.volume)?,
        };
        Candle::new(fields)
            .map_err(|e| BinanceError::decode(format!("kline at {}", k.open_time), e))
    }
}

impl StreamTrade {
    /// The domain trade: price > 0, quantity >= 0, time `T`, aggressor from `m` (buyer is
    /// maker -> the seller took liquidity).
    pub(crate) fn trade(&self, symbol: &Symbol) -> Result<Trade, BinanceError> {
        let w = &self.wire;
        let what = |field: &str| format!("trade {} {field}", w.trade_id);
        let price = Price::new(dec("trade p", &w.price)?)
            .map_err(|e| BinanceError::decode(what("price"), e))?;
        let qty = Qty::new(dec("trade q", &w.qty)?)
            .map_err(|e| BinanceError::decode(what("quantity"), e))?;
        Ok(Trade {
            symbol: symbol.clone(),
            price,
            qty,
            aggressor: Some(if w.buyer_is_maker {
                Side::Sell
            } else {
                Side::Buy
            }),
            ts: ms_to_ts("trade time", w.trade_time)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"{"stream":"bnbbtc@kline_1m","data":{"e":"kline","E":1672515782136,"s":"BNBBTC","k":{"t":1672515780000,"T":1672515839999,"s":"BNBBTC","i":"1m","f":100,"L":200,"o":"0.0010","c":"0.0020","h":"0.0025","l":"0.0015","v":"1000","n":100,"x":false,"q":"1.0000","V":"500","Q":"0.500","B":"123456"}}}"#;

    /// `ws_trade_event_doc_example.json` inside the combined-stream wrapper.
    const TRADE_DOC: &str = r#"{"stream":"bnbbtc@trade","data":{"e":"trade","E":1672515782136,"s":"BNBBTC","t":12345,"p":"0.001","q":"100","T":1672515782136,"m":true,"M":true}}"#;

    fn kline_frame(text: &str) -> Result<StreamKline, BinanceError> {
        match stream_frame(text)? {
            StreamEvent::Kline(k) => Ok(k),
            StreamEvent::Trade(t) => panic!("expected a kline, got trade {t:?}"),
        }
    }

    fn trade_frame(text: &str) -> Result<StreamTrade, BinanceError> {
        match stream_frame(text)? {
            StreamEvent::Trade(t) => Ok(t),
            StreamEvent::Kline(k) => panic!("expected a trade, got kline {k:?}"),
        }
    }

    fn bnb() -> Symbol {
        Symbol::new("BNB-BTC").unwrap()
    }

    #[test]
    fn reads_the_documented_kline_event() {
        let k = kline_frame(DOC).unwrap();
        assert_eq!(k.venue_symbol, "BNBBTC");
        assert_eq!(k.interval, "1m");
        assert!(!k.closed);
        // The documentation's numbers are not a real bar (open 0.0010 below low 0.0015): the
        // domain refuses such a candle, and the feed counts the frame as malformed.
        assert!(k.candle(&bnb()).is_err());
        let k = kline_frame(&DOC.replace(r#""l":"0.0015""#, r#""l":"0.0010""#)).unwrap();
        let c = k.candle(&bnb()).unwrap();
        assert_eq!(c.open_time().timestamp_millis(), 1_672_515_780_000);
        assert_eq!(c.close_time().timestamp_millis(), 1_672_515_840_000);
    }

    #[test]
    fn rejects_frames_that_are_neither_klines_nor_trades() {
        assert!(stream_frame("not json").is_err());
        assert!(stream_frame(r#"{"stream":"x","data":{"e":"aggTrade","s":"X"}}"#).is_err());
        assert!(stream_frame(r#"{"stream":"x","data":{"s":"X"}}"#).is_err());
        assert!(stream_frame(r#"{"stream":"x","data":{"e":"kline","s":"X"}}"#).is_err());
        let bad_price = DOC.replace(r#""o":"0.0010""#, r#""o":"abc""#);
        let k = kline_frame(&bad_price).unwrap();
        assert!(k.candle(&bnb()).is_err());
    }

    #[test]
    fn reads_the_documented_trade_event() {
        let t = trade_frame(TRADE_DOC).unwrap();
        assert_eq!(t.venue_symbol, "BNBBTC");
        assert_eq!(t.trade_id, 12_345);
        let trade = t.trade(&bnb()).unwrap();
        assert_eq!(trade.symbol, bnb());
        assert_eq!(trade.price.value(), rust_decimal::Decimal::new(1, 3));
        assert_eq!(trade.qty.value(), rust_decimal::Decimal::from(100));
        // "m": true -> the buyer was the maker, so the seller was the aggressor.
        assert_eq!(trade.aggressor, Some(Side::Sell));
        assert_eq!(trade.ts.timestamp_millis(), 1_672_515_782_136);
        let taker_buy = trade_frame(&TRADE_DOC.replace(r#""m":true"#, r#""m":false"#)).unwrap();
        assert_eq!(taker_buy.trade(&bnb()).unwrap().aggressor, Some(Side::Buy));
    }

    #[test]
    fn rejects_trades_with_missing_or_impossible_fields() {
        for bad in [
            TRADE_DOC.replace(r#""t":12345,"#, ""),
            TRADE_DOC.replace(r#""t":12345"#, r#""t":-1"#),
            TRADE_DOC.replace(r#""p":"0.001""#, r#""p":0.001"#),
        ] {
            assert!(stream_frame(&bad).is_err(), "{bad}");
        }
        for bad in [
            TRADE_DOC.replace(r#""p":"0.001""#, r#""p":"abc""#),
            TRADE_DOC.replace(r#""p":"0.001""#, r#""p":"0""#),
            TRADE_DOC.replace(r#""q":"100""#, r#""q":"-1""#),
        ] {
            let t = trade_frame(&bad).unwrap();
            assert!(t.trade(&bnb()).is_err(), "{bad}");
        }
    }
}
