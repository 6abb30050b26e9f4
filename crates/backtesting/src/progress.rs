//! The progress bar of a run: drawn on stderr with `indicatif` when stderr is a
//! terminal, absent otherwise (pipes, CI, tests), so machine output stays clean.

use std::io::{IsTerminal, Read};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use replay::SymbolFile;

/// How many bars pass between two progress updates (an update reads the replay's counters).
pub(crate) const UPDATE_EVERY: u64 = 8_192;

/// A progress bar over the data rows of a run, or nothing.
#[derive(Debug)]
pub struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    /// No progress output.
    pub fn hidden() -> Self {
        Self { bar: None }
    }

    /// A bar on stderr when stderr is a terminal, else nothing.
    pub fn on_terminal() -> Self {
        if std::io::stderr().is_terminal() {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            bar.enable_steady_tick(Duration::from_millis(200));
            Self { bar: Some(bar) }
        } else {
            Self::hidden()
        }
    }

    /// Whether anything is drawn.
    pub fn is_visible(&self) -> bool {
        self.bar.is_some()
    }

    /// Sets the length (data lines of `files`, counted quickly) when the bar is visible.
    pub(crate) fn start(&self, files: &[SymbolFile]) {
        let Some(bar) = &self.bar else { return };
        let style = match count_lines(files) {
            Some(total) => {
                bar.set_length(total);
                ProgressStyle::with_template(
                    "{spinner} [{elapsed_precise}] {wide_bar} {human_pos}/{human_len} rows, eta {eta} {msg}",
                )
            }
            None => {
                ProgressStyle::with_template("{spinner} [{elapsed_precise}] {human_pos} rows {msg}")
            }
        };
        if let Ok(style) = style {
            bar.set_style(style);
        }
    }

    /// Rows read so far and a short message (e.g. the equity).
    pub(crate) fn update(&self, rows: u64, message: impl FnOnce() -> String) {
        if let Some(bar) = &self.bar {
            bar.set_position(rows);
            bar.set_message(message());
        }
    }

    /// Removes the bar.
    pub(crate) fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// Data lines over all files (newlines minus one header each); `None` if a file cannot be read.
fn count_lines(files: &[SymbolFile]) -> Option<u64> {
    let mut total = 0u64;
    let mut buf = vec![0u8; 256 * 1024];
    for f in files {
        let mut input = f.open().ok()?;
        let mut lines = 0u64;
        loop {
            let n = input.read(&mut buf).ok()?;
            if n == 0 {
                break;
            }
            lines += buf.get(..n)?.iter().filter(|&&b| b == b'\n').count() as u64;
        }
        total += lines.saturating_sub(1);
    }
    Some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_data_lines_of_gzip_files() {
        let embedded = demo_candles::FILES[0].symbol_file();
        assert_eq!(count_lines(&[embedded]), Some(43_200));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("BTC-USD_1m.csv.gz");
        std::fs::write(&path, demo_candles::FILES[0].gzip).unwrap();
        let on_disk = SymbolFile::from_path(path).unwrap();
        assert_eq!(count_lines(&[on_disk]), Some(43_200));
    }
}
