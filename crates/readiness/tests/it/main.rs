//! Integration tests: the crate through its public API, as the runtime's
//! `/health/readiness` handler, the live start-up guard and `health-check` use it.

mod json_shape;
mod rollout;
mod support;
