//! The page: HTML, script and style compiled into the binary (no CDN, nothing loaded from
//! elsewhere; the page's `Content-Security-Policy` allows only this server).

use super::http::Response;

/// The page (`GET /?token=…`).
pub(super) const INDEX: &str = include_str!("assets/index.html");
const APP_JS: &str = include_str!("assets/app.js");
const APP_CSS: &str = include_str!("assets/app.css");

/// A static asset by name.
pub(super) fn asset(name: &str) -> Response {
    match name {
        "app.js" => Response::new(200, "text/javascript; charset=utf-8", APP_JS),
        "app.css" => Response::new(200, "text/css; charset=utf-8", APP_CSS),
        _ => Response::error(404, "not found"),
    }
}
