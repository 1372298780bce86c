//! The CONSORT 2025 flow diagram (issue 19): assessed for eligibility, excluded with reasons,
//! randomised, and per arm allocated, did not receive the intervention, lost to follow-up and
//! discontinued with reasons, analysed. Boxes grow with their lines of text; reasons longer
//! than a box are shortened with an ellipsis (the report's table has them in full).

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::flow::arrow;
use super::theme::{self, arm_colour};
use super::{PlotError, draw_err};
use crate::results::{ConsortArm, ConsortFlow, ReasonCount};

const BOX_W: i32 = 250;
const LINE_H: i32 = 17;
const PAD: i32 = 8;
const GAP_Y: i32 = 24;
const GAP_X: i32 = 24;
/// Characters of a line that fit in a box at the tick font size.
const FIT: usize = 36;

fn height(lines: usize) -> i32 {
    lines.max(1) as i32 * LINE_H + 2 * PAD
}

fn short(s: &str) -> String {
    if s.chars().count() <= FIT {
        s.to_string()
    } else {
        let t: String = s.chars().take(FIT - 1).collect();
        format!("{t}…")
    }
}

fn with_reasons(head: String, reasons: &[ReasonCount]) -> Vec<String> {
    let mut v = vec![head];
    v.extend(
        reasons
            .iter()
            .map(|r| short(&format!("• {} ({})", r.reason, r.n))),
    );
    v
}

fn total(r: &[ReasonCount]) -> usize {
    r.iter().map(|x| x.n).sum()
}

/// The boxes of one arm's column, top to bottom.
fn arm_boxes(a: &ConsortArm, outcome: &str) -> Vec<Vec<String>> {
    let not_received = total(&a.not_received);
    let mut allocated = vec![
        short(&format!("Allocated to {} (n = {})", a.arm, a.allocated)),
        format!(
            "Received allocated intervention (n = {})",
            a.allocated - not_received.min(a.allocated)
        ),
    ];
    allocated.extend(with_reasons(
        format!("Did not receive it (n = {not_received})"),
        &a.not_received,
    ));
    let mut follow = with_reasons(
        format!("Lost to follow-up (n = {})", total(&a.lost)),
        &a.lost,
    );
    follow.extend(with_reasons(
        format!("Discontinued intervention (n = {})", total(&a.discontinued)),
        &a.discontinued,
    ));
    let mut analysed = vec![
        format!("Analysed (n = {})", a.analysed),
        short(&format!("complete cases of {outcome}")),
    ];
    analysed.extend(with_reasons(
        format!(
            "Excluded from analysis (n = {})",
            total(&a.excluded_from_analysis)
        ),
        &a.excluded_from_analysis,
    ));
    vec![allocated, follow, analysed]
}

fn top_boxes(f: &ConsortFlow) -> (Option<Vec<String>>, Vec<String>) {
    let assessed = f.assessed.map(|n| {
        let mut v = vec![format!("Assessed for eligibility (n = {n})")];
        v.extend(with_reasons(
            format!("Excluded (n = {})", total(&f.excluded)),
            &f.excluded,
        ));
        v
    });
    (assessed, vec![format!("Randomised (n = {})", f.randomised)])
}

/// Figure size for this flow.
pub fn size(f: &ConsortFlow) -> (u32, u32) {
    let cols = f.arms.len().max(1) as i32;
    let (assessed, randomised) = top_boxes(f);
    let top = assessed.map_or(0, |a| height(a.len()) + GAP_Y) + height(randomised.len()) + GAP_Y;
    let rows: Vec<i32> = (0..3)
        .map(|k| {
            f.arms
                .iter()
                .map(|a| height(arm_boxes(a, &f.analysed_outcome)[k].len()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let h = 50 + top + rows.iter().sum::<i32>() + 3 * GAP_Y;
    ((cols * (BOX_W + GAP_X) + GAP_X).max(560) as u32, h as u32)
}

fn boxed<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    (x, y): (i32, i32),
    lines: &[String],
    colour: RGBColor,
) -> Result<i32, PlotError> {
    let e = draw_err("consort flow");
    let h = height(lines.len());
    area.draw(&Rectangle::new(
        [(x, y), (x + BOX_W, y + h)],
        colour.mix(0.10).filled(),
    ))
    .map_err(&e)?;
    area.draw(&Rectangle::new(
        [(x, y), (x + BOX_W, y + h)],
        colour.stroke_width(2),
    ))
    .map_err(&e)?;
    let style = TextStyle::from((theme::FONT, theme::TICK_SIZE).into_font())
        .color(&theme::INK)
        .pos(Pos::new(HPos::Left, VPos::Center));
    for (i, l) in lines.iter().enumerate() {
        let ty = y + PAD + LINE_H * i as i32 + LINE_H / 2;
        area.draw(&Text::new(l.clone(), (x + PAD, ty), style.clone()))
            .map_err(&e)?;
    }
    Ok(h)
}

/// Draws the CONSORT 2025 flow diagram.
///
/// # Errors
/// plotters failures, as [`PlotError::Draw`].
pub fn consort_flow<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    f: &ConsortFlow,
) -> Result<(), PlotError> {
    let e = draw_err("consort flow");
    area.fill(&WHITE).map_err(&e)?;
    let (w, _) = area.dim_in_pixel();
    let mid = w as i32 / 2;
    let title = TextStyle::from((theme::FONT, theme::TITLE_SIZE).into_font())
        .color(&theme::INK)
        .pos(Pos::new(HPos::Center, VPos::Top));
    area.draw(&Text::new(
        "CONSORT 2025 flow diagram".to_string(),
        (mid, 8),
        title,
    ))
    .map_err(&e)?;
    let mut y = 40;
    let (assessed, randomised) = top_boxes(f);
    if let Some(a) = assessed {
        let h = boxed(area, (mid - BOX_W / 2, y), &a, theme::INK)?;
        arrow(area, (mid, y + h), (mid, y + h + GAP_Y))?;
        y += h + GAP_Y;
    }
    let h = boxed(area, (mid - BOX_W / 2, y), &randomised, theme::INK)?;
    let from = (mid, y + h);
    y += h + GAP_Y;
    let cols = f.arms.len() as i32;
    let x0 = (w as i32 - (cols * BOX_W + (cols - 1).max(0) * GAP_X)) / 2;
    let columns: Vec<Vec<Vec<String>>> = f
        .arms
        .iter()
        .map(|a| arm_boxes(a, &f.analysed_outcome))
        .collect();
    let row_h: Vec<i32> = (0..3)
        .map(|k| {
            columns
                .iter()
                .map(|c| height(c[k].len()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    for (c, boxes) in columns.iter().enumerate() {
        let x = x0 + c as i32 * (BOX_W + GAP_X);
        let colour = arm_colour(c);
        arrow(area, from, (x + BOX_W / 2, y))?;
        let mut yy = y;
        for (k, lines) in boxes.iter().enumerate() {
            let h = boxed(area, (x, yy), lines, colour)?;
            if k + 1 < boxes.len() {
                arrow(
                    area,
                    (x + BOX_W / 2, yy + h),
                    (x + BOX_W / 2, yy + row_h[k] + GAP_Y),
                )?;
            }
            yy += row_h[k] + GAP_Y;
        }
    }
    Ok(())
}
