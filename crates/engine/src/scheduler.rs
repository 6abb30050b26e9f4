//! The job scheduler, on the engine's clock.
//!
//! Jobs are cron expressions (parsed by the `cron` crate, six or seven fields with
//! seconds first: `sec min hour day-of-month month day-of-week [year]`). The
//! scheduler is polled with the clock's `now` on every event, so a backtest
//! runs the same jobs as live, in simulated time. A job never overlaps itself:
//! `due` returns it once and not again until `finish` is called. When several
//! scheduled times have passed (the process was down, or the replay jumped),
//! they are coalesced into one run that reports how many were missed.
//!
//! Checking for due jobs is O(1) when nothing is due (one comparison).

use std::str::FromStr;

use chrono::{DateTime, Utc};
use cron::Schedule;
use serde::Serialize;

use crate::error::EngineError;
use domain::Timestamp;

/// Missed runs are counted up to this many; beyond it the count saturates.
const MAX_COUNTED_MISSES: u32 = 10_000;

/// The built-in jobs of ARCHITECTURE.md section 2 and their default schedules.
pub const DEFAULT_JOBS: [(&str, &str); 5] = [
    ("heartbeat", "0 * * * * *"),
    ("risk_book_snapshot", "0 */5 * * * *"),
    ("daily_summary", "0 0 23 * * *"),
    ("daily_health_report", "0 0 6 * * *"),
    ("weekly_shadow_report", "0 0 9 * * Mon"),
];

/// A job that is due now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DueJob {
    /// Job name.
    pub name: String,
    /// The latest scheduled time that has passed.
    pub scheduled_for: Timestamp,
    /// Earlier scheduled times folded into this run.
    pub missed: u32,
}

#[derive(Debug, Clone)]
struct Job {
    name: String,
    schedule: Schedule,
    next: Option<Timestamp>,
    running: bool,
}

/// Cron jobs on a clock that only moves forward.
#[derive(Debug, Clone)]
pub struct Scheduler {
    jobs: Vec<Job>,
    earliest: Option<Timestamp>,
}

impl Scheduler {
    /// A scheduler with no jobs; the first `register` sets up a job's next run from `now`.
    pub fn new() -> Self {
        Self {
            jobs: Vec::new(),
            earliest: None,
        }
    }

    /// A scheduler with [`DEFAULT_JOBS`], first runs computed from `now`.
    pub fn with_default_jobs(now: Timestamp) -> Result<Self, EngineError> {
        let mut s = Self::new();
        for (name, expr) in DEFAULT_JOBS {
            s.register(name, expr, now)?;
        }
        Ok(s)
    }

    /// Adds a job; its first run is the first scheduled time strictly after `now`.
    pub fn register(&mut self, name: &str, expr: &str, now: Timestamp) -> Result<(), EngineError> {
        let schedule = Schedule::from_str(expr).map_err(|e| EngineError::Schedule {
            job: name.to_string(),
            expr: expr.to_string(),
            message: e.to_string(),
        })?;
        if self.jobs.iter().any(|j| j.name == name) {
            return Err(EngineError::Schedule {
                job: name.to_string(),
                expr: expr.to_string(),
                message: "a job with this name is already registered".into(),
            });
        }
        let next = next_after(&schedule, now);
        self.jobs.push(Job {
            name: name.to_string(),
            schedule,
            next,
            running: false,
        });
        self.recompute_earliest();
        Ok(())
    }

    /// Names of the registered jobs.
    pub fn job_names(&self) -> impl Iterator<Item = &str> {
        self.jobs.iter().map(|j| j.name.as_str())
    }

    /// The next scheduled run of `name`.
    pub fn next_run(&self, name: &str) -> Option<Timestamp> {
        self.jobs
            .iter()
            .find(|j| j.name == name)
            .and_then(|j| j.next)
    }

    /// Jobs due at `now` that are not already running; each is marked running
    /// until [`Scheduler::finish`] is called for it.
    pub fn due(&mut self, now: Timestamp) -> Vec<DueJob> {
        match self.earliest {
            Some(t) if now >= t => {}
            _ => return Vec::new(),
        }
        let mut due = Vec::new();
        for job in &mut self.jobs {
            let Some(first) = job.next else { continue };
            if job.running || now < first {
                continue;
            }
            let mut latest = first;
            let mut missed = 0u32;
            let mut next = next_after(&job.schedule, first);
            while let Some(t) = next {
                if t > now {
                    break;
                }
                latest = t;
                missed += 1;
                if missed >= MAX_COUNTED_MISSES {
                    next = next_after(&job.schedule, now);
                    break;
                }
                next = next_after(&job.schedule, t);
            }
            job.next = next;
            job.running = true;
            due.push(DueJob {
                name: job.name.clone(),
                scheduled_for: latest,
                missed,
            });
        }
        self.recompute_earliest();
        due
    }

    /// Marks a job as finished so it can be due again.
    pub fn finish(&mut self, name: &str) {
        if let Some(job) = self.jobs.iter_mut().find(|j| j.name == name) {
            job.running = false;
        }
        self.recompute_earliest();
    }

    fn recompute_earliest(&mut self) {
        self.earliest = self
            .jobs
            .iter()
            .filter(|j| !j.running)
            .filter_map(|j| j.next)
            .min();
    }
}

impl Default for Scheduler {
    fn default() -> Self {
        Self::new()
    }
}

fn next_after(schedule: &Schedule, t: Timestamp) -> Option<Timestamp> {
    let t: DateTime<Utc> = t;
    schedule.after(&t).next()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn t(h: u32, m: u32, s: u32) -> Timestamp {
        Utc.with_ymd_and_hms(2024, 1, 1, h, m, s).unwrap()
    }

    #[test]
    fn a_job_is_due_once_its_time_passes() {
        let mut s = Scheduler::new();
        s.register("heartbeat", "0 * * * * *", t(0, 0, 30)).unwrap();
        assert!(s.due(t(0, 0, 59)).is_empty());
        let due = s.due(t(0, 1, 0));
        assert_eq!(
            due,
            vec![DueJob {
                name: "heartbeat".into(),
                scheduled_for: t(0, 1, 0),
                missed: 0
            }]
        );
        s.finish("heartbeat");
        assert_eq!(s.next_run("heartbeat"), Some(t(0, 2, 0)));
    }

    #[test]
    fn missed_runs_coalesce_into_one() {
        let mut s = Scheduler::new();
        s.register("snap", "0 */5 * * * *", t(0, 0, 0)).unwrap();
        let due = s.due(t(0, 23, 0));
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].scheduled_for, t(0, 20, 0));
        assert_eq!(due[0].missed, 3); // 00:05, 00:10, 00:15 folded into the 00:20 run
        s.finish("snap");
        assert_eq!(s.next_run("snap"), Some(t(0, 25, 0)));
    }

    #[test]
    fn a_running_job_never_overlaps_itself() {
        let mut s = Scheduler::new();
        s.register("heartbeat", "0 * * * * *", t(0, 0, 0)).unwrap();
        assert_eq!(s.due(t(0, 1, 0)).len(), 1);
        // Still running at the next tick: not due again.
        assert!(s.due(t(0, 2, 0)).is_empty());
        s.finish("heartbeat");
        let due = s.due(t(0, 2, 0));
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].scheduled_for, t(0, 2, 0));
    }

    #[test]
    fn default_jobs_parse_and_the_weekly_one_runs_on_monday() {
        // 2024-01-01 was a Monday.
        let mut s = Scheduler::with_default_jobs(t(0, 0, 0)).unwrap();
        assert_eq!(s.next_run("weekly_shadow_report"), Some(t(9, 0, 0)));
        assert_eq!(s.next_run("daily_summary"), Some(t(23, 0, 0)));
        let names: Vec<String> = s.due(t(9, 0, 0)).into_iter().map(|d| d.name).collect();
        assert!(names.contains(&"weekly_shadow_report".to_string()));
        assert!(names.contains(&"daily_health_report".to_string()));
        assert_eq!(
            s.next_run("weekly_shadow_report"),
            Some(t(9, 0, 0) + Duration::days(7))
        );
    }

    #[test]
    fn bad_expressions_and_duplicate_names_are_errors() {
        let mut s = Scheduler::new();
        let err = s.register("x", "every minute", t(0, 0, 0)).unwrap_err();
        assert!(err.to_string().contains("every minute"), "{err}");
        s.register("x", "0 * * * * *", t(0, 0, 0)).unwrap();
        assert!(s.register("x", "0 * * * * *", t(0, 0, 0)).is_err());
    }

    #[test]
    fn a_year_long_jump_is_counted_without_hanging() {
        let mut s = Scheduler::new();
        s.register("heartbeat", "0 * * * * *", t(0, 0, 0)).unwrap();
        let due = s.due(t(0, 0, 0) + Duration::days(365));
        assert_eq!(due[0].missed, MAX_COUNTED_MISSES);
        s.finish("heartbeat");
        assert_eq!(
            s.next_run("heartbeat"),
            Some(t(0, 1, 0) + Duration::days(365))
        );
    }
}
