//! Writes the bundled demo data and prints its stylised facts:
//! `cargo run -p synthetic --example gen_demo_data -- fixtures/`.

use std::path::PathBuf;
use std::process::ExitCode;

use replay::{BoxedCandleReader, SymbolFile, TimeRange};
use synthetic::{StylisedFacts, write_demo_data};

fn main() -> ExitCode {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "fixtures".to_string()),
    );
    match run(dir) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gen_demo_data: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(dir: PathBuf) -> Result<(), Box<dyn std::error::Error>> {
    let mut total = 0;
    for path in write_demo_data(&dir)? {
        let bytes = std::fs::metadata(&path)?.len();
        total += bytes;
        // Measure what was written, read back the way a backtest reads it.
        let file = SymbolFile::from_path(&path)?;
        let candles =
            BoxedCandleReader::open(&file, TimeRange::ALL)?.collect::<Result<Vec<_>, _>>()?;
        println!(
            "{} ({bytes} bytes, {} candles)",
            path.display(),
            candles.len()
        );
        if let Some(facts) = StylisedFacts::measure(&candles) {
            println!("{facts}\n");
        }
    }
    println!("total {total} bytes");
    Ok(())
}
