//! Power-curve figure of `retrotrial power --out DIR`: power against participants per arm, one
//! line per difference, with the target power and the planned n marked.
//!
//! Receives the curve points already computed (by `stats::power` in `app`); draws only.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::theme::{self, arm_colour};
use super::{Figure, PlotError, PlotRef, draw_err, png_bytes, to_svg};

/// Data of the power-curve figure.
#[derive(Debug, Clone, PartialEq)]
pub struct PowerCurveData {
    /// Title.
    pub title: String,
    /// One line per difference: (legend label, (n per arm, power) points in increasing n).
    pub curves: Vec<(String, Vec<(f64, f64)>)>,
    /// Target power (horizontal reference line), if any.
    pub target: Option<f64>,
    /// The plan: (n per arm, power), marked with a point.
    pub plan: Option<(f64, f64)>,
}

/// Draws the power curve.
///
/// # Errors
/// plotters failures.
pub fn power_curve<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    data: &PowerCurveData,
) -> Result<(), PlotError> {
    let e = draw_err("power curve");
    area.fill(&WHITE).map_err(&e)?;
    let x_max = data
        .curves
        .iter()
        .flat_map(|(_, pts)| pts.iter().map(|p| p.0))
        .fold(2.0_f64, f64::max);
    let mut chart = ChartBuilder::on(area)
        .caption(&data.title, (theme::FONT, theme::TITLE_SIZE))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0f64..x_max, 0.0f64..1.0)
        .map_err(&e)?;
    chart
        .configure_mesh()
        .light_line_style(theme::LIGHT.mix(0.5))
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&|y| format!("{:.0} %", y * 100.0))
        .x_desc("participants per arm")
        .y_desc("power")
        .label_style((theme::FONT, theme::TICK_SIZE))
        .axis_desc_style((theme::FONT, theme::LABEL_SIZE))
        .draw()
        .map_err(&e)?;
    if let Some(t) = data.target {
        chart
            .draw_series(LineSeries::new(
                [(0.0, t), (x_max, t)],
                theme::INK.mix(0.6).stroke_width(1),
            ))
            .map_err(&e)?;
    }
    for (i, (label, pts)) in data.curves.iter().enumerate() {
        let colour = arm_colour(i);
        chart
            .draw_series(LineSeries::new(pts.iter().copied(), colour.stroke_width(2)))
            .map_err(&e)?
            .label(label.as_str())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(2))
            });
    }
    if let Some((n, p)) = data.plan {
        chart
            .draw_series(std::iter::once(Circle::new((n, p), 5, theme::INK.filled())))
            .map_err(&e)?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.9))
        .border_style(theme::LIGHT)
        .label_font((theme::FONT, theme::TICK_SIZE))
        .draw()
        .map_err(&e)?;
    Ok(())
}

/// Draws `power_curve.svg` (and its PNG bytes with `png`); the caller writes them.
///
/// # Errors
/// Drawing failures.
pub fn render(data: &PowerCurveData, png: bool) -> Result<Figure, PlotError> {
    let size = (theme::WIDTH, theme::HEIGHT);
    let svg = to_svg(|a| power_curve(a, data), size)?;
    let png = if png {
        Some(png_bytes(|a| power_curve(a, data), size)?)
    } else {
        None
    };
    Ok(Figure {
        plot: PlotRef {
            kind: "power_curve".into(),
            outcome: String::new(),
            title: data.title.clone(),
            file: "power_curve.svg".into(),
            svg,
        },
        png,
    })
}
