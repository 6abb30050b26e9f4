//! The `MarketDataFeed` port: simulated clock, paced mode, final errors; and `ClockedReplay`.

use std::sync::Arc;
use std::time::Duration;

use domain::ports::MarketDataFeed;
use domain::{Clock, MarketEvent, SimClock};
use replay::{
    ClockedReplay, MergedCandles, Pacing, ReplayError, ReplayFeed, SymbolFile, TimeRange,
};

use crate::support::{at, ours, write_file};

fn two_symbol_files(dir: &std::path::Path) -> Vec<SymbolFile> {
    let btc = write_file(
        dir,
        "BTC-USD.csv",
        &ours(&[(0, "1"), (1, "1"), (2, "1"), (5, "1")]),
        false,
    );
    let eth = write_file(
        dir,
        "ETH-USD.csv",
        &ours(&[(0, "2"), (2, "2"), (4, "2")]),
        false,
    );
    vec![
        SymbolFile::from_path(btc)
            .unwrap()
            .with_interval(replay::Interval::ONE_MINUTE),
        SymbolFile::from_path(eth).unwrap(),
    ]
}

#[tokio::test]
async fn as_fast_as_possible_moves_the_sim_clock_to_each_close_time() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(SimClock::new(at(0)));
    let pacing = Pacing::AsFastAsPossible {
        clock: Arc::clone(&clock),
    };
    let mut feed = ReplayFeed::open(two_symbol_files(dir.path()), TimeRange::ALL, pacing).unwrap();
    let mut seen = Vec::new();
    while let Some(event) = feed.next_event().await.unwrap() {
        let MarketEvent::Candle(candle) = &event else {
            panic!("a candle replay delivers candles");
        };
        assert_eq!(
            clock.now(),
            candle.close_time(),
            "clock at the close when the event arrives"
        );
        seen.push((event.event_time() - at(0)).num_minutes());
    }
    assert_eq!(seen, vec![1, 2, 2, 3, 4, 6, 6]);
    assert!(
        feed.next_event().await.unwrap().is_none(),
        "stays exhausted"
    );
    assert_eq!(feed.stats().candles_total(), 7);
    assert_eq!(feed.stats().gap_count, 1, "BTC misses the 3m and 4m bars");
    assert_eq!(feed.stats().missing_bars, 2);
}

#[tokio::test]
async fn a_clock_already_past_the_data_is_an_error_naming_the_candle() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(SimClock::new(at(60)));
    let mut feed = ReplayFeed::open(
        two_symbol_files(dir.path()),
        TimeRange::ALL,
        Pacing::AsFastAsPossible { clock },
    )
    .unwrap();
    let err = feed.next_event().await.unwrap_err();
    assert!(
        err.to_string()
            .contains("BTC-USD.csv:2: close_time: simulated clock cannot go back"),
        "{err}"
    );
}

#[tokio::test(start_paused = true)]
async fn paced_mode_waits_the_data_time_divided_by_speed() {
    let dir = tempfile::tempdir().unwrap();
    let mut feed = ReplayFeed::open(
        two_symbol_files(dir.path()),
        TimeRange::ALL,
        Pacing::paced(60.0).unwrap(),
    )
    .unwrap();
    let start = tokio::time::Instant::now();
    let mut arrivals = Vec::new();
    while let Some(event) = feed.next_event().await.unwrap() {
        arrivals.push(((event.event_time() - at(0)).num_minutes(), start.elapsed()));
    }
    // One minute of data per second; the first event (closing at minute 1) comes at once.
    let expected: Vec<(i64, Duration)> = [(1, 0), (2, 1), (2, 1), (3, 2), (4, 3), (6, 5), (6, 5)]
        .iter()
        .map(|(m, s)| (*m, Duration::from_secs(*s)))
        .collect();
    assert_eq!(arrivals, expected);
}

#[tokio::test(start_paused = true)]
async fn paced_mode_does_not_drift_when_the_consumer_is_slow() {
    let dir = tempfile::tempdir().unwrap();
    let mut feed = ReplayFeed::open(
        two_symbol_files(dir.path()),
        TimeRange::ALL,
        Pacing::paced(600.0).unwrap(),
    )
    .unwrap();
    let start = tokio::time::Instant::now();
    feed.next_event().await.unwrap();
    // The consumer spends 50 ms; the next event is still due 100 ms after the first.
    tokio::time::sleep(Duration::from_millis(50)).await;
    feed.next_event().await.unwrap();
    assert_eq!(start.elapsed(), Duration::from_millis(100));
}

#[test]
fn paced_mode_rejects_a_speed_that_is_not_finite_and_positive() {
    for speed in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        let err = Pacing::paced(speed).unwrap_err();
        assert!(matches!(err, ReplayError::InvalidSpeed { .. }), "{speed}");
        let candles = MergedCandles::from_readers([]);
        assert!(
            ReplayFeed::new(candles, Pacing::Paced { speed }).is_err(),
            "{speed}"
        );
    }
}

#[tokio::test]
async fn an_error_is_returned_again_rather_than_looking_exhausted() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(
        dir.path(),
        "BTC-USD.csv",
        "ts,open,high,low,close,volume\nnope,1,1,1,1,1\n",
        false,
    );
    let mut feed = ReplayFeed::open(
        [SymbolFile::from_path(&path).unwrap()],
        TimeRange::ALL,
        Pacing::AsFastAsPossible {
            clock: Arc::new(SimClock::new(at(0))),
        },
    )
    .unwrap();
    let first = feed.next_event().await.unwrap_err();
    let second = feed.next_event().await.unwrap_err();
    assert_eq!(first, second);
    assert!(first.to_string().contains("BTC-USD.csv:2: ts:"), "{first}");
}

#[test]
fn clocked_replay_is_the_same_replay_without_a_runtime() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(SimClock::new(at(0)));
    let candles = MergedCandles::open(two_symbol_files(dir.path()), TimeRange::ALL).unwrap();
    let mut replay = ClockedReplay::new(candles, Arc::clone(&clock));
    let mut count = 0;
    for event in replay.by_ref() {
        let event = event.unwrap();
        assert_eq!(clock.now(), event.event_time());
        count += 1;
    }
    assert_eq!(count, 7);
    assert!(!replay.failed());
    assert_eq!(clock.now(), at(6));
    assert_eq!(replay.stats().candles_total(), 7);
}
