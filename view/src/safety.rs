//! What an attribute may hold once rendered: templates and data are both
//! untrusted. URLs may name only package assets and the app's declared
//! origins; styles lose every declaration that could reach outside the
//! package or run code; `rpx` becomes a viewport unit. (Attribute *names*
//! are already limited to documented ones by the parser, and only those the
//! built-ins table draws reach the HTML, so no `on*` handler or raw HTML can
//! appear.)

/// Attributes that hold a URL.
const URL_ATTRIBUTES: &[&str] = &["src", "url", "poster"];

/// Whether `name` is present or absent rather than valued (`hidden`,
/// `disabled`, `checked`...): the attributes of kind
/// [`Bool`](crate::builtins::Kind::Bool) in the built-ins table (a test
/// keeps them the same). A `match`: it runs for every attribute of every
/// element rendered.
pub fn is_boolean_attribute(name: &str) -> bool {
    matches!(
        name,
        "hidden"
            | "disabled"
            | "checked"
            | "loading"
            | "plain"
            | "password"
            | "focus"
            | "auto-height"
            | "scroll-x"
            | "scroll-y"
            | "show-info"
            | "active"
            | "selectable"
            | "user-select"
            | "decode"
            | "lazy-load"
            | "enable-flex"
            | "report-submit"
            | "adjust-position"
            | "always-embed"
            | "auto-focus"
            | "bounces"
            | "show"
            | "round"
            | "close-on-slide-down"
            | "clip"
            | "confirm-hold"
            | "disable-default-padding"
            | "enable-back-to-top"
            | "enable-passive"
            | "enhanced"
            | "fade-in"
            | "fast-deceleration"
            | "fixed"
            | "hold-keyboard"
            | "hover-stop-propagation"
            | "paging-enabled"
            | "phone-number-no-quota-toast"
            | "refresher-enabled"
            | "refresher-triggered"
            | "reverse"
            | "scroll-anchoring"
            | "scroll-with-animation"
            | "show-confirm-bar"
            | "show-value"
            | "show-menu-by-longpress"
            | "show-message-card"
            | "show-scrollbar"
            | "webp"
            | "indicator-dots"
            | "autoplay"
            | "circular"
            | "vertical"
            | "snap-to-edge"
            | "skip-hidden-item-layout"
            | "immediate-change"
            | "inertia"
            | "out-of-bounds"
            | "scale"
            | "scale-area"
            | "loop"
            | "muted"
            | "controls"
            | "show-mute-btn"
            | "page-gesture"
            | "enable-play-gesture"
            | "vslide-gesture"
            | "danmu-btn"
            | "enable-danmu"
            | "show-casting-button"
            | "picture-in-picture-show-progress"
            | "enable-auto-rotation"
            | "show-screen-lock-button"
            | "show-snapshot-button"
            | "show-background-playback-button"
            | "is-drm"
            | "is-live"
    )
}

/// Whether `name` on `tag` is a flag WeChat turns on by default (the
/// attributes of kind [`Flag`](crate::builtins::Kind::Flag)): rendered
/// `"true"` when written without a binding or bound to a true value, and
/// `"false"` when bound to a false one, so a client can tell "off" from
/// "left out". It is checked before [`is_boolean_attribute`] (a legacy
/// audio's `controls` is off by default, a video's on).
pub fn is_flag(tag: &str, name: &str) -> bool {
    // A movable-view's `animation` (whether it moves to a new x, y
    // smoothly), not the `animation` export every component takes.
    if tag == "movable-view" {
        return name == "animation";
    }
    // A page-container draws its overlay unless told not to.
    if tag == "page-container" {
        return name == "overlay";
    }
    // A root-portal draws its subtree at the page's root unless told not to.
    if tag == "root-portal" {
        return name == "enable";
    }
    tag == "video"
        && matches!(
            name,
            "controls"
                | "show-fullscreen-btn"
                | "show-play-btn"
                | "show-center-play-btn"
                | "show-progress"
                | "show-bottom-progress"
                | "enable-progress-gesture"
                | "auto-pause-if-navigate"
                | "auto-pause-if-open-native"
                | "vslide-gesture-in-fullscreen"
        )
}

/// Whether [`attribute`] may drop or rewrite values of `name` (a URL or a
/// style); any other value is kept as it is.
pub fn is_checked(name: &str) -> bool {
    matches!(
        name,
        "src"
            | "url"
            | "poster"
            | "style"
            | "indicator-style"
            | "mask-style"
            | "overlay-style"
            | "custom-style"
    )
}

/// The safe form of attribute `name` of a `tag` with `value`, or `None` to
/// drop it.
pub fn attribute(tag: &str, name: &str, value: String, origins: &[String]) -> Option<String> {
    if URL_ATTRIBUTES.contains(&name) {
        // A navigator's url is a page of the app (the host acts on it).
        if tag == "navigator" {
            return page_url(&value).then_some(value);
        }
        if name != "url" && temp_path(&value) {
            return Some(value);
        }
        return url(&value, origins).then_some(value);
    }
    // A picker-view's indicator and mask, and a page-container's overlay
    // and panel, are styled as an element is.
    if matches!(
        name,
        "style" | "indicator-style" | "mask-style" | "overlay-style" | "custom-style"
    ) {
        return Some(style(&value));
    }
    Some(value)
}

/// Whether `value` names a package asset (`/images/a.png`, `images/a.png`)
/// or a resource at one of `origins` (`https://cdn.example.com/a.png`).
pub fn url(value: &str, origins: &[String]) -> bool {
    let value = value.trim();
    if value.is_empty() || value.chars().any(|c| c.is_control() || c == '\\') {
        return false;
    }
    if let Some(rest) = value
        .strip_prefix("https://")
        .or(value.strip_prefix("http://"))
    {
        let scheme = &value[..value.len() - rest.len()];
        let host_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let origin = format!("{scheme}{}", &rest[..host_end]);
        return !rest[..host_end].contains('@') && origins.iter().any(|o| o == &origin);
    }
    package_path(value)
}

/// Whether `value` is a temp file path as the host gives them out
/// (`wxfile://tmp/` and 32 lowercase hex digits: a download's or a
/// chooser's file, WeChat's `tempFilePath`): an image may show one. The
/// host that draws the page serves it from the instance's own temp area,
/// or not at all.
pub fn temp_path(value: &str) -> bool {
    let hex = |b: u8| b.is_ascii_digit() || (b'a'..=b'f').contains(&b);
    (value.strip_prefix("wxfile://tmp/")).is_some_and(|n| n.len() == 32 && n.bytes().all(hex))
}

/// Whether `value` is a path inside the package: no scheme, no `//`, no
/// `..` escaping it, and no percent-escape (a browser reads `%2e%2e` as
/// `..`).
fn package_path(value: &str) -> bool {
    let path = value.split(['?', '#']).next().unwrap_or("");
    if path.contains([':', '%']) || path.starts_with("//") {
        return false;
    }
    let mut depth = 0i32;
    for part in path.trim_start_matches('/').split('/') {
        match part {
            ".." => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            "" | "." => {}
            _ => depth += 1,
        }
    }
    true
}

/// Whether `value` names a page of the app (a navigator's `url`).
fn page_url(value: &str) -> bool {
    package_path(value)
}

/// A style with only safe declarations, `rpx` as `vw`.
pub fn style(value: &str) -> String {
    let mut out = Vec::new();
    for declaration in value.split(';') {
        let Some((property, val)) = declaration.split_once(':') else {
            continue;
        };
        let property = property.trim().to_ascii_lowercase();
        let val = val.trim();
        let safe_property = !property.is_empty()
            && property.chars().all(|c| c.is_ascii_lowercase() || c == '-')
            && !matches!(property.as_str(), "behavior" | "-moz-binding");
        let lowered = val.to_ascii_lowercase();
        let safe_value = !val.is_empty()
            && !val
                .chars()
                .any(|c| c.is_control() || matches!(c, '\\' | '<' | '>' | '@' | '"' | '\''))
            && !lowered.contains("url(")
            && !lowered.contains("expression(")
            && !lowered.contains("javascript:")
            && !lowered.contains("image-set(");
        if safe_property && safe_value {
            out.push(format!("{property}:{}", rpx_to_vw(val)));
        }
    }
    out.join(";")
}

/// `750rpx` is the screen's width: `N rpx` is `N / 7.5 vw`.
pub(crate) fn rpx_to_vw(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut number = String::new();
    let mut rest = value;
    while let Some(c) = rest.chars().next() {
        if c.is_ascii_digit() || (c == '.' && !number.contains('.')) {
            number.push(c);
            rest = &rest[1..];
            continue;
        }
        if !number.is_empty() && rest.starts_with("rpx") {
            let n: f64 = number.parse().unwrap_or(0.0);
            let vw = (n / 7.5 * 10_000.0).round() / 10_000.0;
            out.push_str(&format!("{vw}vw"));
            number.clear();
            rest = &rest[3..];
            continue;
        }
        out.push_str(&number);
        number.clear();
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out.push_str(&number);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_package_assets_or_declared_origins() {
        let origins = ["https://cdn.example.com".to_string()];
        for ok in [
            "/images/a.png",
            "images/a.png",
            "./a.png",
            "a/../b.png",
            "https://cdn.example.com/x.png",
        ] {
            assert!(url(ok, &origins), "{ok}");
        }
        for bad in [
            "/%2e%2e/%2e%2e/api/state",
            "javascript:alert(1)",
            " JavaScript:alert(1)",
            "data:image/png;base64,AAAA",
            "//evil.example/x.png",
            "https://evil.example/x.png",
            "https://cdn.example.com@evil.example/x.png",
            "../../etc/passwd",
            "vbscript:x",
            "\\\\evil\\share",
            "",
        ] {
            assert!(!url(bad, &origins), "{bad}");
        }
    }

    #[test]
    fn styles_keep_only_safe_declarations() {
        assert_eq!(
            style("color: red; width: 375rpx; background: url(https://evil/x); margin:0 10rpx"),
            "color:red;width:50vw;margin:0 1.3333vw"
        );
        for bad in [
            "background-image: url(javascript:x)",
            "width: expression(alert(1))",
            "behavior: url(x.htc)",
            "-moz-binding: url(x)",
            "color: red</style><script>",
            "font-family: \"a\\\"",
            "@import 'x'",
        ] {
            assert_eq!(style(bad), "", "{bad}");
        }
    }

    #[test]
    fn a_navigator_goes_only_to_pages_of_the_app() {
        assert_eq!(
            attribute("navigator", "url", "/pages/detail?id=1".into(), &[]).as_deref(),
            Some("/pages/detail?id=1")
        );
        assert_eq!(
            attribute("navigator", "url", "https://evil.example".into(), &[]),
            None
        );
        assert_eq!(attribute("image", "src", "javascript:x".into(), &[]), None);
    }

    #[test]
    fn an_image_shows_a_temp_path_the_host_gives_out_and_nothing_like_it() {
        let temp = format!("wxfile://tmp/{}", "0123456789abcdef".repeat(2));
        assert_eq!(
            attribute("image", "src", temp.clone(), &[]),
            Some(temp.clone())
        );
        for bad in [
            format!("wxfile://tmp/{}", "0123456789ABCDEF".repeat(2)),
            format!("wxfile://tmp/{}", &"0123456789abcdef".repeat(2)[1..]),
            format!("wxfile://tmp/../{}", "0123456789abcdef".repeat(2)),
            format!("wxfile://usr/{}", "0123456789abcdef".repeat(2)),
            format!("{temp}?x"),
        ] {
            assert_eq!(attribute("image", "src", bad.clone(), &[]), None, "{bad}");
        }
        // A temp path is an image's source only, never a link's.
        assert_eq!(attribute("navigator", "url", temp, &[]), None);
    }
}
