//! Figure constants (criterion's constants block): sizes, the colour-blind-safe Okabe–Ito
//! palette, markers, fonts; and the one-time registration of the bundled DejaVu Sans font
//! (the `dejavu` crate; Bitstream Vera licence with public-domain DejaVu changes), so text
//! renders on machines without system fonts. SVG text names the generic `sans-serif` family.

use std::sync::OnceLock;

use plotters::style::{FontStyle, RGBColor};

use super::PlotError;

/// Figure width in pixels.
pub const WIDTH: u32 = 760;
/// Figure height in pixels.
pub const HEIGHT: u32 = 460;
/// The font family used everywhere.
pub const FONT: &str = "sans-serif";
/// Title size.
pub const TITLE_SIZE: u32 = 20;
/// Axis description size.
pub const LABEL_SIZE: u32 = 15;
/// Tick label size.
pub const TICK_SIZE: u32 = 13;

/// Okabe–Ito colours: distinguishable with the common colour-vision deficiencies.
pub const PALETTE: [RGBColor; 7] = [
    RGBColor(0, 114, 178),   // blue: backward
    RGBColor(230, 159, 0),   // orange: forward
    RGBColor(0, 158, 115),   // green: control
    RGBColor(204, 121, 167), // reddish purple
    RGBColor(86, 180, 233),  // sky blue
    RGBColor(213, 94, 0),    // vermillion
    RGBColor(0, 0, 0),       // black
];

/// Dark grey for axes, reference lines and text.
pub const INK: RGBColor = RGBColor(51, 51, 51);
/// Light grey for boxes and grid.
pub const LIGHT: RGBColor = RGBColor(220, 220, 220);

/// Colour of the arm at position `i` in arm order.
pub fn arm_colour(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// Marker shapes, so arms differ in more than colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marker {
    /// Filled circle.
    Circle,
    /// Filled triangle.
    Triangle,
    /// Filled square.
    Square,
    /// Cross.
    Cross,
}

/// Marker of the arm at position `i`.
pub fn arm_marker(i: usize) -> Marker {
    [
        Marker::Circle,
        Marker::Triangle,
        Marker::Square,
        Marker::Cross,
    ][i % 4]
}

static FONT_REGISTERED: OnceLock<bool> = OnceLock::new();

/// Registers the bundled font once; every backend needs it for text metrics.
///
/// # Errors
/// `PlotError::Font` when the embedded font cannot be parsed.
pub fn register_font() -> Result<(), PlotError> {
    let ok = *FONT_REGISTERED.get_or_init(|| {
        plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular()).is_ok()
            && plotters::style::register_font(FONT, FontStyle::Bold, dejavu::sans::bold()).is_ok()
    });
    if ok { Ok(()) } else { Err(PlotError::Font) }
}
