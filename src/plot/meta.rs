//! Meta-analysis figures: the forest plot (one row per study with its CI and weight, the pooled
//! diamond, the prediction interval, the side that favours backward walking labelled) and the
//! funnel plot (effect against standard error, with the pooled line and the 95 % funnel).

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::theme;
use super::{PlotError, draw_err};

/// One study of the forest plot.
#[derive(Debug, Clone, PartialEq)]
pub struct MetaRow {
    /// Study id.
    pub label: String,
    /// Effect.
    pub yi: f64,
    /// CI.
    pub low: f64,
    /// CI.
    pub high: f64,
    /// Weight in the lead model, percent.
    pub weight: f64,
    /// Standard error (funnel).
    pub se: f64,
}

/// Data of the meta-analysis figures.
#[derive(Debug, Clone, PartialEq)]
pub struct MetaPlotData {
    /// Title.
    pub title: String,
    /// Axis description (measure).
    pub measure: String,
    /// Studies.
    pub rows: Vec<MetaRow>,
    /// Lead model label, e.g. `REML`.
    pub model: String,
    /// Pooled estimate and CI.
    pub pooled: (f64, f64, f64),
    /// Prediction interval, if the model has one.
    pub pi: Option<(f64, f64)>,
    /// True when larger values favour backward walking (after the outcome's direction).
    pub higher_favours_backward: bool,
}

/// Forest plot size: taller with more studies.
pub fn forest_size(d: &MetaPlotData) -> (u32, u32) {
    (theme::WIDTH + 140, 220 + 32 * d.rows.len().max(1) as u32)
}

/// Draws the forest plot.
///
/// # Errors
/// plotters failures.
pub fn forest<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    d: &MetaPlotData,
) -> Result<(), PlotError> {
    let e = draw_err("meta forest");
    area.fill(&WHITE).map_err(&e)?;
    let n = d.rows.len();
    let mut lo = d.rows.iter().map(|r| r.low).fold(d.pooled.1, f64::min);
    let mut hi = d.rows.iter().map(|r| r.high).fold(d.pooled.2, f64::max);
    if let Some((a, b)) = d.pi {
        lo = lo.min(a);
        hi = hi.max(b);
    }
    lo = lo.min(0.0);
    hi = hi.max(0.0);
    let pad = (hi - lo).max(0.1) * 0.08;
    let rows_total = n as f64 + 2.0;
    let labels: Vec<String> = d
        .rows
        .iter()
        .map(|r| format!("{} ({:.1} %)", r.label, r.weight))
        .chain([format!("{} pooled", d.model)])
        .collect();
    let favours = if d.higher_favours_backward {
        "← favours comparator  |  favours backward →"
    } else {
        "← favours backward  |  favours comparator →"
    };
    let mut chart = ChartBuilder::on(area)
        .caption(&d.title, (theme::FONT, theme::TITLE_SIZE))
        .margin(14)
        .x_label_area_size(55)
        .y_label_area_size(230)
        .build_cartesian_2d((lo - pad)..(hi + pad), -2.0f64..(rows_total - 0.5))
        .map_err(&e)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .light_line_style(theme::LIGHT.mix(0.5))
        .y_labels(n + 5)
        .y_label_formatter(&|y| {
            let i = y.round();
            if (y - i).abs() > 1e-6 || i < 0.0 {
                return String::new();
            }
            // Rows from the top: studies, a gap, the pooled line at y = 0.
            let from_top = rows_total as usize - 1 - i as usize;
            if from_top < n {
                labels[from_top].clone()
            } else if i == 0.0 {
                labels[n].clone()
            } else {
                String::new()
            }
        })
        .x_desc(format!("{}   {favours}", d.measure))
        .label_style((theme::FONT, theme::TICK_SIZE))
        .axis_desc_style((theme::FONT, theme::LABEL_SIZE))
        .draw()
        .map_err(&e)?;
    chart
        .draw_series(std::iter::once(PathElement::new(
            vec![(0.0, -2.0), (0.0, rows_total - 0.5)],
            theme::INK.stroke_width(1),
        )))
        .map_err(&e)?;
    let max_w = d.rows.iter().map(|r| r.weight).fold(1.0, f64::max);
    for (i, r) in d.rows.iter().enumerate() {
        let y = rows_total - 1.0 - i as f64;
        let colour = theme::PALETTE[0];
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(r.low, y), (r.high, y)],
                colour.stroke_width(2),
            )))
            .map_err(&e)?;
        // Square area proportional to the weight.
        let half = (3.0 + 7.0 * (r.weight / max_w).sqrt()).round() as i32;
        chart
            .draw_series(std::iter::once(
                EmptyElement::at((r.yi, y))
                    + Rectangle::new([(-half, -half), (half, half)], colour.filled()),
            ))
            .map_err(&e)?;
    }
    let (m, cl, ch) = d.pooled;
    if let Some((a, b)) = d.pi {
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(a, 0.0), (b, 0.0)],
                theme::PALETTE[5].stroke_width(2),
            )))
            .map_err(&e)?
            .label("prediction interval")
            .legend(|(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], theme::PALETTE[5].stroke_width(2))
            });
    }
    chart
        .draw_series(std::iter::once(Polygon::new(
            vec![(cl, 0.0), (m, 0.3), (ch, 0.0), (m, -0.3)],
            theme::PALETTE[1].filled(),
        )))
        .map_err(&e)?
        .label(format!("pooled {:.2} [{:.2}, {:.2}]", m, cl, ch))
        .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 20, y + 5)], theme::PALETTE[1].filled()));
    // The legend sits in the band below the pooled row, clear of every study line.
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.85))
        .border_style(theme::INK)
        .label_font((theme::FONT, theme::TICK_SIZE))
        .draw()
        .map_err(&e)?;
    Ok(())
}

/// Draws the funnel plot.
///
/// # Errors
/// plotters failures.
pub fn funnel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    d: &MetaPlotData,
) -> Result<(), PlotError> {
    let e = draw_err("funnel");
    area.fill(&WHITE).map_err(&e)?;
    let max_se = d.rows.iter().map(|r| r.se).fold(0.0, f64::max).max(1e-6) * 1.1;
    let z = 1.959_963_984_540_054;
    let m = d.pooled.0;
    let lo = d.rows.iter().map(|r| r.yi).fold(m - z * max_se, f64::min);
    let hi = d.rows.iter().map(|r| r.yi).fold(m + z * max_se, f64::max);
    let pad = (hi - lo) * 0.05;
    // The y axis runs from SE 0 at the top to the largest SE at the bottom: plot −SE.
    let mut chart = ChartBuilder::on(area)
        .caption(
            format!("Funnel plot ({})", d.model),
            (theme::FONT, theme::TITLE_SIZE),
        )
        .margin(14)
        .x_label_area_size(45)
        .y_label_area_size(60)
        .build_cartesian_2d((lo - pad)..(hi + pad), -max_se..0.0)
        .map_err(&e)?;
    chart
        .configure_mesh()
        .light_line_style(theme::LIGHT.mix(0.5))
        .y_label_formatter(&|v| format!("{:.2}", -v))
        .x_desc(d.measure.clone())
        .y_desc("standard error")
        .label_style((theme::FONT, theme::TICK_SIZE))
        .axis_desc_style((theme::FONT, theme::LABEL_SIZE))
        .draw()
        .map_err(&e)?;
    chart
        .draw_series(std::iter::once(Polygon::new(
            vec![
                (m, 0.0),
                (m - z * max_se, -max_se),
                (m + z * max_se, -max_se),
            ],
            theme::LIGHT.mix(0.35).filled(),
        )))
        .map_err(&e)?;
    chart
        .draw_series(std::iter::once(PathElement::new(
            vec![(m, 0.0), (m, -max_se)],
            theme::INK.stroke_width(1),
        )))
        .map_err(&e)?;
    for side in [-1.0, 1.0] {
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(m, 0.0), (m + side * z * max_se, -max_se)],
                theme::INK.mix(0.5).stroke_width(1),
            )))
            .map_err(&e)?;
    }
    let style = TextStyle::from((theme::FONT, theme::TICK_SIZE).into_font())
        .pos(Pos::new(HPos::Left, VPos::Center));
    for r in &d.rows {
        chart
            .draw_series(std::iter::once(Circle::new(
                (r.yi, -r.se),
                5,
                theme::PALETTE[0].filled(),
            )))
            .map_err(&e)?;
        chart
            .draw_series(std::iter::once(Text::new(
                format!(" {}", r.label),
                (r.yi, -r.se),
                style.clone(),
            )))
            .map_err(&e)?;
    }
    Ok(())
}
