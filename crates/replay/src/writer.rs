//! `write_candles_csv`: candles to a file of our format (`ts,open,high,low,close,volume`),
//! plain or gzip, written atomically: a temporary file in the destination's directory is
//! filled, synced and renamed over the destination, so a reader never sees half a file.
//!
//! The writer refuses input the reader would reject or read back differently: mixed
//! symbols, open times not ascending, bars overlapping or of varying length.

use std::borrow::Borrow;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use chrono::{SecondsFormat, TimeDelta};
use domain::{Candle, Symbol, Timestamp};
use flate2::Compression;
use flate2::write::GzEncoder;

use crate::error::ReplayError;

/// The header line of our format.
pub const HEADER: &str = "ts,open,high,low,close,volume";

/// Writes `candles` (one symbol, ascending, one bar length) to `path` atomically, gzip-compressed
/// when `gzip` is true. Returns the number of candles written.
pub fn write_candles_csv<I, C>(
    path: impl AsRef<Path>,
    candles: I,
    gzip: bool,
) -> Result<u64, ReplayError>
where
    I: IntoIterator<Item = C>,
    C: Borrow<Candle>,
{
    let path = path.as_ref();
    let name = path.display().to_string();
    let write_error = |source: io::Error| ReplayError::Write {
        path: name.clone(),
        source,
    };
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = tempfile::Builder::new()
        .prefix(&format!(".{file_name}."))
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(write_error)?;
    let file = temp.as_file().try_clone().map_err(write_error)?;

    let written = if gzip {
        let mut encoder = GzEncoder::new(BufWriter::new(file), Compression::default());
        let n = write_rows(&mut encoder, candles, &name)?;
        let mut inner = encoder.finish().map_err(write_error)?;
        inner.flush().map_err(write_error)?;
        n
    } else {
        let mut out = BufWriter::new(file);
        let n = write_rows(&mut out, candles, &name)?;
        out.flush().map_err(write_error)?;
        n
    };
    temp.as_file().sync_all().map_err(write_error)?;
    set_readable(temp.as_file()).map_err(write_error)?;
    temp.persist(path).map_err(|e| write_error(e.error))?;
    Ok(written)
}

/// Temporary files are created private (0600); a data file should be readable like any other.
#[cfg(unix)]
fn set_readable(file: &File) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    file.set_permissions(std::fs::Permissions::from_mode(0o644))
}

#[cfg(not(unix))]
fn set_readable(_file: &File) -> io::Result<()> {
    Ok(())
}

/// What the rows written so far fix for the rest.
struct Shape {
    symbol: Symbol,
    bar: TimeDelta,
    last_open: Timestamp,
}

fn write_rows<W, I, C>(out: &mut W, candles: I, name: &str) -> Result<u64, ReplayError>
where
    W: Write,
    I: IntoIterator<Item = C>,
    C: Borrow<Candle>,
{
    let io_error = |source| ReplayError::Write {
        path: name.to_string(),
        source,
    };
    writeln!(out, "{HEADER}").map_err(io_error)?;
    let mut shape: Option<Shape> = None;
    let mut count: u64 = 0;
    for candle in candles {
        let candle = candle.borrow();
        let unwritable = |reason: String| ReplayError::Unwritable {
            path: name.to_string(),
            index: count,
            reason,
        };
        let bar = candle.close_time() - candle.open_time();
        if let Some(shape) = &shape {
            if candle.symbol() != &shape.symbol {
                return Err(unwritable(format!(
                    "symbol {} differs from the file's {}; one file holds one symbol",
                    candle.symbol(),
                    shape.symbol
                )));
            }
            if bar != shape.bar {
                return Err(unwritable(format!(
                    "bar lasts {bar} but earlier bars last {}; one file holds one interval",
                    shape.bar
                )));
            }
            if candle.open_time() < shape.last_open + shape.bar {
                return Err(unwritable(format!(
                    "opens at {}, before the previous bar (opened {}) closed; candles must be ascending",
                    candle.open_time(),
                    shape.last_open
                )));
            }
        }
        shape = Some(Shape {
            symbol: candle.symbol().clone(),
            bar,
            last_open: candle.open_time(),
        });
        writeln!(
            out,
            "{},{},{},{},{},{}",
            candle
                .open_time()
                .to_rfc3339_opts(SecondsFormat::AutoSi, true),
            candle.open().value().normalize(),
            candle.high().value().normalize(),
            candle.low().value().normalize(),
            candle.close().value().normalize(),
            candle.volume().value().normalize(),
        )
        .map_err(io_error)?;
        count += 1;
    }
    Ok(count)
}
