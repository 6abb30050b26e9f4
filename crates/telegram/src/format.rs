//! Alert and reply text in Telegram's HTML parse mode.
//!
//! HTML mode was chosen over MarkdownV2 because only three characters need escaping
//! (`&`, `<`, `>`), against eighteen in MarkdownV2, so a symbol like `BTC-USD` or a
//! figure like `-2.5%` cannot break a message. Every piece of text that did not come
//! from this module goes through [`escape_html`].

use domain::{Alert, Severity};

/// Telegram's limit on a message after entity parsing.
pub const MAX_MESSAGE_CHARS: usize = 4096;

/// Room kept for the header and the truncation mark.
const MAX_BODY_CHARS: usize = 3500;

/// Escapes text for Telegram HTML: `&` → `&amp;`, `<` → `&lt;`, `>` → `&gt;`, `"` → `&quot;`.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

/// `text` cut to at most `max` characters (not bytes), with `…` when cut.
pub fn truncate_chars(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// The emoji and label that open a message of this severity.
pub fn severity_prefix(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "🚨 <b>CRITICAL</b>",
        Severity::Warning => "⚠️ <b>WARNING</b>",
        Severity::Info => "ℹ️ <b>INFO</b>",
    }
}

/// The header line: `🚨 <b>CRITICAL</b> · kill_switch · BTC-USD`.
fn header(alert: &Alert) -> String {
    let mut line = format!(
        "{} · {}",
        severity_prefix(alert.severity),
        alert.kind.as_str()
    );
    if let Some(symbol) = &alert.symbol {
        line.push_str(" · <code>");
        line.push_str(&escape_html(symbol.as_str()));
        line.push_str("</code>");
    }
    line
}

/// One alert as a concise HTML message: header line, then the (escaped) message.
pub fn format_alert(alert: &Alert) -> String {
    format!(
        "{}\n{}",
        header(alert),
        escape_html(&truncate_chars(&alert.message, MAX_BODY_CHARS))
    )
}

/// The summary of `count` similar alerts suppressed within `window_secs`, quoting the last one.
pub fn format_storm_summary(last: &Alert, count: u64, window_secs: u64) -> String {
    format!(
        "{}\n<b>{count} similar alerts</b> in the last {window_secs} s; last: {}",
        header(last),
        escape_html(&truncate_chars(&last.message, MAX_BODY_CHARS))
    )
}

/// A plain-text reply (from the command handler) as HTML: escaped, length-capped.
pub fn format_reply(text: &str) -> String {
    escape_html(&truncate_chars(text, MAX_BODY_CHARS))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use domain::{AlertKind, Symbol};

    fn alert(message: &str) -> Alert {
        Alert {
            severity: Severity::Critical,
            kind: AlertKind::KillSwitch,
            message: message.into(),
            symbol: Some(Symbol::new("BTC-USD").unwrap()),
            at: chrono::Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap(),
        }
    }

    #[test]
    fn escapes_the_three_html_specials_and_quotes() {
        assert_eq!(
            escape_html("a<b> & \"c\" <script>"),
            "a&lt;b&gt; &amp; &quot;c&quot; &lt;script&gt;"
        );
        // Already-escaped text is escaped again (it is text, not markup).
        assert_eq!(escape_html("&amp;"), "&amp;amp;");
        // MarkdownV2 specials pass untouched in HTML mode.
        assert_eq!(escape_html("_*[]()~`#+-=|{}.!"), "_*[]()~`#+-=|{}.!");
    }

    #[test]
    fn alert_message_is_escaped_and_markup_is_ours() {
        let text = format_alert(&alert("loss > 5% & equity < floor <b>x</b>"));
        assert_eq!(
            text,
            "🚨 <b>CRITICAL</b> · kill_switch · <code>BTC-USD</code>\n\
             loss &gt; 5% &amp; equity &lt; floor &lt;b&gt;x&lt;/b&gt;"
        );
    }

    #[test]
    fn long_messages_are_cut_on_characters_within_telegrams_limit() {
        let text = format_alert(&alert(&"é".repeat(10_000)));
        assert!(text.chars().count() < MAX_MESSAGE_CHARS);
        assert!(text.ends_with('…'));
    }
}
