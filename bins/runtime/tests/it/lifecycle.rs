//! Start-up refusals, bad input and signals.

use std::time::Duration;

use crate::support::*;

#[test]
fn bad_config_exits_2_naming_the_key_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let cfg = dir.path().join("bad.toml");
    std::fs::write(&cfg, "[risk]\nmax_daily_loss_pct = 150\n").unwrap();
    let out = run(&data, &["--config", cfg.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("risk.max_daily_loss_pct must be in (0, 100], got 150"),
        "{}",
        stderr(&out)
    );
    assert!(!data.exists(), "nothing written on a bad config");
}

#[test]
fn unknown_config_key_exits_2_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("typo.toml");
    std::fs::write(
        &cfg,
        "[risk]\nmax_open_positions = 2\nmax_dayly_loss_pct = 3\n",
    )
    .unwrap();
    let out = run(
        &dir.path().join("data"),
        &["--config", cfg.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains(":3:"), "{}", stderr(&out));
}

#[test]
fn unavailable_feeds_and_modes_are_refused_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(dir.path(), &["--feed", "coinbase"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let out = run(dir.path(), &["--mode", "live"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let out = run(dir.path(), &["--speed", "0"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[test]
fn a_second_runtime_on_the_same_data_dir_refuses_to_start_and_sigterm_stops_the_first_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    // Paced at 60x: one bundled minute per second, so it runs until signalled.
    let first = runtime(dir.path(), &["--speed", "60"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid_file = dir.path().join("runtime.pid");
    for _ in 0..100 {
        if dir.path().join("heartbeat.json").exists() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(pid_file.exists());
    let second = run(dir.path(), &["--iterations", "10"]);
    assert_eq!(second.status.code(), Some(2));
    assert!(
        stderr(&second).contains("already running"),
        "{}",
        stderr(&second)
    );
    assert!(
        stderr(&second).contains(&first.id().to_string()),
        "{}",
        stderr(&second)
    );

    let status = std::process::Command::new("kill")
        .args(["-TERM", &first.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = first.wait_with_output().unwrap();
    assert!(out.status.success(), "SIGTERM exits 0: {}", stderr(&out));
    assert!(
        stdout(&out).contains("stopped by signal"),
        "{}",
        stdout(&out)
    );
    assert!(!pid_file.exists());
}

#[test]
fn an_unreachable_database_is_named_without_its_password() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        dir.path(),
        &[
            "--iterations",
            "10",
            "--database-url",
            "postgres://ana:s3cret@127.0.0.1:1/rampart",
        ],
    );
    assert_ne!(out.status.code(), Some(0));
    let err = stderr(&out);
    assert!(err.contains("127.0.0.1:1"), "{err}");
    assert!(!err.contains("s3cret"), "password leaked: {err}");
}
