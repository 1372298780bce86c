//! Participant flow diagram in the CONSORT style: the randomised total on top, one column of
//! boxes per arm (allocated, observed at each timepoint, analysed as complete cases of the
//! primary outcome), joined by arrows.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::theme::{self, arm_colour};
use super::{FlowData, PlotError, draw_err};

const BOX_W: i32 = 210;
const BOX_H: i32 = 48;
const GAP_Y: i32 = 26;
const GAP_X: i32 = 30;

/// Figure size for the number of arms and timepoints.
pub fn size(data: &FlowData) -> (u32, u32) {
    let cols = data.arms.len().max(1) as i32;
    let rows = data.arms.first().map_or(1, |a| a.observed.len()) as i32 + 3;
    (
        (cols * (BOX_W + GAP_X) + GAP_X).max(480) as u32,
        (rows * (BOX_H + GAP_Y) + 60) as u32,
    )
}

fn boxed<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    (x, y): (i32, i32),
    lines: &[String],
    colour: RGBColor,
) -> Result<(), PlotError> {
    let e = draw_err("flow");
    area.draw(&Rectangle::new(
        [(x, y), (x + BOX_W, y + BOX_H)],
        colour.mix(0.12).filled(),
    ))
    .map_err(&e)?;
    area.draw(&Rectangle::new(
        [(x, y), (x + BOX_W, y + BOX_H)],
        colour.stroke_width(2),
    ))
    .map_err(&e)?;
    let style = TextStyle::from((theme::FONT, theme::TICK_SIZE).into_font())
        .color(&theme::INK)
        .pos(Pos::new(HPos::Center, VPos::Center));
    let k = lines.len().max(1) as i32;
    for (i, l) in lines.iter().enumerate() {
        let ty = y + BOX_H * (2 * i as i32 + 1) / (2 * k);
        area.draw(&Text::new(l.clone(), (x + BOX_W / 2, ty), style.clone()))
            .map_err(&e)?;
    }
    Ok(())
}

/// A line from `from` to `to` with an arrow head at `to` (both flow diagrams).
pub(super) fn arrow<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    from: (i32, i32),
    to: (i32, i32),
) -> Result<(), PlotError> {
    let e = draw_err("flow arrow");
    area.draw(&PathElement::new(
        vec![from, to],
        theme::INK.stroke_width(1),
    ))
    .map_err(&e)?;
    area.draw(&Polygon::new(
        vec![(to.0 - 4, to.1 - 7), (to.0 + 4, to.1 - 7), to],
        theme::INK.filled(),
    ))
    .map_err(&e)?;
    Ok(())
}

/// Draws the flow diagram.
///
/// # Errors
/// plotters failures, as [`PlotError::Draw`].
pub fn flow<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    data: &FlowData,
) -> Result<(), PlotError> {
    let e = draw_err("flow");
    area.fill(&WHITE).map_err(&e)?;
    let (w, _) = area.dim_in_pixel();
    let title = TextStyle::from((theme::FONT, theme::TITLE_SIZE).into_font())
        .color(&theme::INK)
        .pos(Pos::new(HPos::Center, VPos::Top));
    area.draw(&Text::new(
        "Participant flow".to_string(),
        (w as i32 / 2, 8),
        title,
    ))
    .map_err(&e)?;
    let top = (w as i32 / 2 - BOX_W / 2, 40);
    boxed(
        area,
        top,
        &[format!("Randomised: {}", data.total)],
        theme::INK,
    )?;
    let cols = data.arms.len() as i32;
    let total_w = cols * BOX_W + (cols - 1).max(0) * GAP_X;
    let x0 = (w as i32 - total_w) / 2;
    for (c, fa) in data.arms.iter().enumerate() {
        let (arm, n, observed, complete) = (&fa.arm, &fa.randomised, &fa.observed, &fa.complete);
        let colour = arm_colour(c);
        let x = x0 + c as i32 * (BOX_W + GAP_X);
        let mut y = top.1 + BOX_H + GAP_Y;
        arrow(area, (w as i32 / 2, top.1 + BOX_H), (x + BOX_W / 2, y))?;
        boxed(
            area,
            (x, y),
            &[format!("Allocated to {arm}"), format!("n = {n}")],
            colour,
        )?;
        for (tp, k) in observed {
            arrow(
                area,
                (x + BOX_W / 2, y + BOX_H),
                (x + BOX_W / 2, y + BOX_H + GAP_Y),
            )?;
            y += BOX_H + GAP_Y;
            let lost = n.saturating_sub(*k);
            boxed(
                area,
                (x, y),
                &[format!("{tp}: observed {k}"), format!("missing {lost}")],
                colour,
            )?;
        }
        if let Some(cc) = complete {
            arrow(
                area,
                (x + BOX_W / 2, y + BOX_H),
                (x + BOX_W / 2, y + BOX_H + GAP_Y),
            )?;
            y += BOX_H + GAP_Y;
            boxed(
                area,
                (x, y),
                &[
                    format!("Analysed ({})", data.primary_outcome),
                    format!("complete cases {cc}"),
                ],
                colour,
            )?;
        }
    }
    Ok(())
}
