//! Trajectory figure: arm means with 95 % CIs over the timepoints, one colour and marker per
//! arm (colour-blind safe), arms dodged sideways so their error bars do not overlap.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::theme::{self, Marker, arm_colour, arm_marker};
use super::{PlotError, TrajectoryData, draw_err};

/// Draws a marker of the given shape.
pub fn marker<DB: DrawingBackend>(
    chart: &mut ChartContext<
        '_,
        DB,
        Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
    >,
    at: (f64, f64),
    shape: Marker,
    colour: RGBColor,
) -> Result<(), PlotError> {
    let style = colour.filled();
    let res = match shape {
        Marker::Circle => chart
            .draw_series(std::iter::once(Circle::new(at, 5, style)))
            .map(|_| ()),
        Marker::Triangle => chart
            .draw_series(std::iter::once(TriangleMarker::new(at, 6, style)))
            .map(|_| ()),
        Marker::Square => chart
            .draw_series(std::iter::once(
                EmptyElement::at(at) + plotters::element::Rectangle::new([(-4, -4), (4, 4)], style),
            ))
            .map(|_| ()),
        Marker::Cross => chart
            .draw_series(std::iter::once(Cross::new(at, 5, colour.stroke_width(2))))
            .map(|_| ()),
    };
    res.map_err(draw_err("marker"))
}

/// Draws the trajectory figure.
///
/// # Errors
/// plotters failures, as [`PlotError::Draw`].
pub fn trajectory<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    data: &TrajectoryData,
) -> Result<(), PlotError> {
    let e = draw_err("trajectory");
    area.fill(&WHITE).map_err(&e)?;
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for s in &data.series {
        for &(_, m, l, h) in &s.points {
            for v in [Some(m), l, h].into_iter().flatten() {
                lo = lo.min(v);
                hi = hi.max(v);
            }
        }
    }
    if !lo.is_finite() {
        lo = 0.0;
        hi = 1.0;
    }
    let pad = ((hi - lo) * 0.08).max(1e-9);
    let n_t = data.timepoints.len().max(1);
    let mut chart = ChartBuilder::on(area)
        .caption(&data.title, (theme::FONT, theme::TITLE_SIZE))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(-0.5f64..(n_t as f64 - 0.5), (lo - pad)..(hi + pad))
        .map_err(&e)?;
    let tps = data.timepoints.clone();
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(theme::LIGHT.mix(0.5))
        .x_labels(n_t)
        .x_label_formatter(&|x| super::category_label(&tps, *x))
        .x_desc("timepoint")
        .y_desc(&data.y_label)
        .label_style((theme::FONT, theme::TICK_SIZE))
        .axis_desc_style((theme::FONT, theme::LABEL_SIZE))
        .draw()
        .map_err(&e)?;
    let k = data.series.len().max(1) as f64;
    for s in &data.series {
        let colour = arm_colour(s.index);
        let dodge = (s.index as f64 - (k - 1.0) / 2.0) * 0.08;
        let pts: Vec<(f64, f64)> = s
            .points
            .iter()
            .map(|&(t, m, _, _)| (t as f64 + dodge, m))
            .collect();
        chart
            .draw_series(LineSeries::new(pts.clone(), colour.stroke_width(2)))
            .map_err(&e)?
            .label(&s.arm)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(2))
            });
        for &(t, m, l, h) in &s.points {
            if let (Some(l), Some(h)) = (l, h) {
                let x = t as f64 + dodge;
                chart
                    .draw_series(std::iter::once(ErrorBar::new_vertical(
                        x,
                        l,
                        m,
                        h,
                        colour.stroke_width(2),
                        8,
                    )))
                    .map_err(&e)?;
            }
        }
        for p in pts {
            marker(&mut chart, p, arm_marker(s.index), colour)?;
        }
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(theme::INK)
        .label_font((theme::FONT, theme::TICK_SIZE))
        .draw()
        .map_err(&e)?;
    Ok(())
}
