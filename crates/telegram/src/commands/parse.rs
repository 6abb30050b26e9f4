//! Command text → [`Command`]: `/name[@bot] args`, as Telegram sends it in private
//! chats and groups.

/// Most signals `/signals N` lists.
pub const MAX_SIGNALS: u32 = 50;
/// Signals `/signals` lists without N.
pub const DEFAULT_SIGNALS: u32 = 10;
/// Longest reason kept for `/kill` and `/resume` (characters).
pub const MAX_REASON_CHARS: usize = 200;

/// An operator command the bot understands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Health summary and readiness verdict.
    Check,
    /// Mode, equity, level, kill switch.
    Status,
    /// Today's and 7 days' figures.
    Stats,
    /// Open positions.
    Positions,
    /// Limits and utilisation.
    Risk,
    /// The last N signals.
    Signals {
        /// How many (1..=50).
        last: u32,
    },
    /// Activate the kill switch (immediate: it only lowers risk).
    Kill {
        /// Why (required).
        reason: String,
    },
    /// Ask to clear the kill switch: answered with a one-time code.
    Resume {
        /// Why (required).
        reason: String,
    },
    /// Confirm a pending `/resume` with its code.
    Confirm {
        /// The one-time code.
        code: String,
    },
    /// The list of commands.
    Help,
}

impl Command {
    /// The command's name without the slash (a bounded metric/log label).
    pub fn name(&self) -> &'static str {
        match self {
            Command::Check => "check",
            Command::Status => "status",
            Command::Stats => "stats",
            Command::Positions => "positions",
            Command::Risk => "risk",
            Command::Signals { .. } => "signals",
            Command::Kill { .. } => "kill",
            Command::Resume { .. } => "resume",
            Command::Confirm { .. } => "confirm",
            Command::Help => "help",
        }
    }
}

/// What a message's text is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    /// Not a command (plain text).
    NotACommand,
    /// A command for another bot (`/status@otherbot`).
    OtherBot,
    /// A command this bot does not know.
    Unknown {
        /// The name as sent (lower-cased, without slash).
        name: String,
    },
    /// A known command with bad arguments.
    Invalid {
        /// The command's name.
        name: &'static str,
        /// Its usage line.
        usage: &'static str,
    },
    /// A valid command.
    Command(Command),
}

/// The help text (plain; escaped when sent).
pub const HELP: &str = "/check – health and readiness\n\
/status – mode, equity, level, kill switch\n\
/stats – today and 7 days\n\
/positions – open positions\n\
/risk – limits and utilisation\n\
/signals [N] – last N signals (default 10, max 50)\n\
/kill <reason> – activate the kill switch now\n\
/resume <reason> – clear the kill switch (asks for /confirm <code> within 60 s)\n\
/confirm <code> – confirm your pending /resume\n\
/help – this list";

/// Parses `text`; `bot_username` (without `@`) decides whether `/cmd@name` is ours
/// (`None`: any addressed command is taken as ours).
pub fn parse_command(text: &str, bot_username: Option<&str>) -> Parsed {
    let Some(rest) = text.trim_start().strip_prefix('/') else {
        return Parsed::NotACommand;
    };
    let (head, args) = match rest.split_once(char::is_whitespace) {
        Some((head, args)) => (head, args.trim()),
        None => (rest, ""),
    };
    let (name, target) = match head.split_once('@') {
        Some((name, target)) => (name, Some(target)),
        None => (head, None),
    };
    if let (Some(target), Some(bot)) = (target, bot_username)
        && !target.eq_ignore_ascii_case(bot.trim_start_matches('@'))
    {
        return Parsed::OtherBot;
    }
    if name.is_empty() {
        return Parsed::NotACommand;
    }
    let name = name.to_ascii_lowercase();
    let reason = |name: &'static str, usage: &'static str, make: fn(String) -> Command| {
        if args.is_empty() {
            Parsed::Invalid { name, usage }
        } else {
            Parsed::Command(make(crate::format::truncate_chars(args, MAX_REASON_CHARS)))
        }
    };
    match name.as_str() {
        "check" => Parsed::Command(Command::Check),
        "status" => Parsed::Command(Command::Status),
        "stats" => Parsed::Command(Command::Stats),
        "positions" => Parsed::Command(Command::Positions),
        "risk" => Parsed::Command(Command::Risk),
        "help" | "start" => Parsed::Command(Command::Help),
        "signals" => {
            if args.is_empty() {
                return Parsed::Command(Command::Signals {
                    last: DEFAULT_SIGNALS,
                });
            }
            match args.parse::<u32>() {
                Ok(last) if (1..=MAX_SIGNALS).contains(&last) => {
                    Parsed::Command(Command::Signals { last })
                }
                _ => Parsed::Invalid {
                    name: "signals",
                    usage: "/signals [N] with N from 1 to 50",
                },
            }
        }
        "kill" => reason("kill", "/kill <reason>", |reason| Command::Kill { reason }),
        "resume" => reason("resume", "/resume <reason>", |reason| Command::Resume {
            reason,
        }),
        "confirm" => {
            if !args.is_empty() && args.len() <= 12 && args.bytes().all(|b| b.is_ascii_digit()) {
                Parsed::Command(Command::Confirm {
                    code: args.to_string(),
                })
            } else {
                Parsed::Invalid {
                    name: "confirm",
                    usage: "/confirm <code> with the code the bot sent you",
                }
            }
        }
        _ => Parsed::Unknown { name },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_plain_addressed_and_argument_forms() {
        let bot = Some("guardrail_bot");
        assert_eq!(
            parse_command("/status", bot),
            Parsed::Command(Command::Status)
        );
        assert_eq!(
            parse_command("/status@guardrail_bot full", bot),
            Parsed::Command(Command::Status)
        );
        assert_eq!(
            parse_command("/STATUS@Guardrail_Bot", bot),
            Parsed::Command(Command::Status)
        );
        assert_eq!(parse_command("/status@other_bot", bot), Parsed::OtherBot);
        assert_eq!(
            parse_command("/status@other_bot", None),
            Parsed::Command(Command::Status)
        );
        assert_eq!(
            parse_command("plain text, no command", bot),
            Parsed::NotACommand
        );
        assert_eq!(parse_command("/", bot), Parsed::NotACommand);
        assert_eq!(
            parse_command("/halt@guardrail_bot", bot),
            Parsed::Unknown {
                name: "halt".into()
            }
        );
    }

    #[test]
    fn signals_takes_an_optional_bounded_count() {
        assert_eq!(
            parse_command("/signals", None),
            Parsed::Command(Command::Signals { last: 10 })
        );
        assert_eq!(
            parse_command("/signals 5", None),
            Parsed::Command(Command::Signals { last: 5 })
        );
        for bad in ["/signals 0", "/signals 51", "/signals -1", "/signals five"] {
            assert!(
                matches!(parse_command(bad, None), Parsed::Invalid { .. }),
                "{bad}"
            );
        }
    }

    #[test]
    fn kill_and_resume_need_a_reason_and_confirm_a_numeric_code() {
        assert!(matches!(
            parse_command("/kill", None),
            Parsed::Invalid { .. }
        ));
        assert!(matches!(
            parse_command("/resume   ", None),
            Parsed::Invalid { .. }
        ));
        assert_eq!(
            parse_command("/kill  feed looks stale <b>", None),
            Parsed::Command(Command::Kill {
                reason: "feed looks stale <b>".into()
            })
        );
        assert_eq!(
            parse_command("/confirm 012345", None),
            Parsed::Command(Command::Confirm {
                code: "012345".into()
            })
        );
        assert!(matches!(
            parse_command("/confirm abc", None),
            Parsed::Invalid { .. }
        ));
        let long = format!("/kill {}", "x".repeat(500));
        match parse_command(&long, None) {
            Parsed::Command(Command::Kill { reason }) => {
                assert_eq!(reason.chars().count(), MAX_REASON_CHARS);
            }
            other => panic!("{other:?}"),
        }
    }
}
