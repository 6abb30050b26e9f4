//! `backtest`: the composition root of Rampart's backtests.
//!
//! Parses the command line, reads the wall clock once (for the run id), hands
//! everything to the `backtesting` library and maps the outcome to an exit code:
//! 0 ok, 2 bad input (flags, symbol, strategy, range, corrupt data), 1 anything else.

use std::process::ExitCode;

use backtesting::{BacktestError, Cli, Command, Progress, RunPlan};
use clap::Parser;
use domain::{Clock, SystemClock};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version go to stdout with 0; usage errors to stderr with 2.
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    match dispatch(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // The library's errors carry their causes in their own message.
            eprintln!("error: {e}");
            let code = e
                .downcast_ref::<BacktestError>()
                .map_or(1, BacktestError::exit_code);
            ExitCode::from(code)
        }
    }
}

fn dispatch(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Some(Command::Bench(args)) => {
            let report = backtesting::run_bench(&args)?;
            println!("{}", backtesting::bench::to_json_line(&report)?);
        }
        Some(Command::Fetch(args)) => {
            let s = backtesting::fetch(&args, SystemClock.now())?;
            let span = match (s.first, s.last) {
                (Some(a), Some(b)) => format!(" ({a} .. {b})"),
                _ => String::new(),
            };
            println!("wrote {} candles to {}{span}", s.candles, s.path.display());
        }
        Some(Command::GenData(args)) => {
            for path in backtesting::gen_data(args.dir.as_deref())? {
                let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
                println!("wrote {} ({size} bytes)", path.display());
            }
        }
        None => {
            let plan = RunPlan::from_args(&cli.run, SystemClock.now())?;
            let outcome = backtesting::run(&plan, &Progress::on_terminal())?;
            if cli.run.json {
                print!("{}", backtesting::run::to_json(&outcome.result)?);
            } else {
                print!("{}", backtesting::summary_table(&outcome.result));
                println!("latest: {}", outcome.latest.display());
            }
        }
    }
    Ok(())
}
