//! Integration tests of the synthetic crate through its public API: invariants and
//! stylised facts on long series, determinism of the CSV output, and the committed
//! demo fixtures staying equal to what the generator makes.

#![allow(clippy::unwrap_used)] // helpers read known-good files and valid preset configs

mod determinism;
mod fixtures;
mod invariants;
mod stylised_facts;
