//! Tipping-point figure (issue 17): the estimate of the primary contrast and its 95 % CI
//! against the shift δ added to the imputed values, with the no-difference line and the
//! tipping δ marked.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::theme;
use super::{PlotError, draw_err};
use crate::results::{Analysis, Record, ResultSet};

/// Data of one tipping-point figure.
#[derive(Debug, Clone, PartialEq)]
pub struct TippingData {
    /// Title.
    pub title: String,
    /// (δ, estimate, CI low, CI high) per grid point.
    pub points: Vec<(f64, f64, f64, f64)>,
    /// The tipping δ, if the conclusion changes on the grid.
    pub tipping_delta: Option<f64>,
    /// X-axis description.
    pub x_label: String,
}

fn column(r: &Record, key: &str) -> Option<Vec<f64>> {
    r.extra
        .get(key)?
        .as_array()?
        .iter()
        .map(serde_json::Value::as_f64)
        .collect()
}

/// The figure data of an outcome's `tipping_point` record, if any.
pub fn tipping_data(rs: &ResultSet, outcome: &str, label: &str) -> Option<TippingData> {
    let r = rs.records.iter().find(|r| {
        r.outcome == outcome
            && r.analysis == Analysis::TippingPoint
            && r.statistic_name == "estimate"
    })?;
    let (d, e) = (column(r, "delta_grid")?, column(r, "estimates")?);
    let (lo, hi) = (column(r, "ci_lows")?, column(r, "ci_highs")?);
    let points: Vec<(f64, f64, f64, f64)> = (0..d.len().min(e.len()).min(lo.len()).min(hi.len()))
        .map(|i| (d[i], e[i], lo[i], hi[i]))
        .filter(|p| p.0.is_finite() && p.1.is_finite() && p.2.is_finite() && p.3.is_finite())
        .collect();
    if points.is_empty() {
        return None;
    }
    let shifted = r
        .extra
        .get("shifted_arms")
        .and_then(|v| v.as_str())
        .unwrap_or("");
    Some(TippingData {
        title: format!("{label}: tipping point ({})", r.contrast),
        points,
        tipping_delta: r.extra_f64("tipping_delta"),
        x_label: format!("shift δ of the imputed {shifted} values, against the effect"),
    })
}

/// Draws the tipping-point figure.
///
/// # Errors
/// plotters failures.
pub fn tipping<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    data: &TippingData,
) -> Result<(), PlotError> {
    let e = draw_err("tipping point");
    area.fill(&WHITE).map_err(&e)?;
    let (mut x0, mut x1) = (f64::INFINITY, f64::NEG_INFINITY);
    let (mut y0, mut y1) = (0.0_f64, 0.0_f64);
    for &(d, _, lo, hi) in &data.points {
        x0 = x0.min(d);
        x1 = x1.max(d);
        y0 = y0.min(lo);
        y1 = y1.max(hi);
    }
    if x1 <= x0 {
        x1 = x0 + 1.0;
    }
    let pad = 0.05 * (y1 - y0).max(1e-9);
    let mut chart = ChartBuilder::on(area)
        .caption(&data.title, (theme::FONT, theme::TITLE_SIZE))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(x0..x1, (y0 - pad)..(y1 + pad))
        .map_err(&e)?;
    chart
        .configure_mesh()
        .light_line_style(theme::LIGHT.mix(0.5))
        .x_desc(data.x_label.as_str())
        .y_desc("difference (95 % CI)")
        .label_style((theme::FONT, theme::TICK_SIZE))
        .axis_desc_style((theme::FONT, theme::LABEL_SIZE))
        .draw()
        .map_err(&e)?;
    let ink = theme::INK;
    chart
        .draw_series(LineSeries::new([(x0, 0.0), (x1, 0.0)], ink.mix(0.6)))
        .map_err(&e)?;
    let colour = theme::arm_colour(0);
    for upper in [false, true] {
        chart
            .draw_series(LineSeries::new(
                data.points
                    .iter()
                    .map(|p| (p.0, if upper { p.3 } else { p.2 })),
                colour.mix(0.5).stroke_width(1),
            ))
            .map_err(&e)?;
    }
    chart
        .draw_series(LineSeries::new(
            data.points.iter().map(|p| (p.0, p.1)),
            colour.stroke_width(2),
        ))
        .map_err(&e)?;
    chart
        .draw_series(
            data.points
                .iter()
                .map(|p| Circle::new((p.0, p.1), 3, colour.filled())),
        )
        .map_err(&e)?;
    if let Some(d) = data.tipping_delta {
        chart
            .draw_series(LineSeries::new(
                [(d, y0 - pad), (d, y1 + pad)],
                theme::arm_colour(1).stroke_width(2),
            ))
            .map_err(&e)?;
    }
    Ok(())
}
