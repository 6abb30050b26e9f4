//! `equity.png`: the equity curve (top) and the drawdown in percent (bottom), drawn
//! with `plotters` on its bitmap backend.
//!
//! Text is rendered by `ab_glyph` with the Ubuntu Light font embedded in the
//! `epaint_default_fonts` crate, so no system font, fontconfig or freetype is
//! needed: the chart looks the same on every machine.

use std::path::Path;
use std::sync::OnceLock;

use chrono::DateTime;
use plotters::prelude::*;
use plotters::style::FontStyle;
use rust_decimal::prelude::ToPrimitive;

use crate::error::BacktestError;
use crate::preservation::LevelPeriod;
use crate::record::EquityPoint;
use domain::PreservationLevel;

/// Chart size in pixels.
const SIZE: (u32, u32) = (1200, 800);
/// Height of the equity panel; the drawdown panel takes the rest.
const TOP_HEIGHT: u32 = 500;
/// The one font family the chart uses.
const FONT: &str = "sans-serif";

/// Registers the embedded font once per process; false if it could not be parsed.
fn font_ready() -> bool {
    static READY: OnceLock<bool> = OnceLock::new();
    *READY.get_or_init(|| {
        plotters::style::register_font(FONT, FontStyle::Normal, epaint_default_fonts::UBUNTU_LIGHT)
            .is_ok()
    })
}

fn chart_error(e: impl std::fmt::Display) -> BacktestError {
    BacktestError::Artifact {
        artifact: crate::record::names::CHART,
        message: e.to_string(),
    }
}

/// LOCKDOWN periods are shaded orange, CRISIS periods red, in both panels.
fn shade(level: PreservationLevel) -> RGBAColor {
    match level {
        PreservationLevel::Crisis => RGBColor(220, 40, 40).mix(0.18),
        _ => RGBColor(255, 150, 0).mix(0.18),
    }
}

/// Draws `rows` (at least one) to a PNG at `path`, with `title` above the equity panel
/// and the LOCKDOWN/CRISIS `periods` shaded behind both curves.
pub fn draw_equity_chart(
    path: &Path,
    rows: &[EquityPoint],
    periods: &[LevelPeriod],
    title: &str,
) -> Result<(), BacktestError> {
    if !font_ready() {
        return Err(chart_error("the embedded font could not be loaded"));
    }
    let points: Vec<(f64, f64, f64)> = rows
        .iter()
        .map(|r| {
            (
                r.ts.timestamp() as f64,
                r.equity.value().to_f64().unwrap_or(0.0),
                -(r.drawdown.to_f64().unwrap_or(0.0) * 100.0),
            )
        })
        .collect();
    let (Some(first), Some(last)) = (points.first(), points.last()) else {
        return Err(chart_error("no equity observation to draw"));
    };
    let x0 = first.0;
    let x1 = if last.0 > x0 { last.0 } else { x0 + 60.0 };
    let span_days = (x1 - x0) / 86_400.0;
    let (mut lo, mut hi) = points.iter().fold((f64::MAX, f64::MIN), |(lo, hi), p| {
        (lo.min(p.1), hi.max(p.1))
    });
    let pad = ((hi - lo) * 0.05).max(hi.abs() * 0.001).max(1e-6);
    lo -= pad;
    hi += pad;
    let worst = points.iter().fold(0.0_f64, |w, p| w.min(p.2));
    let dd_floor = (worst * 1.1).min(-0.1);

    let label = move |x: &f64| -> String {
        let Some(t) = DateTime::from_timestamp(*x as i64, 0) else {
            return String::new();
        };
        if span_days > 3.0 {
            t.format("%Y-%m-%d").to_string()
        } else {
            t.format("%m-%d %H:%M").to_string()
        }
    };

    let root = BitMapBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE).map_err(chart_error)?;
    let (top, bottom) = root.split_vertically(TOP_HEIGHT);

    let mut equity = ChartBuilder::on(&top)
        .caption(title, (FONT, 22))
        .margin(12)
        .x_label_area_size(28)
        .y_label_area_size(90)
        .build_cartesian_2d(x0..x1, lo..hi)
        .map_err(chart_error)?;
    equity
        .configure_mesh()
        .x_labels(8)
        .x_label_formatter(&label)
        .y_label_formatter(&|y| format!("{y:.0}"))
        .y_desc("equity")
        .label_style((FONT, 14))
        .draw()
        .map_err(chart_error)?;
    let spans: Vec<(f64, f64, RGBAColor)> = periods
        .iter()
        .map(|p| {
            let from = (p.from.timestamp() as f64).clamp(x0, x1);
            let to = (p.to.timestamp() as f64).clamp(x0, x1);
            (from, to, shade(p.level))
        })
        .collect();
    equity
        .draw_series(
            spans
                .iter()
                .map(|(a, b, c)| Rectangle::new([(*a, lo), (*b, hi)], c.filled())),
        )
        .map_err(chart_error)?;
    equity
        .draw_series(LineSeries::new(
            points.iter().map(|p| (p.0, p.1)),
            BLUE.stroke_width(1),
        ))
        .map_err(chart_error)?;

    let mut drawdown = ChartBuilder::on(&bottom)
        .margin(12)
        .x_label_area_size(28)
        .y_label_area_size(90)
        .build_cartesian_2d(x0..x1, dd_floor..0.0)
        .map_err(chart_error)?;
    drawdown
        .configure_mesh()
        .x_labels(8)
        .x_label_formatter(&label)
        .y_label_formatter(&|y| format!("{y:.1}%"))
        .y_desc("drawdown")
        .label_style((FONT, 14))
        .draw()
        .map_err(chart_error)?;
    drawdown
        .draw_series(
            spans
                .iter()
                .map(|(a, b, c)| Rectangle::new([(*a, dd_floor), (*b, 0.0)], c.filled())),
        )
        .map_err(chart_error)?;
    drawdown
        .draw_series(
            AreaSeries::new(points.iter().map(|p| (p.0, p.2)), 0.0, RED.mix(0.3)).border_style(RED),
        )
        .map_err(chart_error)?;

    root.present().map_err(chart_error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone, Utc};
    use domain::Money;
    use rust_decimal::Decimal;

    #[test]
    fn draws_a_png_without_system_fonts() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("equity.png");
        let start = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        let rows: Vec<EquityPoint> = (0..500)
            .map(|i| EquityPoint {
                ts: start + Duration::minutes(i),
                equity: Money::new(Decimal::from(10_000 + (i % 37) * 3 - i)),
                drawdown: Decimal::new(i % 50, 3),
                in_market: i % 2 == 0,
            })
            .collect();
        let periods = [LevelPeriod {
            level: PreservationLevel::Lockdown,
            from: start + Duration::minutes(100),
            to: start + Duration::minutes(200),
        }];
        draw_equity_chart(&path, &rows, &periods, "BTC-USD sma_cross").unwrap();
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
        assert!(bytes.len() > 5_000, "{} bytes", bytes.len());
    }

    #[test]
    fn a_single_point_still_draws() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("equity.png");
        let rows = [EquityPoint {
            ts: Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap(),
            equity: Money::new(Decimal::from(100)),
            drawdown: Decimal::ZERO,
            in_market: false,
        }];
        draw_equity_chart(&path, &rows, &[], "one").unwrap();
        assert!(path.is_file());
    }
}
