//! HTML text helpers shared by the pages and the charts.

/// Escape text for HTML (and SVG) text and attribute values.
#[must_use]
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
