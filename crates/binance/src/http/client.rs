//! The REST client every Binance call goes through: signing, server-time offset, limits.
//!
//! One request, in order: the limit gate (ban -> fail fast; circuit open -> fail fast for
//! orders; 429 wait -> sleep or fail fast; weight near the limit -> sleep to the next minute),
//! then `timestamp = local now + measured offset`, `recvWindow` and the HMAC signature,
//! then the answer: `X-MBX-USED-WEIGHT-1M` recorded, 429/418 remembered, a -1021 answered by
//! one time resync and exactly one retry.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use domain::{Clock, Timestamp};
use reqwest::Method;
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;

use super::limits::{Gate, LimitSettings, Limits, Policy};
use super::models::{ErrorBody, ServerTime};
use crate::config::BinanceConfig;
use crate::credential::{Credentials, Redactor, query_string};
use crate::error::{ApiError, BinanceError, codes};

/// Ban length assumed when a 418 comes without `Retry-After` (Binance's shortest ban).
const DEFAULT_BAN_SECS: u64 = 120;
/// Wait assumed when a 429 comes without `Retry-After`.
const DEFAULT_RETRY_AFTER_SECS: u64 = 1;

/// One REST call.
#[derive(Debug, Clone)]
pub(crate) struct Call {
    pub method: Method,
    pub path: &'static str,
    pub params: Vec<(&'static str, String)>,
    pub signed: bool,
    pub policy: Policy,
}

impl Call {
    /// An unsigned, idempotent read (market data).
    pub fn public(path: &'static str, params: Vec<(&'static str, String)>) -> Self {
        Self {
            method: Method::GET,
            path,
            params,
            signed: false,
            policy: Policy {
                order_entry: false,
                wait_out_rate_limit: true,
            },
        }
    }

    /// A signed, idempotent read (order query, trades, account).
    pub fn signed_read(path: &'static str, params: Vec<(&'static str, String)>) -> Self {
        Self {
            signed: true,
            ..Self::public(path, params)
        }
    }

    /// A signed order-entry request (new order, cancel): never retried after a 429,
    /// behind the circuit breaker.
    pub fn order_entry(
        method: Method,
        path: &'static str,
        params: Vec<(&'static str, String)>,
    ) -> Self {
        Self {
            method,
            path,
            params,
            signed: true,
            policy: Policy {
                order_entry: true,
                wait_out_rate_limit: false,
            },
        }
    }
}

/// The Binance Spot REST client (shared by market data and execution).
pub struct RestClient {
    http: reqwest::Client,
    config: BinanceConfig,
    credentials: Option<Credentials>,
    /// Takes the key pair out of every error text built from an answer.
    redactor: Redactor,
    clock: Arc<dyn Clock>,
    limits: Mutex<Limits>,
}

impl std::fmt::Debug for RestClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RestClient")
            .field("rest_base_url", &self.config.rest_base_url)
            .field("credentials", &self.credentials)
            .finish_non_exhaustive()
    }
}

fn header_u64(headers: &HeaderMap, name: &str) -> Option<u64> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
}

impl RestClient {
    /// A client for `config`; `credentials` are needed only for signed endpoints
    /// (dry-run uses public endpoints and passes `None`). Time comes from `clock`.
    pub fn new(
        config: BinanceConfig,
        credentials: Option<Credentials>,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, BinanceError> {
        config.validate()?;
        let http = reqwest::Client::builder()
            .timeout(config.request_timeout())
            .connect_timeout(config.request_timeout())
            .user_agent(concat!("rampart-binance/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| BinanceError::Config(format!("HTTP client: {e}")))?;
        let redactor = credentials
            .as_ref()
            .map(Credentials::redactor)
            .unwrap_or_default();
        Ok(Self {
            http,
            config,
            credentials,
            redactor,
            clock,
            limits: Mutex::new(Limits::default()),
        })
    }

    /// The configuration in force.
    pub fn config(&self) -> &BinanceConfig {
        &self.config
    }

    /// Takes this client's key pair (and any `signature=` value) out of text, for anything
    /// the venue sent that is about to be logged or shown.
    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    /// True when the client holds an API key pair (signed endpoints usable).
    pub fn has_credentials(&self) -> bool {
        self.credentials.is_some()
    }

    /// The adapter's "now" (local clock).
    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    fn limits(&self) -> MutexGuard<'_, Limits> {
        self.limits.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn settings(&self) -> LimitSettings {
        LimitSettings {
            weight_limit: self.config.weight_limit_per_minute,
            slowdown_percent: self.config.weight_slowdown_ratio_percent,
            max_wait: Duration::from_secs(self.config.max_retry_after_wait_secs),
            circuit_threshold: self.config.circuit_failure_threshold,
            circuit_cooldown: Duration::from_secs(self.config.circuit_cooldown_secs),
        }
    }

    /// Server time minus local time in ms, once measured ([`RestClient::sync_time`]).
    pub fn clock_offset_ms(&self) -> Option<i64> {
        self.limits().clock_offset_ms
    }

    /// Whether the measured offset is within `max_clock_offset_ms` (`None` before the first
    /// measurement). Readiness should say NO_GO on `Some(false)`; export the offset as a metric.
    pub fn clock_offset_ok(&self) -> Option<bool> {
        self.clock_offset_ms()
            .map(|o| o.unsigned_abs() <= self.config.max_clock_offset_ms)
    }

    /// The server's clock as this client estimates it, in ms since the epoch.
    pub fn server_now_ms(&self) -> i64 {
        self.now().timestamp_millis() + self.clock_offset_ms().unwrap_or(0)
    }

    /// Request weight used in the current minute, as Binance last reported it.
    pub fn used_weight(&self) -> u32 {
        let server_now = self.server_now_ms();
        self.limits().used_weight(server_now)
    }

    /// Like [`RestClient::used_weight`], but `None` until an answer has reported a weight.
    pub fn reported_used_weight(&self) -> Option<u32> {
        let server_now = self.server_now_ms();
        self.limits().reported_weight(server_now)
    }

    /// Until when a 429 `Retry-After` holds requests back, if it is in force now.
    pub fn rate_limited_until(&self) -> Option<Timestamp> {
        let now = self.now();
        self.limits().rate_limited_until(now)
    }

    /// Until when the order-entry circuit breaker is open, if it is open now.
    pub fn circuit_open_until(&self) -> Option<Timestamp> {
        let now = self.now();
        self.limits().circuit_open_until(now)
    }

    /// When the current 418 IP ban ends, if one is in force.
    pub fn banned_until(&self) -> Option<Timestamp> {
        let now = self.now();
        self.limits().banned_until(now)
    }

    /// Measures the offset to the server clock with `GET /api/v3/time` (midpoint of the
    /// round trip) and applies it to every later signed request. Returns the offset in ms.
    pub async fn sync_time(&self) -> Result<i64, BinanceError> {
        let call = Call::public("/api/v3/time", Vec::new());
        self.wait_gate(&call).await?;
        let t0 = self.now().timestamp_millis();
        let body = self.send_once(&call).await?;
        let t1 = self.now().timestamp_millis();
        let time: ServerTime = serde_json::from_str(&body)
            .map_err(|e| BinanceError::decode("/api/v3/time", e).redacted(&self.redactor))?;
        let offset = time.server_time - (t0 + (t1 - t0) / 2);
        self.limits().clock_offset_ms = Some(offset);
        if offset.unsigned_abs() > self.config.max_clock_offset_ms {
            tracing::warn!(
                offset_ms = offset,
                max_ms = self.config.max_clock_offset_ms,
                "local clock differs from Binance server time beyond the configured limit"
            );
        } else {
            tracing::debug!(offset_ms = offset, "binance server time offset measured");
        }
        Ok(offset)
    }

    /// Sends a call and parses the JSON answer.
    pub(crate) async fn call_json<T: DeserializeOwned>(
        &self,
        call: &Call,
    ) -> Result<T, BinanceError> {
        let body = self.call(call).await?;
        // serde's message may quote the body: redact it like an error answer.
        serde_json::from_str(&body)
            .map_err(|e| BinanceError::decode(call.path, e).redacted(&self.redactor))
    }

    /// Sends a call with the limit gate, the -1021 resync-and-retry-once and the 429 waits.
    pub(crate) async fn call(&self, call: &Call) -> Result<String, BinanceError> {
        if call.signed && self.clock_offset_ms().is_none() {
            self.sync_time().await?;
        }
        let mut resynced = false;
        let mut rate_limit_retries = 0u8;
        loop {
            self.wait_gate(call).await?;
            let result = self.send_once(call).await;
            if call.policy.order_entry {
                let now = self.now();
                let settings = self.settings();
                match &result {
                    Err(e) if e.is_unknown_outcome() => {
                        self.limits().record_failure(&settings, now)
                    }
                    _ => self.limits().record_success(),
                }
            }
            let err = match result {
                Ok(body) => return Ok(body),
                Err(e) => e,
            };
            match &err {
                BinanceError::Api(api)
                    if api.code == Some(codes::INVALID_TIMESTAMP) && call.signed && !resynced =>
                {
                    resynced = true;
                    tracing::warn!(
                        path = call.path,
                        "binance -1021: resyncing server time, retrying once"
                    );
                    self.sync_time().await?;
                }
                BinanceError::Api(api)
                    if api.http_status == 429
                        && call.policy.wait_out_rate_limit
                        && rate_limit_retries < self.config.max_rate_limit_retries =>
                {
                    rate_limit_retries += 1;
                    tracing::warn!(
                        path = call.path,
                        retry_after_secs = api.retry_after_secs,
                        "binance 429: waiting as asked before retrying"
                    );
                }
                _ => return Err(err),
            }
        }
    }

    /// Applies the limit gate, sleeping when it says so.
    async fn wait_gate(&self, call: &Call) -> Result<(), BinanceError> {
        // A few rounds at most: a wait is followed by a fresh decision.
        for _ in 0..4 {
            let now = self.now();
            let server_now = self.server_now_ms();
            let settings = self.settings();
            let gate = self
                .limits()
                .gate(call.policy, &settings, now, server_now)?;
            match gate {
                Gate::Go => return Ok(()),
                Gate::Wait(d) => {
                    tracing::info!(
                        path = call.path,
                        wait_ms = d.as_millis() as u64,
                        "binance limits: pausing"
                    );
                    tokio::time::sleep(d).await;
                }
            }
        }
        Ok(())
    }

    /// One HTTP exchange, no retries. Every error it returns has been redacted of the key
    /// pair and of this request's signature (an answer may echo the request).
    async fn send_once(&self, call: &Call) -> Result<String, BinanceError> {
        let mut params = call.params.clone();
        let mut query;
        let mut builder;
        let mut signed_redactor = None;
        if call.signed {
            let creds = self.credentials.as_ref().ok_or_else(|| {
                BinanceError::Credentials(format!(
                    "{} is a signed endpoint and no API key is configured",
                    call.path
                ))
            })?;
            params.push(("recvWindow", self.config.recv_window_ms.to_string()));
            params.push(("timestamp", self.server_now_ms().to_string()));
            query = query_string(&params);
            let signature = creds.sign(&query);
            signed_redactor = Some(self.redactor.clone().with(&signature));
            query.push_str("&signature=");
            query.push_str(&signature);
            builder = self
                .http
                .request(call.method.clone(), self.url(call.path, &query));
            builder = builder.header("X-MBX-APIKEY", creds.api_key());
        } else {
            query = query_string(&params);
            builder = self
                .http
                .request(call.method.clone(), self.url(call.path, &query));
        }
        let redactor = signed_redactor.as_ref().unwrap_or(&self.redactor);
        self.exchange(builder, call, redactor)
            .await
            .map_err(|e| e.redacted(redactor))
    }

    /// Sends the built request and reads the answer: weight, limits, error bodies.
    async fn exchange(
        &self,
        builder: reqwest::RequestBuilder,
        call: &Call,
        redactor: &Redactor,
    ) -> Result<String, BinanceError> {
        let response = builder.send().await.map_err(transport_error)?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let now = self.now();
        let server_now = self.server_now_ms();
        if let Some(used) = header_u64(&headers, "x-mbx-used-weight-1m") {
            self.limits()
                .record_weight(u32::try_from(used).unwrap_or(u32::MAX), server_now);
        }
        let retry_after = header_u64(&headers, "retry-after");
        let body = response.text().await.map_err(transport_error)?;
        if (200..300).contains(&status) {
            return Ok(body);
        }
        let (code, msg) = match serde_json::from_str::<ErrorBody>(&body) {
            Ok(e) => (Some(e.code), e.msg),
            // Redacted before it is cut: a cut through a secret would leave part of it.
            Err(_) => (None, redactor.redact(&body).chars().take(200).collect()),
        };
        let api = ApiError {
            http_status: status,
            code,
            msg,
            retry_after_secs: retry_after,
        };
        match status {
            418 => {
                let until = self
                    .limits()
                    .record_ban(now, retry_after.unwrap_or(DEFAULT_BAN_SECS));
                tracing::error!(%until, path = call.path, "binance IP ban (418): all requests stopped until it ends");
                Err(BinanceError::Banned { until })
            }
            429 => {
                self.limits()
                    .record_rate_limited(now, retry_after.unwrap_or(DEFAULT_RETRY_AFTER_SECS));
                Err(BinanceError::Api(api))
            }
            _ => Err(BinanceError::Api(api)),
        }
    }

    fn url(&self, path: &str, query: &str) -> String {
        if query.is_empty() {
            format!("{}{path}", self.config.rest_base_url)
        } else {
            format!("{}{path}?{query}", self.config.rest_base_url)
        }
    }
}

fn transport_error(e: reqwest::Error) -> BinanceError {
    let e = e.without_url();
    if e.is_timeout() {
        BinanceError::Timeout(e.to_string())
    } else {
        BinanceError::Transport(e.to_string())
    }
}
