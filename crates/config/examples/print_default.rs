//! Prints the built-in defaults as TOML (used to keep config/default.toml honest).
fn main() {
    match toml::to_string_pretty(&config::RampartConfig::default()) {
        Ok(s) => print!("{s}"),
        Err(e) => eprintln!("{e}"),
    }
}
