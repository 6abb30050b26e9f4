//! Ports: the traits through which the core talks to the outside world.
//!
//! Each trait's documentation states the contract every implementation MUST keep;
//! the shared conformance suites test exactly those sentences.

mod account_rules;
mod advisor;
mod execution;
mod market_data;
mod notifier;
mod outbox;
mod store;
mod strategy;

pub use account_rules::{AccountContext, AccountRules, AccountStateError, RuleVerdict};
pub use advisor::{
    Advisor, AdvisorContext, AdvisorOutcome, AdvisorStateError, Recommendation, RecommendedAction,
};
pub use execution::{ExecutionVenue, SubmitOutcome, VenueError};
pub use market_data::{FeedError, MarketDataFeed};
pub use notifier::{Notifier, NotifyError};
pub use outbox::{
    AlertOutbox, DeliveryCounts, DeliveryStatus, IgnoreReason, IgnoredCommand, OutboxEntry,
    OutboxMessage,
};
pub use store::{
    AuditRecord, AuditVerification, BrokenLink, ChainHead, ChainVerifier, DailyReport, EventBatch,
    GENESIS_HASH, Heartbeat, Link, LinkProblem, OperatorCommand, OperatorRequest,
    REQUEST_EVENT_ID_PREFIX, Sha256, Store, StoreError, fills_fall_short, link_hash,
    request_event_id,
};
pub use strategy::Strategy;
