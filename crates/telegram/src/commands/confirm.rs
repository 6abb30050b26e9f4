//! Two-step confirmation of risk-raising commands (`/resume`).
//!
//! `/resume <reason>` does not act: it issues a one-time code bound to the sender and
//! the chat, valid for a TTL (60 s) measured on the domain clock. Only that user, in
//! that chat, sending `/confirm <code>` before it expires executes the resume; the
//! code is then spent. An expired code is refused and dropped; someone else's code is
//! refused and left for its owner. A new `/resume` replaces the sender's previous code.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::Duration;
use domain::Timestamp;
use thiserror::Error;

/// Where one-time codes come from.
pub trait CodeSource: Send + Sync {
    /// A fresh code of decimal digits, or `None` when no randomness is available.
    fn next_code(&self) -> Option<String>;
}

/// Six-digit codes from the operating system's random source.
#[derive(Debug, Clone, Copy, Default)]
pub struct OsRandomCodes;

impl CodeSource for OsRandomCodes {
    fn next_code(&self) -> Option<String> {
        let mut bytes = [0u8; 4];
        getrandom::fill(&mut bytes).ok()?;
        Some(format!("{:06}", u32::from_le_bytes(bytes) % 1_000_000))
    }
}

/// Why a code was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum ConfirmError {
    /// No such pending code (never issued, already used, or replaced).
    #[error("unknown or already used code")]
    Unknown,
    /// The code's time ran out.
    #[error("the code expired")]
    Expired,
    /// The code belongs to another user or chat.
    #[error("the code was issued to someone else")]
    Foreign,
    /// No random code could be generated.
    #[error("no confirmation code could be generated")]
    NoRandomness,
}

#[derive(Debug, Clone)]
struct Pending {
    user_id: i64,
    chat_id: i64,
    reason: String,
    expires_at: Timestamp,
}

/// The pending confirmations (in memory: a restart drops them, which only means the
/// operator asks again).
pub struct Confirmations {
    ttl: Duration,
    codes: Box<dyn CodeSource>,
    pending: Mutex<HashMap<String, Pending>>,
}

impl std::fmt::Debug for Confirmations {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Confirmations")
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

impl Confirmations {
    /// Codes valid for `ttl`, drawn from `codes`.
    pub fn new(ttl: Duration, codes: Box<dyn CodeSource>) -> Self {
        Self {
            ttl,
            codes,
            pending: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Pending>> {
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Issues a code for `user_id` in `chat_id` to resume with `reason`; returns the
    /// code and its expiry.
    pub fn issue(
        &self,
        user_id: i64,
        chat_id: i64,
        reason: &str,
        now: Timestamp,
    ) -> Result<(String, Timestamp), ConfirmError> {
        let mut pending = self.lock();
        pending.retain(|_, p| p.expires_at > now && p.user_id != user_id);
        // A collision with another user's live code: draw again (a few times at most).
        let code = (0..8)
            .filter_map(|_| self.codes.next_code())
            .find(|c| !pending.contains_key(c))
            .ok_or(ConfirmError::NoRandomness)?;
        let expires_at = now + self.ttl;
        pending.insert(
            code.clone(),
            Pending {
                user_id,
                chat_id,
                reason: reason.to_string(),
                expires_at,
            },
        );
        Ok((code, expires_at))
    }

    /// Spends `code` for `user_id` in `chat_id` at `now`; returns the reason it was issued with.
    pub fn confirm(
        &self,
        code: &str,
        user_id: i64,
        chat_id: i64,
        now: Timestamp,
    ) -> Result<String, ConfirmError> {
        let mut pending = self.lock();
        let Some(p) = pending.get(code) else {
            return Err(ConfirmError::Unknown);
        };
        if now >= p.expires_at {
            pending.remove(code);
            return Err(ConfirmError::Expired);
        }
        if p.user_id != user_id || p.chat_id != chat_id {
            return Err(ConfirmError::Foreign);
        }
        pending
            .remove(code)
            .map(|p| p.reason)
            .ok_or(ConfirmError::Unknown)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use std::sync::atomic::{AtomicU32, Ordering};

    struct Seq(AtomicU32);
    impl CodeSource for Seq {
        fn next_code(&self) -> Option<String> {
            Some(format!("{:06}", self.0.fetch_add(1, Ordering::Relaxed)))
        }
    }

    fn confirmations() -> Confirmations {
        Confirmations::new(Duration::seconds(60), Box::new(Seq(AtomicU32::new(1))))
    }

    #[test]
    fn only_the_same_user_in_the_same_chat_within_the_ttl_confirms_once() {
        let t0 = chrono::Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        let c = confirmations();
        let (code, expires) = c.issue(1, 10, "reviewed", t0).unwrap();
        assert_eq!(expires, t0 + Duration::seconds(60));
        assert_eq!(c.confirm(&code, 2, 10, t0), Err(ConfirmError::Foreign));
        assert_eq!(c.confirm(&code, 1, 11, t0), Err(ConfirmError::Foreign));
        assert_eq!(
            c.confirm(&code, 1, 10, t0 + Duration::seconds(59)),
            Ok("reviewed".into())
        );
        assert_eq!(c.confirm(&code, 1, 10, t0), Err(ConfirmError::Unknown));
    }

    #[test]
    fn expired_and_replaced_codes_are_refused() {
        let t0 = chrono::Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        let c = confirmations();
        let (code, _) = c.issue(1, 10, "a", t0).unwrap();
        assert_eq!(
            c.confirm(&code, 1, 10, t0 + Duration::seconds(60)),
            Err(ConfirmError::Expired)
        );
        let (first, _) = c.issue(1, 10, "b", t0).unwrap();
        let (second, _) = c.issue(1, 10, "c", t0).unwrap();
        assert_eq!(c.confirm(&first, 1, 10, t0), Err(ConfirmError::Unknown));
        assert_eq!(c.confirm(&second, 1, 10, t0), Ok("c".into()));
    }

    #[test]
    fn os_codes_are_six_digits() {
        let code = OsRandomCodes.next_code().unwrap();
        assert_eq!(code.len(), 6);
        assert!(code.bytes().all(|b| b.is_ascii_digit()));
    }
}
