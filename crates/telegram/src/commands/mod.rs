//! Operator commands in: parse, authorise, confirm, answer.

mod confirm;
mod handler;
mod parse;
mod poller;

pub use confirm::{CodeSource, ConfirmError, Confirmations, OsRandomCodes};
pub use handler::{CommandContext, CommandHandler};
pub use parse::{Command, Parsed, parse_command};
pub use poller::{Access, CommandPoller, HandleOutcome, PollReport, PollerConfig};
