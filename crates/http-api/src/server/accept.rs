//! The accept loop: take the next connection when the cap allows, hand it to
//! [`Connections`], and ride out accept errors.
//!
//! An accept error is never fatal. When the process runs out of file
//! descriptors (`EMFILE`, `ENFILE`) `accept` fails again at once for as long as
//! the shortage lasts, so the loop logs a warning and pauses (100 ms, doubling
//! up to 1 s) instead of spinning or giving up; the pending client stays in the
//! kernel backlog until a descriptor is free. Only the shutdown future ends it.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::pin;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::OwnedSemaphorePermit;

use super::connections::Connections;

/// Where connections come from: a [`TcpListener`] in production; a test can
/// wrap one to inject accept errors.
///
/// Contract every implementation MUST keep:
/// - [`accept`](Acceptor::accept) MUST be cancel-safe: the server drops its
///   future when the shutdown signal arrives, and no connection may be lost or
///   half-accepted by that.
/// - After an `Err` the acceptor MUST stay usable: the server logs the error,
///   pauses and calls `accept` again.
pub trait Acceptor: Send + 'static {
    /// One accepted connection's byte stream.
    type Io: AsyncRead + AsyncWrite + Unpin + Send + 'static;

    /// Waits for the next connection; returns it with the peer's address.
    fn accept(&mut self) -> impl Future<Output = io::Result<(Self::Io, SocketAddr)>> + Send;

    /// The address clients connect to.
    ///
    /// # Errors
    /// When the operating system cannot say.
    fn local_addr(&self) -> io::Result<SocketAddr>;
}

impl Acceptor for TcpListener {
    type Io = TcpStream;

    async fn accept(&mut self) -> io::Result<(TcpStream, SocketAddr)> {
        TcpListener::accept(self).await
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        TcpListener::local_addr(self)
    }
}

/// The first pause after a failed accept.
const BACKOFF_MIN: Duration = Duration::from_millis(100);
/// The longest pause between failed accepts.
const BACKOFF_MAX: Duration = Duration::from_secs(1);

/// Accepts connections into `connections` until `shutdown` completes; drops
/// `acceptor` (closing the listener) when it returns.
pub(super) async fn accept_until<A: Acceptor>(
    mut acceptor: A,
    connections: &mut Connections,
    shutdown: impl Future<Output = ()>,
) {
    let mut shutdown = pin!(shutdown);
    let mut backoff = Backoff::new();
    loop {
        let (permit, accepted) = tokio::select! {
            () = &mut shutdown => return,
            next = next_connection(&mut acceptor, connections) => next,
        };
        match accepted {
            Ok((io, peer)) => {
                backoff.reset();
                connections.serve(io, peer, permit);
            }
            // The client gave up between the handshake and our accept: nothing
            // is wrong with the server, take the next one.
            Err(error) if is_client_side(&error) => {
                tracing::debug!(%error, "HTTP client left before its connection was accepted");
            }
            Err(error) => {
                drop(permit);
                let pause = backoff.failed();
                tracing::warn!(
                    %error,
                    retry_in_ms = pause.as_millis(),
                    "could not accept an HTTP connection; retrying (the trading session is not affected)"
                );
                tokio::select! {
                    () = &mut shutdown => return,
                    () = tokio::time::sleep(pause) => {}
                }
            }
        }
    }
}

/// Waits for a free connection slot, then for a client. Waiting for the slot
/// first is what keeps clients beyond the cap in the kernel backlog.
async fn next_connection<A: Acceptor>(
    acceptor: &mut A,
    connections: &mut Connections,
) -> (OwnedSemaphorePermit, io::Result<(A::Io, SocketAddr)>) {
    let permit = connections.slot().await;
    (permit, acceptor.accept().await)
}

/// Errors that concern one client's connection, not the listener.
fn is_client_side(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionRefused
    )
}

/// The pause after each consecutive failed accept: doubling from
/// [`BACKOFF_MIN`] up to [`BACKOFF_MAX`], back to the start after a success.
#[derive(Debug)]
struct Backoff {
    next: Duration,
}

impl Backoff {
    fn new() -> Self {
        Backoff { next: BACKOFF_MIN }
    }

    /// The pause to take after a failure.
    fn failed(&mut self) -> Duration {
        let pause = self.next;
        self.next = (self.next * 2).min(BACKOFF_MAX);
        pause
    }

    fn reset(&mut self) {
        self.next = BACKOFF_MIN;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_one_second_and_restarts_after_a_success() {
        let mut backoff = Backoff::new();
        let pauses: Vec<u128> = (0..6).map(|_| backoff.failed().as_millis()).collect();
        assert_eq!(pauses, [100, 200, 400, 800, 1000, 1000]);
        backoff.reset();
        assert_eq!(backoff.failed(), BACKOFF_MIN);
    }

    #[test]
    fn out_of_descriptors_is_not_a_client_side_error() {
        // EMFILE is 24 on Linux and the BSDs.
        assert!(!is_client_side(&io::Error::from_raw_os_error(24)));
        assert!(is_client_side(&io::ErrorKind::ConnectionAborted.into()));
    }
}
