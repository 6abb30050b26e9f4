//! Spawning the real runtime binary against a fresh data directory.

use std::path::Path;
use std::process::{Command, Output};

pub fn runtime(data_dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_runtime"));
    cmd.arg("--data-dir").arg(data_dir);
    // Tests run in parallel: no fixed HTTP port unless a test asks for one.
    if !args.contains(&"--http") {
        cmd.args(["--http", "off"]);
    }
    cmd.args(args);
    // The tests must not inherit an operator's overrides or kill switch.
    for (k, _) in std::env::vars() {
        if k.starts_with("RAMPART") || k.starts_with("PAPER_LIVE") || k == "DATABASE_URL" {
            cmd.env_remove(k);
        }
    }
    cmd.env("RAMPART__LOGGING__DIR", data_dir.join("logs"));
    cmd
}

pub fn run(data_dir: &Path, args: &[&str]) -> Output {
    runtime(data_dir, args).output().unwrap()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
