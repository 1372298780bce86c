//! Change-score distribution: a box plot per arm (type-7 quartiles, as the descriptives; whiskers
//! to the most extreme values within 1.5 IQR) with every participant's change drawn as a point,
//! jittered sideways by a fixed golden-ratio sequence so reruns give identical figures.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::theme::{self, arm_colour};
use super::{DistributionData, PlotError, draw_err};

/// Type-7 quantile of sorted data (R's default), repeated here so `plot` need not call `stats`.
fn q7(sorted: &[f64], p: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * p;
    let (lo, frac) = (h.floor() as usize, h - h.floor());
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + frac * (sorted[hi] - sorted[lo])
}

/// Draws the distribution figure.
///
/// # Errors
/// plotters failures, as [`PlotError::Draw`].
pub fn distribution<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    data: &DistributionData,
) -> Result<(), PlotError> {
    let e = draw_err("distribution");
    area.fill(&WHITE).map_err(&e)?;
    let all: Vec<f64> = data
        .arms
        .iter()
        .flat_map(|(_, _, v)| v.iter().copied())
        .collect();
    let (mut lo, mut hi) = all
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    if !lo.is_finite() {
        lo = -1.0;
        hi = 1.0;
    }
    let pad = ((hi - lo) * 0.08).max(0.5);
    let k = data.arms.len().max(1);
    let names: Vec<String> = data
        .arms
        .iter()
        .map(|(a, _, v)| format!("{a} (n = {})", v.len()))
        .collect();
    let mut chart = ChartBuilder::on(area)
        .caption(&data.title, (theme::FONT, theme::TITLE_SIZE))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(-0.5f64..(k as f64 - 0.5), (lo - pad)..(hi + pad))
        .map_err(&e)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(theme::LIGHT.mix(0.5))
        .x_labels(k)
        .x_label_formatter(&|x| super::category_label(&names, *x))
        .x_desc("arm")
        .y_desc(&data.y_label)
        .label_style((theme::FONT, theme::TICK_SIZE))
        .axis_desc_style((theme::FONT, theme::LABEL_SIZE))
        .draw()
        .map_err(&e)?;
    // The zero line: no change.
    chart
        .draw_series(std::iter::once(PathElement::new(
            vec![(-0.5, 0.0), (k as f64 - 0.5, 0.0)],
            theme::INK.mix(0.6).stroke_width(1),
        )))
        .map_err(&e)?;
    for (pos, (_, idx, values)) in data.arms.iter().enumerate() {
        if values.is_empty() {
            continue;
        }
        let colour = arm_colour(*idx);
        let x = pos as f64;
        let mut s = values.clone();
        s.sort_by(f64::total_cmp);
        let (q1, med, q3) = (q7(&s, 0.25), q7(&s, 0.5), q7(&s, 0.75));
        let iqr = q3 - q1;
        let wl = s
            .iter()
            .copied()
            .find(|v| *v >= q1 - 1.5 * iqr)
            .unwrap_or(q1);
        let wh = s
            .iter()
            .rev()
            .copied()
            .find(|v| *v <= q3 + 1.5 * iqr)
            .unwrap_or(q3);
        let w = 0.22;
        let ink = theme::INK.stroke_width(2);
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(x - w, q1), (x + w, q3)],
                colour.mix(0.18).filled(),
            )))
            .map_err(&e)?;
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(x - w, q1), (x + w, q3)],
                ink,
            )))
            .map_err(&e)?;
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(x - w, med), (x + w, med)],
                theme::INK.stroke_width(3),
            )))
            .map_err(&e)?;
        for (a, b) in [(q1, wl), (q3, wh)] {
            chart
                .draw_series(std::iter::once(PathElement::new(vec![(x, a), (x, b)], ink)))
                .map_err(&e)?;
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(x - w / 2.0, b), (x + w / 2.0, b)],
                    ink,
                )))
                .map_err(&e)?;
        }
        // Deterministic jitter: fractional parts of i·φ spread evenly in [-0.5, 0.5).
        let pts = values.iter().enumerate().map(|(i, &v)| {
            let j = ((i as f64 + 1.0) * 0.618_033_988_749_895).fract() - 0.5;
            Circle::new((x + j * 0.36, v), 3, colour.mix(0.55).filled())
        });
        chart.draw_series(pts).map_err(&e)?;
    }
    Ok(())
}
