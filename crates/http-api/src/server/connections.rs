//! The open connections: one semaphore permit each (the cap), one task each
//! serving HTTP/1.1 with hyper under the header-read timeout, all told to finish
//! gracefully at shutdown and dropped when the grace period is over.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::{JoinError, JoinSet};
use tokio::time::Instant;

use super::limits::ServerLimits;

/// At most one "cap reached" warning per this long, however often the cap is hit.
const SATURATION_WARNING_EVERY: Duration = Duration::from_secs(60);

/// The server's open connections and what each is served with.
pub(super) struct Connections {
    app: Router,
    http: http1::Builder,
    max: usize,
    permits: Arc<Semaphore>,
    tasks: JoinSet<()>,
    stop: watch::Sender<()>,
    warned_saturated_at: Option<Instant>,
}

impl Connections {
    /// No connections yet; `limits` MUST be valid ([`ServerLimits::validate`]).
    pub(super) fn new(app: Router, limits: &ServerLimits) -> Self {
        let mut http = http1::Builder::new();
        // The timer is what makes hyper enforce the header-read timeout.
        http.timer(TokioTimer::new())
            .header_read_timeout(limits.header_read_timeout)
            .keep_alive(true);
        Connections {
            app,
            http,
            max: limits.max_connections,
            permits: Arc::new(Semaphore::new(limits.max_connections)),
            tasks: JoinSet::new(),
            stop: watch::channel(()).0,
            warned_saturated_at: None,
        }
    }

    /// Waits until fewer than the cap are open and reserves the slot.
    pub(super) async fn slot(&mut self) -> OwnedSemaphorePermit {
        while let Some(done) = self.tasks.try_join_next() {
            note_end(done);
        }
        if let Ok(permit) = Arc::clone(&self.permits).try_acquire_owned() {
            return permit;
        }
        self.warn_saturated();
        Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .expect("the connection semaphore is never closed")
    }

    /// Serves `io` on its own task, holding `permit` until the connection closes.
    pub(super) fn serve<I>(&mut self, io: I, peer: SocketAddr, permit: OwnedSemaphorePermit)
    where
        I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let connection = self
            .http
            .serve_connection(TokioIo::new(io), TowerToHyperService::new(self.app.clone()));
        let mut stop = self.stop.subscribe();
        self.tasks.spawn(async move {
            let _permit = permit;
            let mut connection = std::pin::pin!(connection);
            let finished = tokio::select! {
                result = connection.as_mut() => Some(result),
                _ = stop.changed() => None,
            };
            let result = match finished {
                Some(result) => result,
                None => {
                    // Shutting down: answer what is in flight, then close.
                    connection.as_mut().graceful_shutdown();
                    connection.await
                }
            };
            if let Err(error) = result {
                // Timeouts and clients hanging up land here; they are routine.
                tracing::debug!(%peer, %error, "HTTP connection closed with an error");
            }
        });
    }

    /// Tells every connection to finish its in-flight request and close, waits
    /// up to `grace` for them, then drops the rest.
    pub(super) async fn drain(mut self, grace: Duration) {
        self.stop.send_replace(());
        let all_closed = tokio::time::timeout(grace, async {
            while let Some(done) = self.tasks.join_next().await {
                note_end(done);
            }
        })
        .await;
        if all_closed.is_err() {
            tracing::warn!(
                still_open = self.tasks.len(),
                grace_s = grace.as_secs_f64(),
                "HTTP connections still open after the shutdown grace period; dropping them"
            );
            self.tasks.shutdown().await;
        }
    }

    fn warn_saturated(&mut self) {
        let now = Instant::now();
        if self
            .warned_saturated_at
            .is_some_and(|at| now.duration_since(at) < SATURATION_WARNING_EVERY)
        {
            return;
        }
        self.warned_saturated_at = Some(now);
        tracing::warn!(
            max_connections = self.max,
            "HTTP connection cap reached; new clients wait in the listen backlog until one closes"
        );
    }
}

/// A connection task ended: only a panic is worth a word.
fn note_end(done: Result<(), JoinError>) {
    if let Err(error) = done
        && error.is_panic()
    {
        tracing::warn!(%error, "an HTTP connection task panicked; the server keeps serving");
    }
}
