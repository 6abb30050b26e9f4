//! A copied or installed `runtime` binary, away from the source tree, still runs the quick
//! start: the bundled demo candles are embedded, not looked up in the source tree's `fixtures/`.

use std::fs;

use crate::support::*;

#[test]
fn a_copied_binary_replays_the_embedded_demo_data_from_any_directory() {
    let place = tempfile::tempdir().unwrap();
    let binary = place.path().join("runtime");
    fs::copy(env!("CARGO_BIN_EXE_runtime"), &binary).unwrap();
    let data_dir = place.path().join("data");

    let out = runtime_at(
        &binary,
        &data_dir,
        &["--iterations", "500", "--http", "off"],
    )
    .current_dir(place.path())
    .output()
    .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("events                    500 (2024-01-01 00:01 .. "),
        "{text}"
    );
    let hb: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(data_dir.join("heartbeat.json")).unwrap())
            .unwrap();
    assert_eq!(hb["events"], 500);

    // The log says where the candles came from, and it is not a path into the source tree.
    let log = fs::read_dir(data_dir.join("logs"))
        .unwrap()
        .map(|e| fs::read_to_string(e.unwrap().path()).unwrap())
        .collect::<String>();
    let started = log
        .lines()
        .find(|l| l.contains("session started"))
        .unwrap_or_else(|| panic!("no session-started line in\n{log}"));
    assert!(
        started.contains(r#""data":"bundled demo data (embedded)""#),
        "{started}"
    );
    assert!(!log.contains("fixtures"), "{log}");
}

#[test]
fn a_bad_data_flag_still_names_the_path() {
    let place = tempfile::tempdir().unwrap();
    let out = run(
        &place.path().join("data"),
        &["--data", "/no/such/candles.csv"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("--data /no/such/candles.csv: no such file or directory"),
        "{}",
        stderr(&out)
    );
}
