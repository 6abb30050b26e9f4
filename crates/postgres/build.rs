//! `sqlx::migrate!` embeds the files of `migrations/postgres` that exist when this crate is
//! compiled and tracks only those: rebuild when one is added, too.

fn main() {
    println!("cargo:rerun-if-changed=../../migrations/postgres");
}
