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
    /// Weight in the lead model, percent; `None` when the model has no τ² to weight by.
    pub weight: Option<f64>,
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
    /// Pooled estimate and CI; `None` when the lead model gave none (no diamond is drawn and
    /// the pooled line says so: a missing estimate is never drawn as 0).
    pub pooled: Option<(f64, f64, f64)>,
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
    let (mut lo, mut hi) = d
        .pooled
        .map_or((f64::INFINITY, f64::NEG_INFINITY), |p| (p.1, p.2));
    lo = d.rows.iter().map(|r| r.low).fold(lo, f64::min);
    hi = d.rows.iter().map(|r| r.high).fold(hi, f64::max);
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
        .map(|r| match r.weight {
            Some(w) => format!("{} ({w:.1} %)", r.label),
            None => r.label.clone(),
        })
        .chain([match d.pooled {
            Some(_) => format!("{} pooled", d.model),
            None => format!("{} pooled: not estimable", d.model),
        }])
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
    let max_w = d.rows.iter().filter_map(|r| r.weight).fold(1.0, f64::max);
    for (i, r) in d.rows.iter().enumerate() {
        let y = rows_total - 1.0 - i as f64;
        let colour = theme::PALETTE[0];
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(r.low, y), (r.high, y)],
                colour.stroke_width(2),
            )))
            .map_err(&e)?;
        // Square area proportional to the weight (one middle size when there are no weights).
        let half = (3.0 + 7.0 * (r.weight.unwrap_or(max_w / 4.0) / max_w).sqrt()).round() as i32;
        chart
            .draw_series(std::iter::once(
                EmptyElement::at((r.yi, y))
                    + Rectangle::new([(-half, -half), (half, half)], colour.filled()),
            ))
            .map_err(&e)?;
    }
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
    if let Some((m, cl, ch)) = d.pooled {
        chart
            .draw_series(std::iter::once(Polygon::new(
                vec![(cl, 0.0), (m, 0.3), (ch, 0.0), (m, -0.3)],
                theme::PALETTE[1].filled(),
            )))
            .map_err(&e)?
            .label(format!("pooled {:.2} [{:.2}, {:.2}]", m, cl, ch))
            .legend(|(x, y)| {
                Rectangle::new([(x, y - 5), (x + 20, y + 5)], theme::PALETTE[1].filled())
            });
    }
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
    // Without a pooled estimate there is no funnel to centre: only the studies are drawn.
    let pooled = d.pooled.map(|p| p.0);
    let (lo, hi) = pooled.map_or((f64::INFINITY, f64::NEG_INFINITY), |m| {
        (m - z * max_se, m + z * max_se)
    });
    let lo = d.rows.iter().map(|r| r.yi).fold(lo, f64::min);
    let hi = d.rows.iter().map(|r| r.yi).fold(hi, f64::max);
    let pad = ((hi - lo) * 0.05).max(0.05);
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
    if let Some(m) = pooled {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn data(pooled: Option<(f64, f64, f64)>, weight: Option<f64>) -> MetaPlotData {
        MetaPlotData {
            title: "t".into(),
            measure: "g".into(),
            rows: vec![
                MetaRow {
                    label: "S1".into(),
                    yi: 0.8,
                    low: 0.5,
                    high: 1.1,
                    weight,
                    se: 0.15,
                },
                MetaRow {
                    label: "S2".into(),
                    yi: 1.2,
                    low: 0.9,
                    high: 1.5,
                    weight,
                    se: 0.15,
                },
            ],
            model: "REML".into(),
            pooled,
            pi: None,
            higher_favours_backward: true,
        }
    }

    /// Issue 16: a missing pooled estimate is not drawn as 0 with CI [0, 0], and missing weights
    /// are not computed with τ² = 0.
    #[test]
    fn a_missing_pooled_estimate_draws_no_diamond_and_says_so() {
        let draw = |d: &MetaPlotData| {
            let size = forest_size(d);
            let forest = crate::plot::to_svg(|a| forest(a, d), size).unwrap();
            let funnel = crate::plot::to_svg(|a| funnel(a, d), size).unwrap();
            (forest, funnel)
        };
        let (with, with_funnel) = draw(&data(Some((1.0, 0.8, 1.2)), Some(50.0)));
        assert!(with.contains("pooled 1.00 [0.80, 1.20]") && with.contains("S1 (50.0 %)"));
        let (without, without_funnel) = draw(&data(None, None));
        assert!(without.contains("REML pooled: not estimable"), "{without}");
        assert!(!without.contains("pooled 0.00") && !without.contains("pooled 1.00"));
        assert!(
            !without.contains(" %)"),
            "no weights are shown without a model"
        );
        // The diamond is one polygon, the funnel another: neither is drawn without an estimate.
        assert!(with.matches("<polygon").count() > without.matches("<polygon").count());
        assert!(
            with_funnel.matches("<polygon").count() > without_funnel.matches("<polygon").count()
        );
    }
}
