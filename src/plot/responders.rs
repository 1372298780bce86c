//! Responder figure: the proportion of participants per arm whose improvement reached the MCID,
//! with 95 % Wilson CIs, one colour and marker per arm.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::theme::{self, arm_colour, arm_marker};
use super::trajectory::marker;
use super::{PlotError, draw_err};

/// Data of one responder figure.
#[derive(Debug, Clone, PartialEq)]
pub struct RespondersData {
    /// Title.
    pub title: String,
    /// (arm, arm index, proportion, CI low, CI high) per arm.
    pub arms: Vec<(String, usize, f64, f64, f64)>,
}

/// Draws the responder figure.
///
/// # Errors
/// plotters failures.
pub fn responders<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    data: &RespondersData,
) -> Result<(), PlotError> {
    let e = draw_err("responders");
    area.fill(&WHITE).map_err(&e)?;
    let k = data.arms.len().max(1);
    let names: Vec<String> = data.arms.iter().map(|a| a.0.clone()).collect();
    let mut chart = ChartBuilder::on(area)
        .caption(&data.title, (theme::FONT, theme::TITLE_SIZE))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(-0.5f64..(k as f64 - 0.5), 0.0f64..1.0)
        .map_err(&e)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(theme::LIGHT.mix(0.5))
        .x_labels(k)
        .x_label_formatter(&|x| super::category_label(&names, *x))
        .y_label_formatter(&|y| format!("{:.0} %", y * 100.0))
        .x_desc("arm")
        .y_desc("responders (95 % Wilson CI)")
        .label_style((theme::FONT, theme::TICK_SIZE))
        .axis_desc_style((theme::FONT, theme::LABEL_SIZE))
        .draw()
        .map_err(&e)?;
    for (pos, (_, idx, p, lo, hi)) in data.arms.iter().enumerate() {
        let colour = arm_colour(*idx);
        let x = pos as f64;
        chart
            .draw_series(std::iter::once(ErrorBar::new_vertical(
                x,
                *lo,
                *p,
                *hi,
                colour.stroke_width(2),
                12,
            )))
            .map_err(&e)?;
        marker(&mut chart, (x, *p), arm_marker(*idx), colour)?;
    }
    Ok(())
}
