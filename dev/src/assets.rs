//! The simulator's page: plain static files embedded in the binary.

/// The page.
pub const INDEX_HTML: &str = include_str!("../static/index.html");

/// The static file `name` (`/static/NAME`) and its content type.
pub fn static_file(name: &str) -> Option<(&'static str, &'static str)> {
    match name {
        "sim.js" => Some((
            include_str!("../static/sim.js"),
            "text/javascript; charset=utf-8",
        )),
        "host-ui.js" => Some((
            include_str!("../static/host-ui.js"),
            "text/javascript; charset=utf-8",
        )),
        "animation.js" => Some((
            include_str!("../static/animation.js"),
            "text/javascript; charset=utf-8",
        )),
        "hover.js" => Some((
            include_str!("../static/hover.js"),
            "text/javascript; charset=utf-8",
        )),
        "widgets.js" => Some((
            include_str!("../static/widgets.js"),
            "text/javascript; charset=utf-8",
        )),
        "media.js" => Some((
            include_str!("../static/media.js"),
            "text/javascript; charset=utf-8",
        )),
        "picker.js" => Some((
            include_str!("../static/picker.js"),
            "text/javascript; charset=utf-8",
        )),
        "tab-bar.js" => Some((
            include_str!("../static/tab-bar.js"),
            "text/javascript; charset=utf-8",
        )),
        "page-events.js" => Some((
            include_str!("../static/page-events.js"),
            "text/javascript; charset=utf-8",
        )),
        "subpackages.js" => Some((
            include_str!("../static/subpackages.js"),
            "text/javascript; charset=utf-8",
        )),
        "match-media.js" => Some((
            include_str!("../static/match-media.js"),
            "text/javascript; charset=utf-8",
        )),
        "scroll-refresher.js" => Some((
            include_str!("../static/scroll-refresher.js"),
            "text/javascript; charset=utf-8",
        )),
        "page-container.js" => Some((
            include_str!("../static/page-container.js"),
            "text/javascript; charset=utf-8",
        )),
        "root-portal.js" => Some((
            include_str!("../static/root-portal.js"),
            "text/javascript; charset=utf-8",
        )),
        "page-events.css" => Some((
            include_str!("../static/page-events.css"),
            "text/css; charset=utf-8",
        )),
        "sim.css" => Some((include_str!("../static/sim.css"), "text/css; charset=utf-8")),
        _ => None,
    }
}
