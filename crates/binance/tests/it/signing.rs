//! The official HMAC-SHA256 worked examples (and the derived query+body vector).

use binance::Credentials;
use binance::credential::sign_hmac_sha256;

use crate::support::{doc_keys, fixture_json};

#[test]
fn signatures_match_every_vector_of_the_official_example() {
    let example = fixture_json("hmac_signing_example.json");
    let (key, secret) = doc_keys();
    let creds = Credentials::new(key, secret.clone()).unwrap();
    let vectors = example["vectors"].as_array().unwrap();
    assert_eq!(vectors.len(), 3);
    for v in vectors {
        let payload = v["payload"].as_str().unwrap();
        let expected = v["signature"].as_str().unwrap();
        assert_eq!(creds.sign(payload), expected, "vector {}", v["name"]);
        assert_eq!(sign_hmac_sha256(&secret, payload), expected);
    }
}

#[test]
fn query_and_body_are_concatenated_without_separator() {
    let example = fixture_json("hmac_signing_example.json");
    let v = &example["vectors"][2];
    let joined = format!(
        "{}{}",
        v["query"].as_str().unwrap(),
        v["body"].as_str().unwrap()
    );
    assert_eq!(joined, v["payload"].as_str().unwrap());
}
