//! The shadow collector end to end: a multi-day replay, its daily reports, the
//! weekly evidence report recomputed from the stored records, the promotion gates,
//! the sign-off, the observation report, and advisors that cannot change an order.

use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde_json::Value;

use crate::support::*;

fn audit(dir: &Path) -> Vec<Value> {
    let out = dir.join("audit.jsonl");
    let export = run(dir, &["audit", "export", "--out", out.to_str().unwrap()]);
    assert!(export.status.success(), "{}", stderr(&export));
    std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn dec(v: &Value) -> Decimal {
    Decimal::from_str(
        v.as_str()
            .unwrap_or_else(|| panic!("not a decimal string: {v}")),
    )
    .unwrap()
}

fn events<'a>(trail: &'a [Value], kind: &str) -> Vec<&'a Value> {
    trail
        .iter()
        .map(|r| &r["event"])
        .filter(|e| e["type"] == kind)
        .collect()
}

#[test]
fn a_multi_day_replay_yields_daily_and_weekly_evidence_that_recomputes_from_the_records() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    // The bundled 30 days, both symbols.
    let out = run(&data, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let trail = audit(&data);

    // One shadow record per entry signal, each resolved once at most.
    let entry_signals = events(&trail, "signal_generated")
        .into_iter()
        .filter(|e| e["signal"]["is_exit"] == false)
        .count();
    let recorded = events(&trail, "shadow_decision_recorded");
    assert_eq!(recorded.len(), entry_signals);
    assert!(recorded.len() > 100, "{}", recorded.len());
    let mut resolutions: BTreeMap<String, &Value> = BTreeMap::new();
    for e in events(&trail, "shadow_decision_resolved") {
        let id = e["resolution"]["id"].as_str().unwrap().to_string();
        assert!(
            resolutions.insert(id, &e["resolution"]).is_none(),
            "resolved twice"
        );
    }
    // Every record is resolved at or after its horizon, 4 h by default.
    for d in &recorded {
        let d = &d["decision"];
        if let Some(r) = resolutions.get(d["id"].as_str().unwrap()) {
            let at = chrono::DateTime::parse_from_rfc3339(d["at"].as_str().unwrap()).unwrap();
            let resolved =
                chrono::DateTime::parse_from_rfc3339(r["resolved_at"].as_str().unwrap()).unwrap();
            assert!(resolved - at >= chrono::Duration::hours(4), "{d}");
        }
    }

    // One daily report per completed day, whose shadow counts match the trail.
    let reports = data.join("reports");
    let mut per_day: BTreeMap<String, u64> = BTreeMap::new();
    for d in &recorded {
        let day = d["decision"]["at"].as_str().unwrap()[..10].to_string();
        *per_day.entry(day).or_insert(0) += 1;
    }
    let days: Vec<String> = per_day.keys().cloned().collect();
    assert!(days.len() >= 28, "{days:?}");
    for day in &days[..days.len() - 1] {
        let path = reports.join(format!("daily_shadow_health_{day}.json"));
        let r: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(r["date"], day.as_str());
        assert_eq!(
            r["shadow_collection"]["decisions_today"], per_day[day],
            "{day}"
        );
        assert_eq!(r["shadow_collection"]["enabled"], true);
        assert_eq!(r["strategy_weighting"]["clamp_exceeded"], false);
        assert!(
            ["HEALTHY", "WARNING", "CRITICAL"]
                .contains(&r["summary"]["overall_health"].as_str().unwrap())
        );
    }

    // The weekly report of 2024-W02, against an independent recomputation.
    let docs = dir.path().join("docs");
    let weekly = run(
        &data,
        &[
            "report",
            "weekly",
            "--week",
            "2",
            "--year",
            "2024",
            "--docs-dir",
            docs.to_str().unwrap(),
        ],
    );
    assert!(weekly.status.success(), "{}", stderr(&weekly));
    let w: Value = serde_json::from_str(
        &std::fs::read_to_string(reports.join("weekly_shadow_report_2.json")).unwrap(),
    )
    .unwrap();
    let png = std::fs::read(docs.join("weekly_shadow_report_2.png")).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let md = std::fs::read_to_string(docs.join("weekly_shadow_report_2.md")).unwrap();
    assert!(md.contains("weekly_shadow_report_2.png"), "{md}");
    assert_eq!(w["week_number"], 2);
    assert_eq!(w["week_ending"], "2024-01-14");

    let in_week: Vec<&Value> = recorded
        .iter()
        .map(|d| &d["decision"])
        .filter(|d| {
            let day = &d["at"].as_str().unwrap()[..10];
            ("2024-01-08"..="2024-01-14").contains(&day)
        })
        .collect();
    assert_eq!(w["data_collection"]["total_decisions"], in_week.len());
    let (mut takes, mut wins, mut delta) = (0u64, 0u64, Decimal::ZERO);
    let mut resolved = 0u64;
    for d in &in_week {
        let Some(r) = resolutions.get(d["id"].as_str().unwrap()) else {
            continue;
        };
        resolved += 1;
        let advisor = &r["advisors"]["contextual_bandit"];
        let net = dec(&advisor["net"]);
        if !dec(&advisor["notional"]).is_zero() {
            takes += 1;
            if net > Decimal::ZERO {
                wins += 1;
            }
        }
        delta += net - dec(&r["actual"]["net"]);
    }
    assert_eq!(w["data_collection"]["resolved"], resolved);
    let primary = &w["counterfactual_evaluation"]["advisors"]["contextual_bandit"];
    assert_eq!(primary["takes"], takes);
    assert_eq!(primary["wins"], wins);
    assert_eq!(dec(&primary["delta_pnl"]), delta);
    assert_eq!(dec(&w["counterfactual_evaluation"]["delta_pnl"]), delta);
    if takes > 0 {
        let hit = (Decimal::from(wins) / Decimal::from(takes)).round_dp(4);
        assert_eq!(dec(&primary["hit_rate"]), hit);
    }
    assert_eq!(w["summary"]["overall_edge_positive"], delta > Decimal::ZERO);

    // The gates: 4 weeks of data is not enough, and nobody signed.
    let gates = run(&data, &["report", "gates", "--json"]);
    assert!(gates.status.success(), "{}", stderr(&gates));
    let g: Value = serde_json::from_str(&stdout(&gates)).unwrap();
    assert_eq!(g["verdict"], "NO-GO");
    let unmet: Vec<&str> = g["unmet"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(unmet.contains(&"weeks_of_data"), "{unmet:?}");
    assert!(unmet.contains(&"human_signoff"), "{unmet:?}");
    let blank = run(&data, &["signoff", "--by", " ", "--note", "x"]);
    assert_eq!(blank.status.code(), Some(2), "{}", stderr(&blank));
    let signed = run(
        &data,
        &["signoff", "--by", "ana", "--note", "reviewed weeks 1-4"],
    );
    assert!(signed.status.success(), "{}", stderr(&signed));
    let g: Value =
        serde_json::from_str(&stdout(&run(&data, &["report", "gates", "--json"]))).unwrap();
    let signoff = g["gates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["name"] == "human_signoff")
        .unwrap();
    assert_eq!(signoff["met"], true, "{signoff}");
    assert_eq!(g["verdict"], "NO-GO", "still not 12 weeks");
    let text = stdout(&run(&data, &["report", "gates"]));
    assert!(text.contains("promotion gates: NO-GO"), "{text}");
    assert!(text.contains("UNMET"), "{text}");

    // The observation report against a baseline with the run's own tier mix: the
    // tier criterion passes; no drill was run, so the verdict is NO-GO naming it.
    let mut tiers: BTreeMap<&str, u64> = BTreeMap::new();
    for e in events(&trail, "signal_generated") {
        *tiers
            .entry(e["signal"]["tier"].as_str().unwrap())
            .or_insert(0) += 1;
    }
    let baseline = dir.path().join("latest.json");
    std::fs::write(
        &baseline,
        serde_json::json!({"run_id": "test", "metrics": {"win_rate": null, "tier_distribution": {
            "low": tiers.get("low").copied().unwrap_or(0),
            "medium": tiers.get("medium").copied().unwrap_or(0),
            "high": tiers.get("high").copied().unwrap_or(0)}}})
        .to_string(),
    )
    .unwrap();
    let obs = run(
        &data,
        &[
            "report",
            "observation",
            "--baseline",
            baseline.to_str().unwrap(),
        ],
    );
    assert!(obs.status.success(), "{}", stderr(&obs));
    let text = stdout(&obs);
    let json_end = text.rfind("\nobservation report ->").unwrap();
    let o: Value = serde_json::from_str(&text[..json_end]).unwrap();
    let crit = |name: &str| {
        o["criteria"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["criterion"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(o["criteria"].as_array().unwrap().len(), 6);
    assert_eq!(
        crit("tier_distribution")["pass"],
        true,
        "{}",
        crit("tier_distribution")
    );
    assert_eq!(crit("guardrail_drill")["pass"], false);
    assert_eq!(crit("no_crash_loops")["pass"], true);
    assert_eq!(
        crit("alerts_delivered")["pass"],
        true,
        "{}",
        crit("alerts_delivered")
    );
    assert_eq!(o["verdict"], "NO-GO");
    assert!(
        o["failed"]
            .as_array()
            .unwrap()
            .contains(&Value::from("guardrail_drill"))
    );
    let missing = run(
        &data,
        &[
            "report",
            "observation",
            "--baseline",
            "/nonexistent/latest.json",
        ],
    );
    assert_eq!(missing.status.code(), Some(2), "{}", stderr(&missing));
    assert!(
        stderr(&missing).contains("/nonexistent/latest.json"),
        "{}",
        stderr(&missing)
    );
}

/// Orders and fills of a run, as comparable text.
fn orders(trail: &[Value]) -> Vec<String> {
    trail
        .iter()
        .map(|r| &r["event"])
        .filter(|e| {
            matches!(
                e["type"].as_str(),
                Some(
                    "order_submitted"
                        | "order_filled"
                        | "trade_approved"
                        | "trade_rejected"
                        | "turnover_blocked"
                )
            )
        })
        .map(Value::to_string)
        .collect()
}

#[test]
fn advisors_change_no_decision_and_no_order() {
    let dir = tempfile::tempdir().unwrap();
    let off_cfg = dir.path().join("off.toml");
    std::fs::write(&off_cfg, "[shadow]\nenabled = false\n").unwrap();
    // Both runs load a file, so every other value goes through the same loading path.
    let on_cfg = dir.path().join("on.toml");
    std::fs::write(&on_cfg, "[shadow]\nenabled = true\n").unwrap();
    let on = dir.path().join("on");
    let off = dir.path().join("off");
    let a = run(
        &on,
        &[
            "--iterations",
            "12000",
            "--config",
            on_cfg.to_str().unwrap(),
        ],
    );
    assert!(a.status.success(), "{}", stderr(&a));
    let b = run(
        &off,
        &[
            "--iterations",
            "12000",
            "--config",
            off_cfg.to_str().unwrap(),
        ],
    );
    assert!(b.status.success(), "{}", stderr(&b));
    let with = audit(&on);
    let without = audit(&off);
    assert!(!events(&with, "shadow_decision_recorded").is_empty());
    assert!(events(&without, "shadow_decision_recorded").is_empty());
    let (x, y) = (orders(&with), orders(&without));
    assert!(
        x.iter().any(|e| e.contains("order_submitted")),
        "the window trades"
    );
    // Client order ids embed the run id; compare everything else.
    let strip = |v: &[String]| -> Vec<String> {
        v.iter()
            .map(|s| {
                let v: Value = serde_json::from_str(s).unwrap();
                let mut v = v;
                strip_ids(&mut v);
                v.to_string()
            })
            .collect()
    };
    let (x, y) = (strip(&x), strip(&y));
    assert_eq!(x.len(), y.len());
    for (i, (a, b)) in x.iter().zip(&y).enumerate() {
        assert_eq!(a, b, "decision {i} differs");
    }
}

fn strip_ids(v: &mut Value) {
    match v {
        Value::Object(m) => {
            // Both embed the run id.
            m.remove("client_order_id");
            m.remove("trade_id");
            for (_, x) in m.iter_mut() {
                strip_ids(x);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(strip_ids),
        _ => {}
    }
}

#[test]
fn a_resumed_session_resolves_what_the_first_left_pending_and_keeps_the_advisors() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let first = run(&data, &["--iterations", "6000"]);
    assert!(first.status.success(), "{}", stderr(&first));
    let learned_after_first = {
        let trail = audit(&data);
        events(&trail, "shadow_decision_resolved").len()
    };
    assert!(learned_after_first > 0);
    let second = run(&data, &["--iterations", "6000"]);
    assert!(second.status.success(), "{}", stderr(&second));
    let trail = audit(&data);
    let recorded = events(&trail, "shadow_decision_recorded");
    let resolved: std::collections::BTreeSet<&str> = events(&trail, "shadow_decision_resolved")
        .iter()
        .map(|e| e["resolution"]["id"].as_str().unwrap())
        .collect();
    let last = recorded
        .iter()
        .map(|d| d["decision"]["at"].as_str().unwrap().to_string())
        .max()
        .unwrap();
    let last = chrono::DateTime::parse_from_rfc3339(&last).unwrap();
    // Everything decided more than 5 h before the last decision resolved, including the
    // records the first session left pending (read back from the store at start-up).
    for d in &recorded {
        let d = &d["decision"];
        let at = chrono::DateTime::parse_from_rfc3339(d["at"].as_str().unwrap()).unwrap();
        if last - at > chrono::Duration::hours(5) {
            assert!(resolved.contains(d["id"].as_str().unwrap()), "{d}");
        }
    }
    // The bandit's state went on from where the first session left it: its learned count
    // covers both sessions' resolutions (one lesson per resolution).
    let db = data.join("rampart.db");
    let saved = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            use domain::ports::Store;
            let store = sqlite::SqliteStore::open(&db).await.unwrap();
            store.latest_state_part("shadow").await.unwrap().unwrap()
        });
    assert_eq!(
        saved["advisors"]["contextual_bandit"]["learned"]
            .as_u64()
            .unwrap() as usize,
        resolved.len()
    );
    assert!(resolved.len() > learned_after_first);
}
