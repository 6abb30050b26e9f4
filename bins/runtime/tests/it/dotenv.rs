//! `.env` in the working directory.

use crate::support::*;

#[test]
fn a_malformed_env_line_exits_2_naming_line_and_key_but_never_the_secret() {
    let dir = tempfile::tempdir().unwrap();
    let secret = "supersecretvalue456";
    std::fs::write(
        dir.path().join(".env"),
        format!(
            "# exchange keys\nRAMPART_BINANCE_API_KEY=abc\nRAMPART_BINANCE_API_SECRET {secret}\n"
        ),
    )
    .unwrap();
    let out = runtime(&dir.path().join("data"), &[])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains(".env: line 3"), "{err}");
    assert!(err.contains("RAMPART_BINANCE_API_SECRET"), "{err}");
    assert!(!err.contains(secret), "{err}");
    assert!(!stdout(&out).contains(secret));
    assert!(
        !dir.path().join("data").exists(),
        "nothing written on a bad .env"
    );
}
