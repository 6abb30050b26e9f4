//! `ReplayFeed`: the `MarketDataFeed` port over merged candle files, at simulated time
//! (as fast as possible, moving a `SimClock` to each candle's close) or paced against
//! the tokio clock (a speed factor of data time per real time).
//!
//! `ClockedReplay` is the same simulated-time replay as a plain synchronous iterator,
//! for a backtest loop that does not want an async runtime.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use domain::ports::{FeedError, MarketDataFeed};
use domain::{Candle, MarketEvent, SimClock, Timestamp};
use tokio::time::Instant;

use crate::error::ReplayError;
use crate::merge::MergedCandles;
use crate::range::TimeRange;
use crate::source::SymbolFile;
use crate::stats::ReplayStats;

/// How fast a replay hands out events.
#[derive(Debug, Clone)]
pub enum Pacing {
    /// No waiting: the simulated clock jumps to each candle's close time before it is returned.
    AsFastAsPossible {
        /// The clock the engine reads; moved forward only.
        clock: Arc<SimClock>,
    },
    /// Waits the data-time distance between events divided by `speed`
    /// (60.0 = one minute of data per second); the first event comes at once.
    Paced {
        /// Data time per real time; finite and > 0.
        speed: f64,
    },
}

impl Pacing {
    /// Paced mode, with the speed factor validated.
    pub fn paced(speed: f64) -> Result<Self, ReplayError> {
        let pacing = Pacing::Paced { speed };
        pacing.validate()?;
        Ok(pacing)
    }

    /// Checks the speed factor of paced mode (finite, > 0).
    pub fn validate(&self) -> Result<(), ReplayError> {
        match self {
            Pacing::Paced { speed } if !(speed.is_finite() && *speed > 0.0) => {
                Err(ReplayError::InvalidSpeed { speed: *speed })
            }
            _ => Ok(()),
        }
    }
}

/// Moves the simulated clock to the candle's close; a clock already past it is an error
/// naming the candle's `file:line`.
fn advance_clock(
    clock: &SimClock,
    candle: &Candle,
    candles: &MergedCandles,
) -> Result<(), FeedError> {
    clock.advance_to(candle.close_time()).map_err(|e| {
        let (source_name, line) = candles
            .last_position()
            .map_or((String::new(), 0), |p| (p.source_name.to_string(), p.line));
        FeedError::Parse {
            source_name,
            line,
            message: format!("close_time: {e}; start the clock at or before the first candle"),
        }
    })
}

/// Candle files as a `MarketDataFeed`: `MarketEvent::Candle`s in merged time order, then `Ok(None)`.
///
/// An error is final: it is returned again on every later call, so a failed replay never
/// looks exhausted. Rows are read from disk on the caller's task (small buffered reads).
#[derive(Debug)]
pub struct ReplayFeed {
    candles: MergedCandles,
    pacing: Pacing,
    /// Paced mode: the real instant of the first event and its data time; later events are
    /// due relative to it, so time spent by the consumer does not accumulate as drift.
    anchor: Option<(Instant, Timestamp)>,
    failure: Option<FeedError>,
}

impl ReplayFeed {
    /// A feed over already merged candles; the pacing is validated.
    pub fn new(candles: MergedCandles, pacing: Pacing) -> Result<Self, ReplayError> {
        pacing.validate()?;
        Ok(Self {
            candles,
            pacing,
            anchor: None,
            failure: None,
        })
    }

    /// Opens and merges `files` (see [`MergedCandles::open`]) and paces them.
    pub fn open(
        files: impl IntoIterator<Item = SymbolFile>,
        range: TimeRange,
        pacing: Pacing,
    ) -> Result<Self, ReplayError> {
        Self::new(MergedCandles::open(files, range)?, pacing)
    }

    /// Counters so far: rows, candles per symbol, gaps, duplicates.
    pub fn stats(&self) -> ReplayStats {
        self.candles.stats()
    }

    /// The pacing in use.
    pub fn pacing(&self) -> &Pacing {
        &self.pacing
    }

    /// The merged candles underneath (for `last_position` and the like).
    pub fn candles(&self) -> &MergedCandles {
        &self.candles
    }

    /// How long after the first event one at `event_time` is due, in real time.
    fn due_after(first: Timestamp, event_time: Timestamp, speed: f64) -> Duration {
        let data = (event_time - first).to_std().unwrap_or_default();
        Duration::try_from_secs_f64(data.as_secs_f64() / speed).unwrap_or(Duration::MAX)
    }

    async fn pace(&mut self, candle: &Candle) -> Result<(), FeedError> {
        match &self.pacing {
            Pacing::AsFastAsPossible { clock } => advance_clock(clock, candle, &self.candles),
            Pacing::Paced { speed } => {
                let event_time = candle.close_time();
                match self.anchor {
                    None => self.anchor = Some((Instant::now(), event_time)),
                    Some((start, first)) => {
                        let wait = Self::due_after(first, event_time, *speed);
                        match start.checked_add(wait) {
                            Some(deadline) => tokio::time::sleep_until(deadline).await,
                            None => tokio::time::sleep(wait).await,
                        }
                    }
                }
                Ok(())
            }
        }
    }
}

#[async_trait]
impl MarketDataFeed for ReplayFeed {
    async fn next_event(&mut self) -> Result<Option<MarketEvent>, FeedError> {
        if let Some(failure) = &self.failure {
            return Err(failure.clone());
        }
        let candle = match self.candles.next() {
            None => return Ok(None),
            Some(Ok(candle)) => candle,
            Some(Err(e)) => {
                self.failure = Some(e.clone());
                return Err(e);
            }
        };
        if let Err(e) = self.pace(&candle).await {
            self.failure = Some(e.clone());
            return Err(e);
        }
        Ok(Some(MarketEvent::Candle(candle)))
    }
}

/// Simulated-time replay as a synchronous iterator: moves the `SimClock` to each candle's
/// close time, then yields it as a `MarketEvent`. The first error ends the iteration.
#[derive(Debug)]
pub struct ClockedReplay {
    candles: MergedCandles,
    clock: Arc<SimClock>,
    done: bool,
    failed: bool,
}

impl ClockedReplay {
    /// Drives `clock` from `candles`.
    pub fn new(candles: MergedCandles, clock: Arc<SimClock>) -> Self {
        Self {
            candles,
            clock,
            done: false,
            failed: false,
        }
    }

    /// Counters so far: rows, candles per symbol, gaps, duplicates.
    pub fn stats(&self) -> ReplayStats {
        self.candles.stats()
    }

    /// Whether the iteration ended on an error rather than at the end of the data.
    pub fn failed(&self) -> bool {
        self.failed
    }
}

impl Iterator for ClockedReplay {
    type Item = Result<MarketEvent, FeedError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let item = match self.candles.next() {
            None => None,
            Some(Ok(candle)) => Some(
                advance_clock(&self.clock, &candle, &self.candles)
                    .map(|()| MarketEvent::Candle(candle)),
            ),
            Some(Err(e)) => Some(Err(e)),
        };
        match item {
            Some(Ok(_)) => {}
            Some(Err(_)) => {
                self.done = true;
                self.failed = true;
            }
            None => self.done = true,
        }
        item
    }
}
