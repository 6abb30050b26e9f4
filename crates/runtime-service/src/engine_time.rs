//! One notion of now: the engine clock's time for an account, which every window of
//! readiness, status, exports, reports and Telegram is measured back from
//! (ARCHITECTURE.md section 2: "a replay judges the replay").
//!
//! The engine's clock is the wall clock on a live feed and data time in a replay. After
//! the session has stopped, the store still says which: the latest heartbeat names the
//! feed, and the stored state's `last_event_at` is where a replay's clock stood. So
//! [`engine_now`] answers from the store, and [`EngineNow::of_status`] from a running
//! session's status board, both through [`EngineNow::new`].
//!
//! Heartbeat age is the one window that also asks whether the process is alive, which
//! only the wall clock can tell. [`EngineNow::heartbeat_on_engine_clock`] takes a
//! replay's heartbeat as fresh when it is recent on either clock: recent on the wall
//! clock (the replay is beating now, however fast its data time runs) or recent on the
//! engine clock (it beat up to the end of the data it processed, so a finished replay
//! is not "stale" forever and its real verdict shows). A live account has one clock,
//! the wall clock, so a frozen live runtime is caught exactly as before.

use chrono::Duration;
use domain::Timestamp;
use domain::ports::{Heartbeat, Store, StoreError};
use serde::Serialize;

use crate::gather;

/// What "now" is for an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct EngineNow {
    /// The engine clock's time: every window ends here.
    pub engine_time: Timestamp,
    /// The wall clock's time when it was read.
    pub wall_time: Timestamp,
    /// Whether the engine clock is data time (the account's last session replayed
    /// files) rather than the wall clock.
    pub data_time: bool,
}

impl EngineNow {
    /// The account's now: data time `engine_time` when its last session replayed files
    /// and its clock was set, else the wall clock (live feeds, an empty store).
    pub fn new(replay: bool, engine_time: Option<Timestamp>, wall: Timestamp) -> Self {
        match engine_time {
            Some(at) if replay => Self {
                engine_time: at,
                wall_time: wall,
                data_time: true,
            },
            _ => Self::wall(wall),
        }
    }

    /// A clock that is the wall clock (a live feed).
    pub fn wall(wall: Timestamp) -> Self {
        Self {
            engine_time: wall,
            wall_time: wall,
            data_time: false,
        }
    }

    /// The now of a running session, from the status it publishes every second: its
    /// engine clock (data time in a replay); `None` before it published one.
    pub fn of_status(status: &crate::StatusSnapshot, wall: Timestamp) -> Option<Self> {
        status.engine_time?;
        Some(Self::new(status.feed == REPLAY, status.engine_time, wall))
    }

    /// When `heartbeat` was written, on the engine clock, for readiness to age it
    /// against [`EngineNow::engine_time`]: on a live account its (wall-clock) time; on
    /// a replay, `engine_time` minus its age on whichever clock it is fresher on (see the
    /// module docs).
    pub fn heartbeat_on_engine_clock(&self, heartbeat: &Heartbeat) -> Timestamp {
        if !self.data_time {
            return heartbeat.at;
        }
        let wall_age = (self.wall_time - heartbeat.at).max(Duration::zero());
        let age = match heartbeat_engine_time(heartbeat) {
            Some(t) => wall_age.min((self.engine_time - t).max(Duration::zero())),
            None => wall_age,
        };
        self.engine_time - age
    }
}

/// The feed name a replay's heartbeat and status carry.
const REPLAY: &str = "replay";

/// Whether the session that wrote `heartbeat` replayed files.
pub fn is_replay(heartbeat: &Heartbeat) -> bool {
    heartbeat.detail["feed"] == REPLAY
}

/// The engine clock's time when `heartbeat` was written (the heartbeat's `event_time`),
/// if it had processed an event.
fn heartbeat_engine_time(heartbeat: &Heartbeat) -> Option<Timestamp> {
    serde_json::from_value(heartbeat.detail.get("event_time")?.clone()).ok()
}

/// The account's now from the store at wall-clock `wall`: the engine clock's time as
/// last recorded (the stored state's `last_event_at` when the latest session replayed
/// files), or the wall clock (live feeds, whose engine clock is the wall clock).
pub async fn engine_now(store: &dyn Store, wall: Timestamp) -> Result<EngineNow, StoreError> {
    let replay = store
        .last_heartbeat(gather::INSTANCE)
        .await?
        .is_some_and(|h| is_replay(&h));
    if !replay {
        return Ok(EngineNow::wall(wall));
    }
    let at = gather::stored_state(store)
        .await?
        .and_then(|s| s.last_event_at);
    Ok(EngineNow::new(true, at, wall))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn t(y: i32, mo: u32, d: u32, h: u32) -> Timestamp {
        Utc.with_ymd_and_hms(y, mo, d, h, 0, 0).unwrap()
    }

    fn beat(at: Timestamp, feed: &str, event_time: Option<Timestamp>) -> Heartbeat {
        Heartbeat {
            instance: gather::INSTANCE.into(),
            at,
            detail: serde_json::json!({"feed": feed, "event_time": event_time}),
        }
    }

    #[test]
    fn a_replay_account_is_on_data_time_and_a_live_one_on_the_wall_clock() {
        let wall = t(2026, 12, 7, 13);
        let data = t(2024, 1, 5, 10);
        let replay = EngineNow::new(true, Some(data), wall);
        assert_eq!(replay.engine_time, data);
        assert!(replay.data_time);
        assert_eq!(
            EngineNow::new(false, Some(data), wall),
            EngineNow::wall(wall)
        );
        // A replay that has not processed an event yet has no data time to stand on.
        assert_eq!(EngineNow::new(true, None, wall), EngineNow::wall(wall));
    }

    #[test]
    fn a_finished_replay_heartbeat_is_aged_on_data_time_not_on_the_wall_clock() {
        let data_end = t(2024, 1, 5, 10);
        // The final beat of a replay that ended a month of wall time ago.
        let hb = beat(t(2026, 11, 7, 13), "replay", Some(data_end));
        let now = EngineNow::new(true, Some(data_end), t(2026, 12, 7, 13));
        assert_eq!(now.heartbeat_on_engine_clock(&hb), data_end);
    }

    #[test]
    fn a_running_replay_heartbeat_is_fresh_on_the_wall_clock_however_fast_data_time_runs() {
        let wall = t(2026, 12, 7, 13);
        // Beat one second ago, when the replay's clock stood three data days back.
        let hb = beat(
            wall - Duration::seconds(1),
            "replay",
            Some(t(2024, 1, 2, 10)),
        );
        let now = EngineNow::new(true, Some(t(2024, 1, 5, 10)), wall);
        assert_eq!(
            now.heartbeat_on_engine_clock(&hb),
            t(2024, 1, 5, 10) - Duration::seconds(1)
        );
    }

    #[test]
    fn a_live_heartbeat_is_aged_on_the_wall_clock_so_a_frozen_runtime_is_caught() {
        let wall = t(2026, 12, 7, 13);
        let hb = beat(wall - Duration::hours(3), "binance", Some(wall));
        let now = EngineNow::wall(wall);
        assert_eq!(
            now.heartbeat_on_engine_clock(&hb),
            wall - Duration::hours(3)
        );
    }
}
