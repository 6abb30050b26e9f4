//! What a client cannot make the server hold: connections that never finish a
//! request head, idle keep-alive connections, more connections than the cap,
//! requests that are never answered.
//!
//! Timeouts here are 200 ms; the assertions allow seconds, so a loaded machine
//! does not fail them. Without the limits each would wait forever.

use std::time::Duration;

use http_api::{HttpError, HttpServer, ServerLimits};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::{FixedView, ReadinessAnswer, get, listen, spawn_app_with};

const SHORT: Duration = Duration::from_millis(200);

/// Limits with a 200 ms header-read timeout.
fn short_header_timeout() -> ServerLimits {
    ServerLimits {
        header_read_timeout: SHORT,
        ..ServerLimits::default()
    }
}

/// Reads until the server closes the connection (EOF or reset); `None` if it
/// is still open after `within`.
async fn closed_by_server(stream: &mut TcpStream, within: Duration) -> Option<Vec<u8>> {
    let mut received = Vec::new();
    let read = async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => received.extend_from_slice(&buf[..n]),
            }
        }
    };
    tokio::time::timeout(within, read).await.ok()?;
    Some(received)
}

/// Connects and sends the start of a request, never its end.
async fn half_sent(addr: std::net::SocketAddr) -> TcpStream {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream
        .write_all(b"GET /health/live HTTP/1.1\r\nHost: rampart\r\nAccept: */")
        .await
        .expect("write half a request");
    stream
}

#[tokio::test]
async fn half_sent_request_is_disconnected_within_the_header_timeout() {
    let app = spawn_app_with(FixedView::healthy().into_arc(), short_header_timeout()).await;
    let mut stream = half_sent(app.addr).await;

    let answer = closed_by_server(&mut stream, Duration::from_secs(5))
        .await
        .expect("the server closes a half-sent request within 5 s (timeout 200 ms)");
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        !answer.contains("alive"),
        "a half request is not served: {answer}"
    );
    // Complete requests are still answered under the short timeout.
    assert_eq!(get(app.addr, "/health/live").await.status, 200);
}

#[tokio::test]
async fn silent_connection_is_disconnected_within_the_header_timeout() {
    let app = spawn_app_with(FixedView::healthy().into_arc(), short_header_timeout()).await;
    let mut stream = TcpStream::connect(app.addr).await.expect("connect");

    assert!(
        closed_by_server(&mut stream, Duration::from_secs(5))
            .await
            .is_some(),
        "a connection that sends nothing is closed within 5 s (timeout 200 ms)"
    );
}

#[tokio::test]
async fn idle_keep_alive_connection_is_closed_after_the_header_timeout() {
    let app = spawn_app_with(FixedView::healthy().into_arc(), short_header_timeout()).await;
    let mut stream = TcpStream::connect(app.addr).await.expect("connect");
    // HTTP/1.1 without `Connection: close`: the server may keep it open.
    stream
        .write_all(b"GET /health/live HTTP/1.1\r\nHost: rampart\r\n\r\n")
        .await
        .expect("write request");

    let everything = closed_by_server(&mut stream, Duration::from_secs(5))
        .await
        .expect("the idle keep-alive connection is closed within 5 s (timeout 200 ms)");
    let everything = String::from_utf8_lossy(&everything);
    assert!(
        everything.starts_with("HTTP/1.1 200") && everything.contains(r#"{"status":"alive"}"#),
        "the request was answered before the connection closed: {everything}"
    );
}

#[tokio::test]
async fn request_not_answered_within_the_request_timeout_gets_500() {
    let limits = ServerLimits {
        request_timeout: SHORT,
        ..ServerLimits::default()
    };
    // Readiness hangs: without the request deadline the answer would come from
    // READINESS_TIMEOUT (10 s) instead.
    let view = FixedView::with_readiness(ReadinessAnswer::Hangs).into_arc();
    let app = spawn_app_with(view, limits).await;

    let response = tokio::time::timeout(Duration::from_secs(5), get(app.addr, "/health/readiness"))
        .await
        .expect("answered within 5 s (request timeout 200 ms)");
    assert_eq!(response.status, 500);
    let error = response.json()["error"].as_str().map(str::to_owned);
    assert!(
        error
            .as_deref()
            .is_some_and(|e| e.contains("not answered within 0.2 s")),
        "{error:?}"
    );
    assert_eq!(response.header("cache-control"), Some("no-store"));
}

#[tokio::test]
async fn with_limits_rejects_out_of_range_limits_naming_the_field() {
    let server = HttpServer::from_listener(listen().await).expect("local address");
    let err = server
        .with_limits(ServerLimits {
            max_connections: 0,
            ..ServerLimits::default()
        })
        .expect_err("a cap of zero would serve nobody");
    assert!(matches!(err, HttpError::InvalidLimits(_)), "{err:?}");
    assert!(err.to_string().contains("max_connections is 0"), "{err}");
}

/// The connection cap, measured on the descriptors this process holds.
#[cfg(target_os = "linux")]
mod cap {
    use std::collections::HashSet;
    use std::net::SocketAddr;

    use tokio::task::JoinSet;

    use super::*;

    /// How many accepted (server-side) TCP sockets on `port` this process
    /// holds a descriptor for. Clients' sockets have `port` as the remote port
    /// and the listener is in LISTEN, so neither is counted; connections waiting
    /// in the kernel backlog have no descriptor yet.
    fn server_side_sockets(port: u16) -> usize {
        let ours: HashSet<String> = std::fs::read_dir("/proc/self/fd")
            .expect("read /proc/self/fd")
            .filter_map(|entry| std::fs::read_link(entry.ok()?.path()).ok())
            .filter_map(|target| {
                let target = target.to_string_lossy();
                Some(
                    target
                        .strip_prefix("socket:[")?
                        .strip_suffix(']')?
                        .to_owned(),
                )
            })
            .collect();
        let port = format!("{port:04X}");
        let rows = ["/proc/self/net/tcp", "/proc/self/net/tcp6"]
            .iter()
            .filter_map(|table| std::fs::read_to_string(table).ok())
            .flat_map(|table| {
                table
                    .lines()
                    .skip(1)
                    .map(|line| {
                        line.split_whitespace()
                            .map(str::to_owned)
                            .collect::<Vec<_>>()
                    })
                    .collect::<Vec<_>>()
            })
            .filter(|fields| fields.len() > 9)
            .collect::<Vec<_>>();
        // A client socket of another test in this process can get the same number as its
        // ephemeral local port (listeners bound to port 0 draw from the same range); its
        // remote end is that test's listening server, which ours never is.
        let listening: std::collections::HashSet<&str> = rows
            .iter()
            .filter(|f| f[3] == "0A")
            .filter_map(|f| f[1].rsplit(':').next())
            .collect();
        rows.iter()
            .filter(|fields| {
                // local_address is fields[1] (ADDR:PORT in hex), rem_address fields[2],
                // st fields[3] (0A = LISTEN), inode fields[9].
                fields[1].rsplit(':').next() == Some(port.as_str())
                    && fields[3] != "0A"
                    && !fields[2]
                        .rsplit(':')
                        .next()
                        .is_some_and(|remote| listening.contains(remote))
                    && ours.contains(&fields[9])
            })
            .count()
    }

    #[tokio::test]
    async fn connections_beyond_the_cap_wait_and_the_server_holds_at_most_the_cap() {
        const CAP: usize = 4;
        const CLIENTS: usize = 20;
        let limits = ServerLimits {
            max_connections: CAP,
            header_read_timeout: SHORT,
            ..ServerLimits::default()
        };
        let app = spawn_app_with(FixedView::healthy().into_arc(), limits).await;
        let port = app.addr.port();
        assert_eq!(server_side_sockets(port), 0);

        let mut clients = JoinSet::new();
        for _ in 0..CLIENTS {
            let addr: SocketAddr = app.addr;
            clients.spawn(async move {
                let mut stream = half_sent(addr).await;
                closed_by_server(&mut stream, Duration::from_secs(30)).await
            });
        }

        // While the half-sent clients are served CAP at a time (each timing
        // out after 200 ms), watch how many the server holds.
        let mut most_held = 0;
        let mut closed = 0;
        while closed < CLIENTS {
            most_held = most_held.max(server_side_sockets(port));
            tokio::select! {
                done = clients.join_next() => {
                    let done = done.expect("a client task is left");
                    assert!(
                        done.expect("the client task does not panic").is_some(),
                        "every half-sent client is closed by the server within 30 s"
                    );
                    closed += 1;
                }
                () = tokio::time::sleep(Duration::from_millis(10)) => {}
            }
        }
        assert!(
            most_held <= CAP,
            "the server held {most_held} connections at once; the cap is {CAP}"
        );
        assert!(
            most_held > 0,
            "the measurement saw the server's connections"
        );

        let response = tokio::time::timeout(Duration::from_secs(5), get(app.addr, "/health/live"))
            .await
            .expect("a normal request is served once the half-sent ones are gone");
        assert_eq!(response.status, 200);
    }
}
