//! WebSocket market data: the combined-stream connection, its wire shapes and their parsing,
//! and the kline feed built on them (the `MarketDataFeed` port).

pub(crate) mod client;
pub mod feed;
pub(crate) mod messages;
pub(crate) mod parse;
