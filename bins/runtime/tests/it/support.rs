//! Spawning the real runtime binary against a fresh data directory.

use std::path::Path;
use std::process::{Command, Output};

pub fn runtime(data_dir: &Path, args: &[&str]) -> Command {
    runtime_at(Path::new(env!("CARGO_BIN_EXE_runtime")), data_dir, args)
}

/// [`runtime`] with another copy of the binary (one copied out of the build tree, say).
pub fn runtime_at(binary: &Path, data_dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(binary);
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

/// The shared test data (`RAMPART_SHARED`, default `../shared` beside the repository).
pub fn shared() -> std::path::PathBuf {
    std::env::var("RAMPART_SHARED")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| {
            std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared"))
        })
}

/// A loopback listener for a fake server, ready to hand to Tokio.
pub fn loopback_listener() -> std::net::TcpListener {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    listener
}

/// Runs `server` (a fake exchange or Bot API) on its own thread and Tokio runtime for the
/// rest of the test process.
pub fn serve_in_background<F>(server: F)
where
    F: std::future::Future<Output = ()> + Send + 'static,
{
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(server);
    });
}
