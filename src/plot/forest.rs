//! Forest plot of Hedges' g for every outcome and contrast, oriented so that the right of zero
//! favours the first arm of each contrast (the outcome's better direction taken into account),
//! with both sides labelled.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::theme;
use super::{ForestData, PlotError, draw_err};

/// Figure size: taller with more rows.
pub fn size(data: &ForestData) -> (u32, u32) {
    (theme::WIDTH + 140, 130 + 30 * data.rows.len().max(1) as u32)
}

/// The size of several forest panels stacked in one figure.
pub fn panels_size(panels: &[ForestData]) -> (u32, u32) {
    let h = panels.iter().map(|p| size(p).1).sum::<u32>().max(1);
    (theme::WIDTH + 140, h)
}

/// Draws several forest panels stacked top to bottom, each with its own axis (one panel per
/// metric and unit: effects in different units never share an axis).
///
/// # Errors
/// plotters failures, as [`PlotError::Draw`].
pub fn forest_panels<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    panels: &[ForestData],
) -> Result<(), PlotError> {
    let mut rest = area.clone();
    for p in panels {
        let (top, bottom) = rest.split_vertically(size(p).1);
        forest(&top, p)?;
        rest = bottom;
    }
    Ok(())
}

/// Draws the forest plot.
///
/// # Errors
/// plotters failures, as [`PlotError::Draw`].
pub fn forest<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    data: &ForestData,
) -> Result<(), PlotError> {
    let e = draw_err("forest");
    area.fill(&WHITE).map_err(&e)?;
    let n = data.rows.len().max(1);
    let m = data
        .rows
        .iter()
        .flat_map(|r| [r.low.abs(), r.high.abs()])
        .fold(0.5f64, f64::max)
        * 1.1;
    let labels: Vec<String> = data.rows.iter().map(|r| r.label.clone()).collect();
    let mut chart = ChartBuilder::on(area)
        .caption(&data.title, (theme::FONT, theme::TITLE_SIZE))
        .margin(14)
        .x_label_area_size(55)
        .y_label_area_size(330)
        .build_cartesian_2d(-m..m, -0.5f64..(n as f64 - 0.5))
        .map_err(&e)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .light_line_style(theme::LIGHT.mix(0.5))
        .y_labels(n)
        .y_label_formatter(&|y| {
            let i = y.round();
            if (y - i).abs() < 1e-6 && i >= 0.0 {
                // Row 0 is at the top.
                labels.get(n - 1 - i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .x_desc(&data.x_label)
        .label_style((theme::FONT, theme::TICK_SIZE))
        .axis_desc_style((theme::FONT, theme::LABEL_SIZE))
        .draw()
        .map_err(&e)?;
    chart
        .draw_series(std::iter::once(PathElement::new(
            vec![(0.0, -0.5), (0.0, n as f64 - 0.5)],
            theme::INK.stroke_width(1),
        )))
        .map_err(&e)?;
    if let Some(x) = data.reference.filter(|x| x.is_finite()) {
        // Dashed: short segments along the row span.
        let steps = 4 * n;
        let h = n as f64 / steps as f64;
        chart
            .draw_series((0..steps).step_by(2).map(|k| {
                let y0 = -0.5 + k as f64 * h;
                PathElement::new(
                    vec![(x, y0), (x, y0 + h)],
                    theme::PALETTE[1].stroke_width(2),
                )
            }))
            .map_err(&e)?;
    }
    for (i, r) in data.rows.iter().enumerate() {
        let y = (n - 1 - i) as f64;
        let colour = theme::PALETTE[0];
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(r.low, y), (r.high, y)],
                colour.stroke_width(2),
            )))
            .map_err(&e)?;
        chart
            .draw_series(std::iter::once(
                EmptyElement::at((r.estimate, y))
                    + Rectangle::new([(-5, -5), (5, 5)], colour.filled()),
            ))
            .map_err(&e)?;
    }
    Ok(())
}
