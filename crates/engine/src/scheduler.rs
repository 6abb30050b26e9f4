//! The job scheduler, on the engine's clock.
//!
//! Jobs are cron expressions (parsed by the `cron` crate, six or seven fields with
//! seconds first: `sec min hour day-of-month month day-of-week [year]`), or
//! `@every <N>s|m|h` for fixed periods aligned to the Unix epoch (`@every 60s`
//! runs at every whole minute, like `0 * * * * *`, computed arithmetically
//! because it runs on every bar of a one-minute backtest). The
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

use crate::error::EngineError;
use domain::Timestamp;

/// Missed runs are counted up to this many; beyond it the count saturates.
const MAX_COUNTED_MISSES: u32 = 10_000;

/// The built-in jobs of ARCHITECTURE.md section 2 and their default schedules.
pub const DEFAULT_JOBS: [(&str, &str); 5] = [
    ("heartbeat", "@every 60s"),
    ("risk_book_snapshot", "@every 5m"),
    ("daily_summary", "0 0 23 * * *"),
    ("daily_health_report", "0 0 6 * * *"),
    ("weekly_shadow_report", "0 0 9 * * Mon"),
];

/// A registered job, as returned by [`Scheduler::register`]: cheap to copy and compare,
/// so dispatching a due job costs no string comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct JobId(usize);

/// A job that is due now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DueJob {
    /// The job ([`Scheduler::name`] gives its name).
    pub id: JobId,
    /// The latest scheduled time that has passed, as Unix seconds.
    pub scheduled_for_secs: i64,
    /// Earlier scheduled times folded into this run.
    pub missed: u32,
}

impl DueJob {
    /// The latest scheduled time that has passed.
    pub fn scheduled_for(&self) -> Timestamp {
        from_secs(self.scheduled_for_secs)
    }
}

fn from_secs(secs: i64) -> Timestamp {
    DateTime::from_timestamp(secs, 0).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// When a job runs.
#[derive(Debug, Clone)]
enum JobSchedule {
    /// A cron expression.
    Cron(Box<Schedule>),
    /// A fixed period in seconds, aligned to the Unix epoch.
    Every(i64),
}

impl JobSchedule {
    fn parse(expr: &str) -> Result<Self, String> {
        if let Some(period) = expr.strip_prefix("@every ") {
            let period = period.trim();
            let (digits, unit) = period.split_at(period.len().saturating_sub(1));
            let n: i64 = digits
                .parse()
                .map_err(|_| "expected @every <N>s|m|h, e.g. @every 60s".to_string())?;
            let secs = match unit {
                "s" => n,
                "m" => n * 60,
                "h" => n * 3600,
                _ => return Err("expected @every <N>s|m|h, e.g. @every 60s".into()),
            };
            if secs <= 0 {
                return Err("the period must be positive".into());
            }
            return Ok(JobSchedule::Every(secs));
        }
        Schedule::from_str(expr)
            .map(|s| JobSchedule::Cron(Box::new(s)))
            .map_err(|e| e.to_string())
    }

    /// The first scheduled time strictly after `t` (Unix seconds).
    fn next_after(&self, t: i64) -> Option<i64> {
        match self {
            JobSchedule::Cron(schedule) => {
                let t: DateTime<Utc> = from_secs(t);
                schedule.after(&t).next().map(|n| n.timestamp())
            }
            JobSchedule::Every(secs) => Some((t.div_euclid(*secs) + 1) * secs),
        }
    }

    /// The latest scheduled time in `[first, now]` and how many earlier ones it folds in.
    fn latest_until(&self, first: i64, now: i64) -> (i64, u32) {
        match self {
            JobSchedule::Every(secs) if now - first < *secs => (first, 0), // the common case
            JobSchedule::Every(secs) => {
                let n = (now - first).div_euclid(*secs);
                (
                    first + n * secs,
                    u32::try_from(n).unwrap_or(u32::MAX).min(MAX_COUNTED_MISSES),
                )
            }
            JobSchedule::Cron(_) => {
                let mut latest = first;
                let mut missed = 0u32;
                let mut next = self.next_after(first);
                while let Some(t) = next {
                    if t > now || missed >= MAX_COUNTED_MISSES {
                        break;
                    }
                    latest = t;
                    missed += 1;
                    next = self.next_after(t);
                }
                (latest, missed)
            }
        }
    }
}

#[derive(Debug, Clone)]
struct Job {
    name: Box<str>,
    schedule: JobSchedule,
    next: Option<i64>,
    running: bool,
    runs: u64,
}

/// Cron jobs on a clock that only moves forward. Times are kept as Unix seconds so
/// that polling on every event is integer arithmetic.
#[derive(Debug, Clone)]
pub struct Scheduler {
    jobs: Vec<Job>,
    earliest: Option<i64>,
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
    pub fn register(
        &mut self,
        name: &str,
        expr: &str,
        now: Timestamp,
    ) -> Result<JobId, EngineError> {
        let schedule = JobSchedule::parse(expr).map_err(|message| EngineError::Schedule {
            job: name.to_string(),
            expr: expr.to_string(),
            message,
        })?;
        if self.jobs.iter().any(|j| &*j.name == name) {
            return Err(EngineError::Schedule {
                job: name.to_string(),
                expr: expr.to_string(),
                message: "a job with this name is already registered".into(),
            });
        }
        let next = schedule.next_after(now.timestamp());
        let id = JobId(self.jobs.len());
        self.jobs.push(Job {
            name: Box::from(name),
            schedule,
            next,
            running: false,
            runs: 0,
        });
        self.recompute_earliest();
        Ok(id)
    }

    /// The id of the job called `name`, if registered.
    pub fn id(&self, name: &str) -> Option<JobId> {
        self.jobs.iter().position(|j| &*j.name == name).map(JobId)
    }

    /// The name of a job (empty for an id that this scheduler did not give).
    pub fn name(&self, id: JobId) -> &str {
        self.jobs.get(id.0).map_or("", |j| &j.name)
    }

    /// Names of the registered jobs.
    pub fn job_names(&self) -> impl Iterator<Item = &str> {
        self.jobs.iter().map(|j| &*j.name)
    }

    /// How many times each job has been due, by name.
    pub fn runs(&self) -> impl Iterator<Item = (&str, u64)> {
        self.jobs.iter().map(|j| (&*j.name, j.runs))
    }

    /// The next scheduled run of `name`.
    pub fn next_run(&self, name: &str) -> Option<Timestamp> {
        self.jobs
            .iter()
            .find(|j| &*j.name == name)
            .and_then(|j| j.next)
            .map(from_secs)
    }

    /// Jobs due at `now` that are not already running; each is marked running
    /// until [`Scheduler::finish`] is called for it.
    pub fn due(&mut self, now: Timestamp) -> Vec<DueJob> {
        let mut due = Vec::new();
        self.due_into(now, &mut due);
        due
    }

    /// Like [`Scheduler::due`], appending to a caller's buffer (no allocation per call).
    pub fn due_into(&mut self, now: Timestamp, due: &mut Vec<DueJob>) {
        let now = now.timestamp();
        match self.earliest {
            Some(t) if now >= t => {}
            _ => return,
        }
        for (i, job) in self.jobs.iter_mut().enumerate() {
            let Some(first) = job.next else { continue };
            if job.running || now < first {
                continue;
            }
            let (latest, missed) = job.schedule.latest_until(first, now);
            job.next = match job.schedule {
                // `latest <= now < latest + secs` by construction.
                JobSchedule::Every(secs) => Some(latest + secs),
                JobSchedule::Cron(_) => job.schedule.next_after(now.max(latest)),
            };
            job.running = true;
            job.runs += 1;
            due.push(DueJob {
                id: JobId(i),
                scheduled_for_secs: latest,
                missed,
            });
        }
        self.recompute_earliest();
    }

    /// Marks a job as finished so it can be due again.
    pub fn finish(&mut self, id: JobId) {
        if let Some(job) = self.jobs.get_mut(id.0) {
            job.running = false;
            if let Some(next) = job.next
                && self.earliest.is_none_or(|e| next < e)
            {
                self.earliest = Some(next);
            }
        }
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
        let heartbeat = s.register("heartbeat", "0 * * * * *", t(0, 0, 30)).unwrap();
        assert!(s.due(t(0, 0, 59)).is_empty());
        let due = s.due(t(0, 1, 0));
        assert_eq!(
            due,
            vec![DueJob {
                id: heartbeat,
                scheduled_for_secs: t(0, 1, 0).timestamp(),
                missed: 0
            }]
        );
        assert_eq!(s.name(heartbeat), "heartbeat");
        assert_eq!(s.id("heartbeat"), Some(heartbeat));
        s.finish(heartbeat);
        assert_eq!(s.next_run("heartbeat"), Some(t(0, 2, 0)));
    }

    #[test]
    fn missed_runs_coalesce_into_one() {
        let mut s = Scheduler::new();
        let snap = s.register("snap", "0 */5 * * * *", t(0, 0, 0)).unwrap();
        let due = s.due(t(0, 23, 0));
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].scheduled_for(), t(0, 20, 0));
        assert_eq!(due[0].missed, 3); // 00:05, 00:10, 00:15 folded into the 00:20 run
        s.finish(snap);
        assert_eq!(s.next_run("snap"), Some(t(0, 25, 0)));
    }

    #[test]
    fn a_running_job_never_overlaps_itself() {
        let mut s = Scheduler::new();
        let heartbeat = s.register("heartbeat", "0 * * * * *", t(0, 0, 0)).unwrap();
        assert_eq!(s.due(t(0, 1, 0)).len(), 1);
        // Still running at the next tick: not due again.
        assert!(s.due(t(0, 2, 0)).is_empty());
        s.finish(heartbeat);
        let due = s.due(t(0, 2, 0));
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].scheduled_for(), t(0, 2, 0));
    }

    #[test]
    fn default_jobs_parse_and_the_weekly_one_runs_on_monday() {
        // 2024-01-01 was a Monday.
        let mut s = Scheduler::with_default_jobs(t(0, 0, 0)).unwrap();
        assert_eq!(s.next_run("weekly_shadow_report"), Some(t(9, 0, 0)));
        assert_eq!(s.next_run("daily_summary"), Some(t(23, 0, 0)));
        let names: Vec<String> = s
            .due(t(9, 0, 0))
            .into_iter()
            .map(|d| s.name(d.id).to_string())
            .collect();
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
    fn every_schedules_align_to_the_epoch_and_coalesce() {
        let mut s = Scheduler::new();
        let snap = s.register("snap", "@every 5m", t(0, 2, 30)).unwrap();
        assert_eq!(s.next_run("snap"), Some(t(0, 5, 0)));
        let due = s.due(t(0, 21, 0));
        assert_eq!(due[0].scheduled_for(), t(0, 20, 0));
        assert_eq!(due[0].missed, 3);
        s.finish(snap);
        assert_eq!(s.next_run("snap"), Some(t(0, 25, 0)));
        assert!(s.register("bad", "@every 0s", t(0, 0, 0)).is_err());
        assert!(s.register("bad2", "@every 5x", t(0, 0, 0)).is_err());
    }

    #[test]
    fn a_year_long_jump_is_counted_without_hanging() {
        let mut s = Scheduler::new();
        let heartbeat = s.register("heartbeat", "0 * * * * *", t(0, 0, 0)).unwrap();
        let due = s.due(t(0, 0, 0) + Duration::days(365));
        assert_eq!(due[0].missed, MAX_COUNTED_MISSES);
        s.finish(heartbeat);
        assert_eq!(
            s.next_run("heartbeat"),
            Some(t(0, 1, 0) + Duration::days(365))
        );
    }
}
