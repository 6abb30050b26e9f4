//! The `MarketDataFeed` port: candles and trades in time order.

use async_trait::async_trait;
use thiserror::Error;

use crate::market::MarketEvent;

/// Why a feed could not deliver the next event.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FeedError {
    /// A record could not be parsed; names where it came from.
    #[error("{source_name}:{line}: {message}")]
    Parse {
        /// File or stream name.
        source_name: String,
        /// 1-based line or message number.
        line: u64,
        /// What was wrong, naming the field.
        message: String,
    },
    /// The transport failed (I/O, disconnect); the feed may recover.
    #[error("feed transport error: {0}")]
    Transport(String),
}

/// A stream of market events.
///
/// Contract: implementations MUST deliver events of one symbol in non-decreasing
/// `event_time` order, MUST NOT deliver the same closed candle twice, and MUST
/// return `Ok(None)` only when the feed is exhausted (a live feed never is).
/// The feed need not live in this process (ARCHITECTURE.md section 7).
#[async_trait]
pub trait MarketDataFeed: Send {
    /// The next event, waiting for it if necessary.
    async fn next_event(&mut self) -> Result<Option<MarketEvent>, FeedError>;
}
