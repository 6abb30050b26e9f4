//! The operator status page at `/`: one self-contained HTML document (inline CSS,
//! no scripts, no external assets) that refreshes itself, for a glance from a
//! browser on the operator's network.
//!
//! Every piece of text that comes from the runtime — status values, reason
//! messages, error messages — goes through [`escape`]: the page must never let
//! data become markup.

use std::fmt::{self, Write};

use domain::Readiness;
use readiness::ReadinessDocument;
use serde_json::Value;

/// Seconds between automatic reloads of the page.
const REFRESH_SECONDS: u32 = 15;

/// The whole page for a status JSON and a readiness outcome.
pub(crate) fn render(status: &Value, readiness: &Result<ReadinessDocument, String>) -> String {
    let mut out = String::with_capacity(8 * 1024);
    // Writing into a String cannot fail; the fmt::Result is only the `?` plumbing.
    let _infallible = write_page(&mut out, status, readiness);
    out
}

fn write_page(
    out: &mut String,
    status: &Value,
    readiness: &Result<ReadinessDocument, String>,
) -> fmt::Result {
    write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"refresh\" content=\"{REFRESH_SECONDS}\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>Rampart status</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
         <h1>Rampart</h1>\n"
    )?;
    write_readiness(out, readiness)?;
    write_status(out, status)?;
    write!(
        out,
        "<footer>Refreshes every {REFRESH_SECONDS} s. JSON: \
         <a href=\"/api/status\">/api/status</a> · \
         <a href=\"/health/readiness\">/health/readiness</a> · \
         <a href=\"/metrics\">/metrics</a></footer>\n</body>\n</html>\n"
    )
}

fn write_readiness(out: &mut String, readiness: &Result<ReadinessDocument, String>) -> fmt::Result {
    out.push_str("<section>\n<h2>Readiness</h2>\n");
    let doc = match readiness {
        Ok(doc) => doc,
        Err(message) => {
            return write!(
                out,
                "<p class=\"verdict nogo\">Could not evaluate readiness: {}</p>\n</section>\n",
                escape(message)
            );
        }
    };
    write!(
        out,
        "<p class=\"verdict {}\">Overall ({}): {}</p>\n\
         <p class=\"verdict {}\">Live rollout: {}</p>\n\
         <p class=\"muted\">Evaluated at {}</p>\n",
        verdict_class(doc.overall_readiness),
        escape(doc.mode.as_str()),
        doc.overall_readiness.as_str(),
        verdict_class(doc.live_rollout_readiness),
        doc.live_rollout_readiness.as_str(),
        escape(&doc.evaluated_at.to_string()),
    )?;

    if !doc.live_rollout_reasons.is_empty() {
        out.push_str("<h3>Reasons</h3>\n<ul>\n");
        for r in &doc.live_rollout_reasons {
            writeln!(
                out,
                "<li><span class=\"sev\">[{}]</span> <code>{}</code> {}</li>",
                escape(r.severity.as_str()),
                escape(&r.code),
                escape(&r.message)
            )?;
        }
        out.push_str("</ul>\n");
    }

    out.push_str("<h3>Next actions</h3>\n<ol>\n");
    for action in &doc.live_rollout_next_actions {
        writeln!(out, "<li>{}</li>", escape(action))?;
    }
    out.push_str("</ol>\n");

    out.push_str("<h3>Components</h3>\n<table>\n");
    for (name, c) in &doc.components {
        writeln!(
            out,
            "<tr><th>{}</th><td class=\"{}\">{}</td><td>{}</td></tr>",
            escape(name),
            escape(c.status.as_str()),
            escape(c.status.as_str()),
            escape(&c.detail)
        )?;
    }
    out.push_str("</table>\n</section>\n");
    Ok(())
}

fn write_status(out: &mut String, status: &Value) -> fmt::Result {
    out.push_str("<section>\n<h2>Status</h2>\n<table>\n");
    match status {
        Value::Object(fields) => {
            for (key, value) in fields {
                writeln!(
                    out,
                    "<tr><th>{}</th><td>{}</td></tr>",
                    escape(key),
                    escape(&display_value(value))
                )?;
            }
        }
        other => writeln!(
            out,
            "<tr><th>status</th><td>{}</td></tr>",
            escape(&display_value(other))
        )?,
    }
    out.push_str("</table>\n</section>\n");
    Ok(())
}

/// Strings as they are, `null` as a dash, anything else as compact JSON.
fn display_value(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => "—".to_string(),
        other => other.to_string(),
    }
}

fn verdict_class(r: Readiness) -> &'static str {
    match r {
        Readiness::Go => "go",
        Readiness::Conditional => "conditional",
        Readiness::NoGo => "nogo",
    }
}

/// HTML-escapes text for element content and quoted attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2rem;max-width:60rem;color:#222}\
table{border-collapse:collapse}th,td{text-align:left;padding:.2rem .8rem;border-bottom:1px solid #ddd;vertical-align:top}\
.verdict{font-size:1.3rem;font-weight:bold;padding:.3rem .6rem;display:inline-block;margin:.2rem 0}\
.go{background:#d4f7d4}.conditional{background:#fff2c2}.nogo{background:#ffd0d0}\
.ok{color:#176317}.warning{color:#8a6100}.critical{color:#b00000;font-weight:bold}.unknown{color:#666}\
.muted,footer{color:#666;font-size:.9rem}footer{margin-top:2rem}";

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use chrono::{TimeZone, Utc};
    use domain::TradingMode;
    use readiness::{ComponentState, ComponentStatus, ReasonEntry, ReasonSeverity};

    use super::*;

    fn document_with_reason(message: &str) -> ReadinessDocument {
        let mut components = BTreeMap::new();
        components.insert(
            "heartbeat".to_string(),
            ComponentStatus {
                status: ComponentState::Warning,
                detail: "last <b>beat</b> 3 h ago".to_string(),
            },
        );
        ReadinessDocument {
            evaluated_at: Utc
                .with_ymd_and_hms(2026, 3, 1, 12, 0, 0)
                .single()
                .expect("a valid, unambiguous UTC time"),
            mode: TradingMode::DryRun,
            overall_readiness: Readiness::Conditional,
            live_rollout_readiness: Readiness::NoGo,
            live_rollout_reasons: vec![ReasonEntry {
                code: "heartbeat_stale".to_string(),
                criterion: "heartbeat".to_string(),
                severity: ReasonSeverity::Conditional,
                message: message.to_string(),
            }],
            live_rollout_next_actions: vec!["Check \"runtime\" & logs".to_string()],
            components,
        }
    }

    #[test]
    fn escapes_markup_in_reasons_actions_components_and_status() {
        let html = render(
            &serde_json::json!({"run_id": "<img src=x onerror=alert(1)>"}),
            &Ok(document_with_reason("<script>alert('x')</script>")),
        );
        assert!(!html.contains("<script>"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(!html.contains("<b>beat"), "{html}");
        assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
        assert!(html.contains("Check &quot;runtime&quot; &amp; logs"));
        assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
    }

    #[test]
    fn shows_both_verdicts_reasons_actions_components_and_refreshes() {
        let html = render(
            &serde_json::json!({"mode": "dry-run", "equity": 10250.5, "positions": []}),
            &Ok(document_with_reason("Runtime heartbeat not recent")),
        );
        assert!(html.contains("<meta http-equiv=\"refresh\" content=\"15\">"));
        assert!(html.contains("Overall (dry-run): CONDITIONAL"));
        assert!(html.contains("Live rollout: NO_GO"));
        assert!(html.contains(
            "[CONDITIONAL]</span> <code>heartbeat_stale</code> Runtime heartbeat not recent"
        ));
        assert!(html.contains("<tr><th>heartbeat</th><td class=\"warning\">warning</td>"));
        assert!(html.contains("<tr><th>equity</th><td>10250.5</td></tr>"));
        assert!(html.contains("<tr><th>positions</th><td>[]</td></tr>"));
        assert!(!html.contains("<script"), "no scripts at all");
        assert!(
            !html.contains("http://") && !html.contains("https://"),
            "no external assets"
        );
    }

    #[test]
    fn shows_an_escaped_error_when_readiness_could_not_be_evaluated() {
        let html = render(
            &serde_json::json!({}),
            &Err("store unreachable: <connection refused>".to_string()),
        );
        assert!(html.contains(
            "Could not evaluate readiness: store unreachable: &lt;connection refused&gt;"
        ));
    }

    #[test]
    fn a_non_object_status_is_shown_as_one_row() {
        let html = render(&serde_json::json!("starting"), &Err("x".to_string()));
        assert!(html.contains("<tr><th>status</th><td>starting</td></tr>"));
    }
}
