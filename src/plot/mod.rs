//! Figures: builds per-figure data from the [`ResultSet`] (never calls `stats`), draws each
//! figure with one function generic over the plotters backend, and writes `plots/*.svg` (and
//! `*.png` when asked) atomically. File names come from outcome ids through
//! [`safe_file_name`].

pub mod consort_flow;
pub mod distribution;
pub mod flow;
pub mod forest;
pub mod meta;
pub mod power;
pub mod responders;
pub mod subgroup;
pub mod theme;
pub mod tipping;
pub mod trajectory;

use plotters::coord::Shift;
use plotters::prelude::*;
use serde::{Deserialize, Serialize};

use crate::results::{Analysis, ResultSet};

/// Errors while drawing (exit 2: a report without its figures is not written silently).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PlotError {
    /// The bundled font could not be registered.
    #[error("cannot register the bundled DejaVu font")]
    Font,
    /// plotters failed while drawing.
    #[error("cannot draw {figure}: {message}")]
    Draw {
        /// Which figure.
        figure: String,
        /// plotters' message.
        message: String,
    },
    /// Writing a figure failed.
    #[error(transparent)]
    Write(#[from] crate::output::OutputError),
}

/// Maps a plotters error into a [`PlotError::Draw`] for `figure`.
pub fn draw_err<E: std::fmt::Display>(figure: &str) -> impl Fn(E) -> PlotError + '_ {
    move |e| PlotError::Draw {
        figure: figure.to_string(),
        message: e.to_string(),
    }
}

/// A written figure, as the reports reference it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlotRef {
    /// `trajectory`, `distribution`, `forest` or `flow`.
    pub kind: String,
    /// The outcome it belongs to, or empty for whole-trial figures.
    pub outcome: String,
    /// Caption.
    pub title: String,
    /// Path relative to the output directory, e.g. `plots/trajectory_pain_nrs.svg`.
    pub file: String,
    /// The SVG text (inlined by the HTML report).
    #[serde(skip)]
    pub svg: String,
}

/// A drawn figure: its reference for the reports and its bytes, which the report stage writes
/// (`plot` draws; it does not write files).
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    /// Kind, caption, file and SVG text.
    pub plot: PlotRef,
    /// The PNG, when asked for (`--png`); written next to the SVG.
    pub png: Option<Vec<u8>>,
}

impl Figure {
    /// The PNG's path relative to the output directory (`plots/flow.png`).
    pub fn png_file(&self) -> String {
        let stem = self
            .plot
            .file
            .strip_suffix(".svg")
            .unwrap_or(&self.plot.file);
        format!("{stem}.png")
    }
}

/// Turns an id into a file-name stem: ASCII letters, digits, `-` and `_`; everything else
/// becomes `_`; never empty, at most 64 characters (criterion's `make_filename_safe`).
pub fn safe_file_name(id: &str) -> String {
    let mut s: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(64)
        .collect();
    if s.is_empty() || s.chars().all(|c| c == '_') {
        s = format!("x{s}");
    }
    s
}

/// File stems for the outcomes, in order: [`safe_file_name`] of each, with `_2`, `_3`, … added
/// when two names sanitise to the same stem (`pain.nrs` and `pain/nrs`), so no figure
/// overwrites another's file.
pub fn unique_stems(names: &[&str]) -> Vec<String> {
    let mut used = std::collections::BTreeSet::new();
    names
        .iter()
        .map(|n| {
            let base = safe_file_name(n);
            let mut stem = base.clone();
            let mut k = 2;
            while !used.insert(stem.clone()) {
                stem = format!("{base}_{k}");
                k += 1;
            }
            stem
        })
        .collect()
}

/// The tick label of a categorical axis drawn on 0, 1, 2, …: the name at an integer position,
/// nothing between positions.
pub fn category_label(names: &[String], x: f64) -> String {
    let i = x.round();
    if (x - i).abs() < 1e-6 && i >= 0.0 {
        names.get(i as usize).cloned().unwrap_or_default()
    } else {
        String::new()
    }
}

/// One arm's series of a trajectory: (timepoint index, mean, CI low, CI high).
#[derive(Debug, Clone, PartialEq)]
pub struct ArmSeries {
    /// Arm name.
    pub arm: String,
    /// Position in arm order (colour and marker).
    pub index: usize,
    /// Points.
    pub points: Vec<(usize, f64, Option<f64>, Option<f64>)>,
}

/// Data of one trajectory figure.
#[derive(Debug, Clone, PartialEq)]
pub struct TrajectoryData {
    /// Title.
    pub title: String,
    /// Y-axis description.
    pub y_label: String,
    /// Timepoint names, in order.
    pub timepoints: Vec<String>,
    /// One series per arm.
    pub series: Vec<ArmSeries>,
}

/// Data of one change-distribution figure.
#[derive(Debug, Clone, PartialEq)]
pub struct DistributionData {
    /// Title.
    pub title: String,
    /// Y-axis description.
    pub y_label: String,
    /// (arm, arm index, change scores) per arm.
    pub arms: Vec<(String, usize, Vec<f64>)>,
}

/// One row of the forest plot.
#[derive(Debug, Clone, PartialEq)]
pub struct ForestRow {
    /// Row label, e.g. `Pain: backward-forward`.
    pub label: String,
    /// Oriented g: positive favours the first arm of the contrast.
    pub estimate: f64,
    /// Oriented CI.
    pub low: f64,
    /// Oriented CI.
    pub high: f64,
}

/// Data of the forest plot.
#[derive(Debug, Clone, PartialEq)]
pub struct ForestData {
    /// Title.
    pub title: String,
    /// X-axis description.
    pub x_label: String,
    /// Rows, top to bottom.
    pub rows: Vec<ForestRow>,
    /// A dashed reference line (the overall estimate of a subgroup plot), if any.
    pub reference: Option<f64>,
}

/// Data of the flow diagram.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowData {
    /// Total randomised.
    pub total: usize,
    /// One column per arm.
    pub arms: Vec<FlowArm>,
    /// Name of the primary outcome whose complete cases are shown.
    pub primary_outcome: String,
}

/// One arm's column of the flow diagram.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowArm {
    /// Arm name.
    pub arm: String,
    /// Participants allocated.
    pub randomised: usize,
    /// Participants observed at each timepoint: (timepoint, n).
    pub observed: Vec<(String, usize)>,
    /// Complete cases of the primary outcome, if known.
    pub complete: Option<usize>,
}

/// Draws `draw` into an SVG string.
///
/// # Errors
/// Whatever the drawing returns.
pub fn to_svg(
    draw: impl Fn(&DrawingArea<SVGBackend<'_>, Shift>) -> Result<(), PlotError>,
    size: (u32, u32),
) -> Result<String, PlotError> {
    theme::register_font()?;
    let mut buf = String::new();
    {
        let area = SVGBackend::with_string(&mut buf, size).into_drawing_area();
        draw(&area)?;
        area.present().map_err(draw_err("svg"))?;
    }
    Ok(buf)
}

/// Draws `draw` into PNG bytes (RGB, 8 bits), for the output directory to write.
///
/// # Errors
/// Whatever the drawing returns, or PNG encoding failures.
pub fn png_bytes(
    draw: impl Fn(&DrawingArea<BitMapBackend<'_>, Shift>) -> Result<(), PlotError>,
    size: (u32, u32),
) -> Result<Vec<u8>, PlotError> {
    theme::register_font()?;
    let (w, h) = size;
    let mut rgb = vec![0u8; w as usize * h as usize * 3];
    {
        let area = BitMapBackend::with_buffer(&mut rgb, size).into_drawing_area();
        draw(&area)?;
        area.present().map_err(draw_err("png"))?;
    }
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, w, h);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(draw_err("png"))?;
    writer.write_image_data(&rgb).map_err(draw_err("png"))?;
    writer.finish().map_err(draw_err("png"))?;
    Ok(bytes)
}

/// Builds the figure data from the result set.
pub fn figure_data(
    rs: &ResultSet,
) -> (
    Vec<(String, TrajectoryData, DistributionData)>,
    ForestData,
    FlowData,
) {
    let per_outcome = rs
        .design
        .outcomes
        .iter()
        .map(|oc| {
            let (traj, dist) = outcome_figures(rs, oc);
            (oc.name.clone(), traj, dist)
        })
        .collect();
    (per_outcome, forest_data(rs), flow_data(rs))
}

/// The trajectory and change-distribution data of one outcome.
fn outcome_figures(
    rs: &ResultSet,
    oc: &crate::results::OutcomeSummary,
) -> (TrajectoryData, DistributionData) {
    let d = &rs.design;
    let unit = if oc.unit.is_empty() {
        String::new()
    } else {
        format!(" ({})", oc.unit)
    };
    let series = d
        .arms
        .iter()
        .enumerate()
        .map(|(i, arm)| ArmSeries {
            arm: arm.clone(),
            index: i,
            points: d
                .timepoints
                .iter()
                .enumerate()
                .filter_map(|(t, tp)| {
                    let c = format!("{arm}@{tp}");
                    rs.records
                        .iter()
                        .find(|r| {
                            r.outcome == oc.name
                                && r.analysis == Analysis::Descriptives
                                && r.contrast == c
                        })
                        .and_then(|r| Some((t, r.estimate?, r.ci_low, r.ci_high)))
                })
                .collect(),
        })
        .collect();
    let traj = TrajectoryData {
        title: format!("{}: arm means with 95 % CIs", oc.label),
        y_label: format!("{}{unit}", oc.label),
        timepoints: d.timepoints.clone(),
        series,
    };
    let dist = DistributionData {
        title: format!(
            "{}: change {} − {} by arm",
            oc.label,
            d.primary_timepoint,
            d.timepoints.first().map_or("", String::as_str)
        ),
        y_label: format!("change{unit}"),
        arms: d
            .arms
            .iter()
            .enumerate()
            .map(|(i, arm)| {
                let v = rs
                    .samples
                    .iter()
                    .find(|s| s.outcome == oc.name && &s.arm == arm)
                    .map(|s| s.changes.clone())
                    .unwrap_or_default();
                (arm.clone(), i, v)
            })
            .collect(),
    };
    (traj, dist)
}

/// The forest plot of Hedges' g, oriented so that > 0 favours the first arm.
fn forest_data(rs: &ResultSet) -> ForestData {
    let d = &rs.design;
    let mut rows = Vec::new();
    for oc in &d.outcomes {
        for r in rs
            .records
            .iter()
            .filter(|r| r.outcome == oc.name && r.analysis == Analysis::HedgesG)
        {
            let (Some(g), Some(lo), Some(hi)) = (r.estimate, r.ci_low, r.ci_high) else {
                continue;
            };
            // Orient so that > 0 favours the first arm: for lower-is-better outcomes a negative
            // change difference is the benefit.
            let s = if oc.lower_is_better { -1.0 } else { 1.0 };
            let (a, b) = (s * lo, s * hi);
            rows.push(ForestRow {
                label: format!("{}: {}", oc.label, r.contrast),
                estimate: s * g,
                low: a.min(b),
                high: a.max(b),
            });
        }
    }
    ForestData {
        title: "Standardised effects on change (Hedges' g, 95 % CI)".into(),
        x_label: "Hedges' g   ← favours the second arm  |  favours the first arm →".into(),
        rows,
        reference: None,
    }
}

/// The flow diagram: randomised, observed per timepoint and complete cases of the primary
/// outcome, per arm.
fn flow_data(rs: &ResultSet) -> FlowData {
    let d = &rs.design;
    let primary_outcome = d
        .outcomes
        .first()
        .map(|o| o.name.clone())
        .unwrap_or_default();
    FlowData {
        total: d
            .arms
            .iter()
            .map(|a| {
                rs.flow
                    .iter()
                    .find(|f| &f.arm == a)
                    .map_or(0, |f| f.n_randomised)
            })
            .sum(),
        arms: d
            .arms
            .iter()
            .map(|arm| {
                let cells: Vec<_> = rs.flow.iter().filter(|f| &f.arm == arm).collect();
                let complete = rs
                    .records
                    .iter()
                    .find(|r| {
                        r.outcome == primary_outcome
                            && r.analysis == Analysis::Descriptives
                            && r.contrast == format!("{arm}@change")
                    })
                    .and_then(|r| r.extra_f64("n"))
                    .map(|n| n as usize)
                    .or_else(|| {
                        rs.samples
                            .iter()
                            .find(|s| s.outcome == primary_outcome && &s.arm == arm)
                            .map(|s| s.changes.len())
                    });
                FlowArm {
                    arm: arm.clone(),
                    randomised: cells.first().map_or(0, |f| f.n_randomised),
                    observed: cells
                        .iter()
                        .map(|f| (f.timepoint.clone(), f.n_observed))
                        .collect(),
                    complete,
                }
            })
            .collect(),
        primary_outcome,
    }
}

/// Draws every figure of an `analyze` run, in report order (SVG, and PNG when `png`).
///
/// # Errors
/// Drawing failures.
pub fn render_all(rs: &ResultSet, png: bool) -> Result<Vec<Figure>, PlotError> {
    let (per_outcome, forest_data, flow_data) = figure_data(rs);
    let mut refs = Vec::new();
    let size = (theme::WIDTH, theme::HEIGHT);
    let names: Vec<&str> = rs.design.outcomes.iter().map(|o| o.name.as_str()).collect();
    let stems = unique_stems(&names);
    let stem_of = |name: &str| {
        names
            .iter()
            .position(|n| *n == name)
            .map_or_else(|| safe_file_name(name), |i| stems[i].clone())
    };
    // One figure: SVG always, PNG when asked, and its reference for the reports.
    macro_rules! figure {
        ($kind:expr, $outcome:expr, $title:expr, $stem:expr, $size:expr, $draw:expr) => {{
            let stem: String = $stem;
            refs.push(Figure {
                plot: PlotRef {
                    kind: $kind.into(),
                    outcome: $outcome.to_string(),
                    title: $title.to_string(),
                    file: format!("plots/{stem}.svg"),
                    svg: to_svg($draw, $size)?,
                },
                png: if png {
                    Some(png_bytes($draw, $size)?)
                } else {
                    None
                },
            });
        }};
    }
    if let Some(cf) = &rs.consort_flow {
        figure!(
            "flow",
            "",
            "CONSORT 2025 flow diagram",
            "flow".to_string(),
            consort_flow::size(cf),
            |a| consort_flow::consort_flow(a, cf)
        );
    } else {
        figure!(
            "flow",
            "",
            "Participant flow",
            "flow".to_string(),
            flow::size(&flow_data),
            |a| flow::flow(a, &flow_data)
        );
    }
    for (name, traj, dist) in &per_outcome {
        let stem = stem_of(name);
        // Arm means come from the descriptives records: a run without them has none to draw
        // (an empty 0-1 frame was drawn before).
        if traj.series.iter().any(|s| !s.points.is_empty()) {
            figure!(
                "trajectory",
                name,
                &traj.title,
                format!("trajectory_{stem}"),
                size,
                |a| trajectory::trajectory(a, traj)
            );
        }
        if dist.arms.iter().any(|(_, _, v)| !v.is_empty()) {
            figure!(
                "distribution",
                name,
                &dist.title,
                format!("change_{stem}"),
                size,
                |a| distribution::distribution(a, dist)
            );
        }
    }
    // Responder proportions, for outcomes with an MCID.
    for oc in &rs.design.outcomes {
        let arms: Vec<(String, usize, f64, f64, f64)> = rs
            .design
            .arms
            .iter()
            .enumerate()
            .filter_map(|(i, arm)| {
                let r = rs.records.iter().find(|r| {
                    r.outcome == oc.name
                        && r.analysis == Analysis::Responders
                        && &r.contrast == arm
                        && r.statistic_name == "proportion"
                })?;
                Some((arm.clone(), i, r.estimate?, r.ci_low?, r.ci_high?))
            })
            .collect();
        if arms.is_empty() {
            continue;
        }
        let data = responders::RespondersData {
            title: format!("{}: responders by arm", oc.label),
            arms,
        };
        let stem = format!("responders_{}", stem_of(&oc.name));
        figure!("responders", &oc.name, &data.title, stem, size, |a| {
            responders::responders(a, &data)
        });
    }
    // Tipping point (issue 17), for outcomes with a `tipping_point` record.
    for oc in &rs.design.outcomes {
        if let Some(data) = tipping::tipping_data(rs, &oc.name, &oc.label) {
            let stem = format!("tipping_{}", stem_of(&oc.name));
            figure!("tipping", &oc.name, &data.title, stem, size, |a| {
                tipping::tipping(a, &data)
            });
        }
    }
    // Subgroup forest plots (issue 19), one per outcome with subgroup records.
    for oc in &rs.design.outcomes {
        if let Some(data) = subgroup::subgroup_data(rs, oc) {
            let stem = format!("subgroups_{}", stem_of(&oc.name));
            figure!(
                "subgroup",
                &oc.name,
                &data.title,
                stem,
                forest::size(&data),
                |a| { forest::forest(a, &data) }
            );
        }
    }
    if !forest_data.rows.is_empty() {
        figure!(
            "forest",
            "",
            &forest_data.title,
            "forest_hedges_g".to_string(),
            forest::size(&forest_data),
            |a| forest::forest(a, &forest_data)
        );
    }
    Ok(refs)
}

/// Draws the meta-analysis figures (forest, funnel).
///
/// # Errors
/// Drawing failures.
pub fn render_meta(data: &meta::MetaPlotData, png: bool) -> Result<Vec<Figure>, PlotError> {
    let mut refs = Vec::new();
    let figures: [(&str, &str, (u32, u32)); 2] = [
        ("forest", "Forest plot", meta::forest_size(data)),
        ("funnel", "Funnel plot", (theme::WIDTH, theme::HEIGHT)),
    ];
    for (kind, title, size) in figures {
        let svg = to_svg(|a| meta_figure(kind, a, data), size)?;
        let png = if png {
            Some(png_bytes(|a| meta_figure(kind, a, data), size)?)
        } else {
            None
        };
        refs.push(Figure {
            plot: PlotRef {
                kind: kind.into(),
                outcome: String::new(),
                title: title.into(),
                file: format!("plots/meta_{kind}.svg"),
                svg,
            },
            png,
        });
    }
    Ok(refs)
}

/// One meta figure, by kind, on any backend.
fn meta_figure<DB: DrawingBackend>(
    kind: &str,
    area: &DrawingArea<DB, Shift>,
    data: &meta::MetaPlotData,
) -> Result<(), PlotError> {
    if kind == "forest" {
        meta::forest(area, data)
    } else {
        meta::funnel(area, data)
    }
}

/// Renders the `reproduce` forest plot: printed effects with their CIs next to the effects
/// recomputed from printed summaries.
///
/// # Errors
/// Drawing or writing failures.
pub fn render_reproduce(rs: &ResultSet, png: bool) -> Result<Vec<Figure>, PlotError> {
    let Some(rep) = &rs.reproduction else {
        return Ok(Vec::new());
    };
    // One panel per metric and unit, in order of first appearance; rows whose check failed
    // stay in, with the verdict in their label.
    let mut panels: Vec<(String, Vec<ForestRow>)> = Vec::new();
    let mut add = |key: String, row: ForestRow| match panels.iter_mut().find(|(k, _)| *k == key) {
        Some((_, rows)) => rows.push(row),
        None => panels.push((key, vec![row])),
    };
    for c in &rep.checks {
        let Some(e) = &c.effect else { continue };
        let unit = if e.unit.is_empty() {
            "unit not stated".to_string()
        } else {
            e.unit.clone()
        };
        add(
            format!("{} ({unit}), as printed", e.metric),
            ForestRow {
                label: format!(
                    "{} {} ({}) [{}]",
                    c.study_id,
                    c.outcome,
                    e.arms.replace('|', " vs "),
                    c.verdict.id()
                ),
                estimate: e.estimate,
                low: e.ci_low,
                high: e.ci_high,
            },
        );
    }
    for r in rs
        .records
        .iter()
        .filter(|r| r.analysis == Analysis::SummaryHedgesG && r.statistic_name == "g")
    {
        let (Some(g), Some(lo), Some(hi)) = (r.estimate, r.ci_low, r.ci_high) else {
            continue;
        };
        add(
            "hedges_g (SD), recomputed from printed arm summaries".to_string(),
            ForestRow {
                label: format!("{} g (recomputed)", r.outcome),
                estimate: g,
                low: lo,
                high: hi,
            },
        );
    }
    if panels.is_empty() {
        return Ok(Vec::new());
    }
    let panels: Vec<ForestData> = panels
        .into_iter()
        .map(|(key, rows)| ForestData {
            title: key,
            x_label: "effect: first-named arm minus comparator (95 % CI)".into(),
            rows,
            reference: None,
        })
        .collect();
    let title =
        "Published and recomputed effects, one panel per metric and unit (95 % CI)".to_string();
    let size = forest::panels_size(&panels);
    let svg = to_svg(|a| forest::forest_panels(a, &panels), size)?;
    let png = if png {
        Some(png_bytes(|a| forest::forest_panels(a, &panels), size)?)
    } else {
        None
    };
    Ok(vec![Figure {
        plot: PlotRef {
            kind: "forest".into(),
            outcome: String::new(),
            title,
            file: "plots/reproduce_forest.svg".into(),
            svg,
        },
        png,
    }])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_safe() {
        assert_eq!(safe_file_name("pain_nrs"), "pain_nrs");
        assert_eq!(safe_file_name("../etc/passwd"), "___etc_passwd");
        assert_eq!(safe_file_name("<script>"), "_script_");
        assert_eq!(safe_file_name(""), "x");
        assert_eq!(safe_file_name("é"), "x_");
        assert_eq!(safe_file_name(&"a".repeat(100)).len(), 64);
    }
}
