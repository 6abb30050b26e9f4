//! A venue that echoes the request: its key, signature and (contrived) secret never reach an
//! error, an order outcome or a log line built from one.

use binance::BinanceError;
use domain::ports::{ExecutionVenue, SubmitOutcome};
use rust_decimal_macros::dec;

use crate::fake::{self, Fake, Scripted};
use crate::support::{approve, config, doc_keys, id, market_buy, venue};

/// Asserts `shown` holds none of the key pair, nor any signature the fake received.
fn assert_clean(fake: &Fake, shown: &str) {
    let (key, secret) = doc_keys();
    assert!(!shown.contains(&key), "API key shown: {shown}");
    assert!(!shown.contains(&secret), "API secret shown: {shown}");
    // A cut-off prefix counts too (error bodies are shortened).
    assert!(
        !shown.contains(&key[..12]),
        "part of the API key shown: {shown}"
    );
    let signatures: Vec<String> = fake
        .state()
        .queries
        .iter()
        .filter_map(|(_, q)| q.rsplit_once("signature=").map(|(_, s)| s.to_string()))
        .collect();
    assert!(!signatures.is_empty(), "no signed request was made");
    for sig in signatures {
        assert!(!shown.contains(&sig[..12]), "signature shown: {shown}");
    }
}

#[tokio::test]
async fn an_error_msg_echoing_key_signature_and_query_is_redacted_in_the_rejection() {
    let fake = fake::start().await;
    let venue = venue(config(&fake.base_url));
    let (_, secret) = doc_keys();
    fake.script(
        "POST /api/v3/order",
        Scripted::new(
            401,
            format!(
                r#"{{"code":-2015,"msg":"Invalid API-key {{api_key}} (secret {secret}), signature {{signature}} for {{query}}"}}"#
            ),
        ),
    );
    let outcome = venue
        .submit(approve(market_buy("rp-r-BTCUSD-1-1", dec!(0.01))))
        .await;
    let SubmitOutcome::Rejected(failure) = &outcome else {
        panic!("{outcome:?}");
    };
    let shown = format!("{outcome:?} {failure:?}");
    assert_clean(&fake, &shown);
    // The rest of the venue's message is kept for the operator.
    assert!(shown.contains("Invalid API-key [redacted]"), "{shown}");
    assert!(shown.contains("signature=[redacted]"), "{shown}");
    assert!(
        shown.contains("newClientOrderId=rp-r-BTCUSD-1-1"),
        "{shown}"
    );
}

#[tokio::test]
async fn a_raw_error_body_is_redacted_before_it_is_shortened() {
    let fake = fake::start().await;
    let venue = venue(config(&fake.base_url));
    // Not JSON: the body itself becomes the message, cut at 200 characters, with the key
    // straddling the cut.
    let padding = "x".repeat(185);
    fake.script(
        "GET /api/v3/order",
        Scripted::new(502, format!("{padding} {{api_key}} {{query}}")),
    );
    let err = venue.query(&id("rp-s-BTCUSD-1-1")).await.unwrap_err();
    let shown = format!("{err:?} {err}");
    assert!(shown.contains("[redacted]"), "{shown}");
    assert_clean(&fake, &shown);
}

#[tokio::test]
async fn errors_from_the_client_and_from_parsing_a_signed_answer_are_redacted() {
    let fake = fake::start().await;
    let venue = venue(config(&fake.base_url));
    fake.script(
        "GET /api/v3/account",
        Scripted::new(
            400,
            r#"{"code":-1022,"msg":"Signature {signature} is not valid for X-MBX-APIKEY: {api_key}"}"#,
        ),
    );
    let err = venue.account_permissions().await.unwrap_err();
    assert!(matches!(err, BinanceError::Api(_)), "{err:?}");
    assert_clean(&fake, &format!("{err:?} {err}"));
    // A 200 whose body does not parse: serde quotes the offending value.
    fake.script(
        "POST /api/v3/order",
        Scripted::new(200, r#"{"symbol":"BTCUSDT","orderId":"{api_key}"}"#),
    );
    let outcome = venue
        .submit(approve(market_buy("rp-t-BTCUSD-1-1", dec!(0.01))))
        .await;
    assert!(
        matches!(outcome, SubmitOutcome::Unknown { .. }),
        "{outcome:?}"
    );
    assert_clean(&fake, &format!("{outcome:?}"));
    // And the venue itself shows no credentials.
    assert_clean(&fake, &format!("{venue:?} {:?}", venue.client()));
}
