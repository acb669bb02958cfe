//! The data of the built-in components: WeChat's documented attributes and
//! events for each one the host draws, and why each other one on WeChat's
//! list is refused. Names are WeChat's (developers.weixin.qq.com,
//! "Components"); `docs/components.md` is rendered from this file.

use super::{Attribute, Builtin, Effect, Kind, Refused};

use Effect::{Drawn, Host, NoEffect};
use Kind::{Bool, Color, Flag, Json, Number, OneOf, Text, Url};

/// Kept in the page's tree and acted on by nothing yet.
const KEPT: Effect =
    Host("kept in the page's tree (`miniapp run` shows it), not acted on here yet");
/// A form field's name.
const FIELD_NAME: Effect = Host("names the field in its form's `submit` detail");
/// A checkbox's or radio's value.
const FIELD_VALUE: Effect = Host("the value its group puts in the form's `submit` detail");
/// How a navigator navigates.
const NAVIGATES: Effect = Host(
    "the host navigates by it (`navigate`, `redirect`, `switchTab`, `navigateBack`, \
     `reLaunch`; a tap with another open-type is refused naming these)",
);

/// A contact button's message card.
const MESSAGE_CARD: Effect = Host(
    "a `contact` button's message card: with `show-message-card` and a `send-message-path`, \
     the host's customer-service prompt offers the card, and opening it sends `bindcontact` \
     with its path and query",
);

mod picker;

const fn a(name: &'static str, kind: Kind, effect: Effect) -> Attribute {
    Attribute { name, kind, effect }
}

const fn b(
    name: &'static str,
    html: (&'static str, &'static str),
    attributes: &'static [Attribute],
    events: &'static [&'static str],
) -> Builtin {
    Builtin {
        name,
        html,
        attributes,
        events,
    }
}

/// No on-screen keyboard in a browser: what WeChat does with it does not apply.
const KEYBOARD: Effect = NoEffect("it moves or holds the phone's on-screen keyboard");
/// Skyline-renderer or native-scroll options a browser's scrolling has no use for.
const SCROLL_NATIVE: Effect = NoEffect(
    "an option of the phone's native (enhanced or Skyline) scrolling, which the simulator's \
     browser scrolling does not model",
);
/// WeChat's secure keyboard, which encrypts what is typed with WeChat's keys.
const SAFE_PASSWORD: Effect = NoEffect("WeChat's secure keyboard, which only WeChat draws");
/// Text caret and selection placement.
const CARET: Effect = NoEffect("the browser places the caret itself");

/// The effect of WeChat's other `aria-*` attributes.
pub(super) const ARIA: Effect = KEPT;

/// Attributes every component takes.
pub(super) const COMMON: &[Attribute] = &[
    a("id", Text, Drawn("id")),
    a("class", Text, Drawn("class")),
    a("style", Text, Drawn("style")),
    a("hidden", Bool, Drawn("hidden")),
    a("hover-class", Text, Drawn("data-hover-class")),
    a("animation", Json, Drawn("data-animation")),
    a("aria-label", Text, Drawn("aria-label")),
    a("aria-hidden", Text, Drawn("aria-hidden")),
];

/// The hover attributes of `view`, `button` and `navigator` beyond `hover-class`.
const HOVER: [Attribute; 3] = [
    a(
        "hover-stop-propagation",
        Bool,
        Drawn("data-hover-stop-propagation"),
    ),
    a("hover-start-time", Number, Drawn("data-hover-start-time")),
    a("hover-stay-time", Number, Drawn("data-hover-stay-time")),
];

/// Events WeChat documents on every component beyond the touch and tap ones
/// (the first of [`EVENTS`](super::EVENTS)): 3D Touch's, and CSS
/// transitions' and animations'.
pub(super) const MORE_COMMON_EVENTS: &[&str] = &[
    "touchforcechange",
    "transitionend",
    "animationstart",
    "animationiteration",
    "animationend",
];

/// Documented events that no browser fires here, and why.
pub(super) const SILENT_EVENTS: &[(&str, &str)] = &[
    (
        "touchforcechange",
        "fired by 3D Touch screens only; a browser never reports it",
    ),
    (
        "keyboardheightchange",
        "fired when the phone's on-screen keyboard moves; a browser has none",
    ),
];

const IMAGE_MODES: &[&str] = &[
    "scaleToFill",
    "aspectFit",
    "aspectFill",
    "widthFix",
    "heightFix",
    "top",
    "bottom",
    "center",
    "left",
    "right",
    "top left",
    "top right",
    "bottom left",
    "bottom right",
];

const OPEN_TYPES: &[&str] = &[
    "contact",
    "liveActivity",
    "share",
    "getPhoneNumber",
    "getRealtimePhoneNumber",
    "getUserInfo",
    "launchApp",
    "openSetting",
    "feedback",
    "chooseAvatar",
    "agreePrivacyAuthorization",
];

/// The `open-type` values of WeChat's button the host refuses at load, and
/// why.
pub(super) const REFUSED_OPEN_TYPES: &[(&str, &str)] = &[
    (
        "launchApp",
        "it opens a native app from a mini-program, and this host has no native apps to open",
    ),
    (
        "feedback",
        "it opens WeChat's own feedback page, which this host does not have",
    ),
    (
        "getRealtimePhoneNumber",
        "WeChat checks the number by SMS on each tap (a paid service of WeChat's); use \
         `getPhoneNumber`",
    ),
    (
        "liveActivity",
        "it subscribes to WeChat's live-activity messages, which this host does not send",
    ),
];

const ICON_TYPES: &[&str] = &[
    "success",
    "success_no_circle",
    "info",
    "warn",
    "waiting",
    "cancel",
    "download",
    "search",
    "clear",
];

const CONFIRM_TYPES: &[&str] = &["send", "search", "next", "go", "done"];
const TEXTAREA_CONFIRM_TYPES: &[&str] = &["send", "search", "next", "go", "done", "return"];

/// An option of WeChat's Skyline renderer, which the simulator's browser
/// renderer does not model.
const SKYLINE: Effect = NoEffect(
    "an option of WeChat's Skyline renderer (its custom layouts and indicators), which the \
     simulator's browser renderer does not model",
);
/// A layout optimisation of the phone's renderer.
const SKIP_LAYOUT: Effect =
    NoEffect("a layout optimisation of the phone's renderer: the simulator lays every item out");

/// A swiper's attributes: the simulator (`dev/static/widgets.js`) shows
/// its `current` item (or the one `current-item-id` names), swipes by a
/// drag, autoplays with a timer of its own, wraps when circular and draws
/// the dots; `miniapp render` shows the current item and the dots. Its
/// `change` and `animationfinish` details are checked against its items.
const SWIPER: &[Attribute] = &[
    a("indicator-dots", Bool, Drawn("data-indicator-dots")),
    a("indicator-color", Color, Drawn("data-indicator-color")),
    a(
        "indicator-active-color",
        Color,
        Drawn("data-indicator-active-color"),
    ),
    a("autoplay", Bool, Drawn("data-autoplay")),
    a("current", Number, Drawn("data-current")),
    a("current-item-id", Text, Drawn("data-current-item-id")),
    a("interval", Number, Drawn("data-interval")),
    a("duration", Number, Drawn("data-duration")),
    a("circular", Bool, Drawn("data-circular")),
    a("vertical", Bool, Drawn("data-vertical")),
    a("previous-margin", Text, Drawn("data-previous-margin")),
    a("next-margin", Text, Drawn("data-next-margin")),
    a("snap-to-edge", Bool, Drawn("data-snap-to-edge")),
    a(
        "display-multiple-items",
        Number,
        Drawn("data-display-multiple-items"),
    ),
    a(
        "easing-function",
        OneOf(&[
            "default",
            "linear",
            "easeInCubic",
            "easeOutCubic",
            "easeInOutCubic",
        ]),
        Drawn("data-easing-function"),
    ),
    a("skip-hidden-item-layout", Bool, SKIP_LAYOUT),
    a("layout-type", Text, SKYLINE),
    a("transformer-type", Text, SKYLINE),
    a("indicator-type", Text, SKYLINE),
    a("indicator-margin", Number, SKYLINE),
    a("indicator-spacing", Number, SKYLINE),
    a("indicator-radius", Number, SKYLINE),
    a("indicator-width", Number, SKYLINE),
    a("indicator-height", Number, SKYLINE),
    a("indicator-alignment", Text, SKYLINE),
    a("indicator-offset", Json, SKYLINE),
    a("cache-extent", Number, SKYLINE),
];

/// A picker-view's attributes: the simulator scrolls each column to its
/// item of `value` (WeChat's array of indices) under the indicator;
/// `indicator-style` and `mask-style` pass the view's style check. Its
/// `change` value is checked against its columns' items.
const PICKER_VIEW: &[Attribute] = &[
    a("value", Json, Drawn("data-value")),
    a("indicator-style", Text, Drawn("data-indicator-style")),
    a("indicator-class", Text, Drawn("data-indicator-class")),
    a("mask-style", Text, Drawn("data-mask-style")),
    a("mask-class", Text, Drawn("data-mask-class")),
    a("immediate-change", Bool, Drawn("data-immediate-change")),
];

/// A movable-view's attributes: the simulator places it at `x`, `y` in
/// its movable-area (smoothly unless `animation` is false: its own flag,
/// not the export every component takes) and lets it be dragged along
/// `direction`, within the area unless `out-of-bounds`, and pinched (a
/// ctrl+wheel) with `scale`.
/// Its `change` and `scale` details are checked (`events/details.rs`).
const MOVABLE_VIEW: &[Attribute] = &[
    a(
        "direction",
        OneOf(&["all", "vertical", "horizontal", "none"]),
        Drawn("data-direction"),
    ),
    a("inertia", Bool, Drawn("data-inertia")),
    a("out-of-bounds", Bool, Drawn("data-out-of-bounds")),
    a("x", Number, Drawn("data-x")),
    a("y", Number, Drawn("data-y")),
    a("damping", Number, Drawn("data-damping")),
    a("friction", Number, Drawn("data-friction")),
    a("disabled", Bool, Drawn("data-disabled")),
    a("scale", Bool, Drawn("data-scale")),
    a("scale-min", Number, Drawn("data-scale-min")),
    a("scale-max", Number, Drawn("data-scale-max")),
    a("scale-value", Number, Drawn("data-scale-value")),
    a("animation", Flag, Drawn("data-move-animation")),
];

/// A checkbox's or a radio's attributes.
const CHOICE: &[Attribute] = &[
    a("value", Text, FIELD_VALUE),
    a("checked", Bool, Drawn("checked")),
    a("disabled", Bool, Drawn("disabled")),
    a("color", Color, KEPT),
];

/// A checkbox-group's or a radio-group's attributes.
const GROUP: &[Attribute] = &[a("name", Text, FIELD_NAME)];

/// A slider's colours and thumb size: kept in the page's tree; the
/// simulator draws WeChat's default look.
const SLIDER_LOOK: Effect = KEPT;

/// A slider's attributes (its `change` and `changing` values are checked
/// against `min`, `max` and `step` before the app sees them).
const SLIDER: &[Attribute] = &[
    a("min", Number, Drawn("min")),
    a("max", Number, Drawn("max")),
    a("step", Number, Drawn("step")),
    a("disabled", Bool, Drawn("disabled")),
    a("value", Number, Drawn("value")),
    a("color", Color, SLIDER_LOOK),
    a("selected-color", Color, SLIDER_LOOK),
    a("activeColor", Color, SLIDER_LOOK),
    a("backgroundColor", Color, SLIDER_LOOK),
    a("block-size", Number, SLIDER_LOOK),
    a("block-color", Color, SLIDER_LOOK),
    a("show-value", Bool, Drawn("data-show-value")),
];
/// What the phone's own player does and a browser's `<video>` does not
/// model.
const PHONE_PLAYER: Effect = NoEffect(
    "a feature of the phone's native player (gestures, casting, picture in picture, rotation, \
     lock, snapshot, background play, DRM), which the simulator's browser player does not model",
);
/// Danmu (bullet comments) over a video.
const DANMU: Effect = KEPT;
/// A map's marker or slot: `map` is offered by no host profile.
const ON_MAP: Effect = NoEffect("places it on a `map`, which no host profile offers");
/// The `Referer` of a media request.
const REFERRER: &[&str] = &["origin", "no-referrer"];
const REFERRER_EFFECT: Effect =
    NoEffect("the host fetches remote media itself (`/remote`) and never sends a Referer");

/// A video's attributes (WeChat's `video`); its flags on by default are
/// [`Flag`]s, drawn `"true"` or `"false"`. `src` and `poster` name package
/// files, temp files or the app's origins; a remote one plays through the
/// host.
const VIDEO: &[Attribute] = &[
    a("src", Url, Drawn("src")),
    a("poster", Url, Drawn("poster")),
    a("duration", Number, Drawn("data-duration")),
    a("controls", Flag, Drawn("data-controls")),
    a("autoplay", Bool, Drawn("data-autoplay")),
    a("loop", Bool, Drawn("loop")),
    a("muted", Bool, Drawn("data-muted")),
    a("initial-time", Number, Drawn("data-initial-time")),
    a(
        "object-fit",
        OneOf(&["contain", "fill", "cover"]),
        Drawn("data-object-fit"),
    ),
    a(
        "show-fullscreen-btn",
        Flag,
        Drawn("data-show-fullscreen-btn"),
    ),
    a("show-play-btn", Flag, Drawn("data-show-play-btn")),
    a(
        "show-center-play-btn",
        Flag,
        Drawn("data-show-center-play-btn"),
    ),
    a("show-progress", Flag, Drawn("data-show-progress")),
    a("show-mute-btn", Bool, Drawn("data-show-mute-btn")),
    a("show-bottom-progress", Flag, KEPT),
    a("enable-progress-gesture", Flag, PHONE_PLAYER),
    a("title", Text, KEPT),
    a("play-btn-position", OneOf(&["bottom", "center"]), KEPT),
    a("direction", Number, PHONE_PLAYER),
    a("page-gesture", Bool, PHONE_PLAYER),
    a("enable-play-gesture", Bool, PHONE_PLAYER),
    a("auto-pause-if-navigate", Flag, KEPT),
    a("auto-pause-if-open-native", Flag, PHONE_PLAYER),
    a("vslide-gesture", Bool, PHONE_PLAYER),
    a("vslide-gesture-in-fullscreen", Flag, PHONE_PLAYER),
    a("danmu-list", Json, DANMU),
    a("danmu-btn", Bool, DANMU),
    a("enable-danmu", Bool, DANMU),
    a(
        "ad-unit-id",
        Text,
        NoEffect("an ad before the video: no host profile offers ads"),
    ),
    a(
        "poster-for-crawler",
        Text,
        NoEffect("read by WeChat's search crawler only"),
    ),
    a("show-casting-button", Bool, PHONE_PLAYER),
    a("picture-in-picture-mode", Json, PHONE_PLAYER),
    a("picture-in-picture-show-progress", Bool, PHONE_PLAYER),
    a("picture-in-picture-init-position", Text, PHONE_PLAYER),
    a("enable-auto-rotation", Bool, PHONE_PLAYER),
    a("show-screen-lock-button", Bool, PHONE_PLAYER),
    a("show-snapshot-button", Bool, PHONE_PLAYER),
    a("show-background-playback-button", Bool, PHONE_PLAYER),
    a("background-poster", Text, PHONE_PLAYER),
    a("referrer-policy", OneOf(REFERRER), REFERRER_EFFECT),
    a("is-drm", Bool, PHONE_PLAYER),
    a("is-live", Bool, KEPT),
    a("provision-url", Text, PHONE_PLAYER),
    a("certificate-url", Text, PHONE_PLAYER),
    a("license-url", Text, PHONE_PLAYER),
    a("preferred-peak-bit-rate", Number, PHONE_PLAYER),
];

/// A video's events; what each detail may hold is checked
/// (`events/details.rs`).
const VIDEO_EVENTS: &[&str] = &[
    "play",
    "pause",
    "ended",
    "timeupdate",
    "fullscreenchange",
    "waiting",
    "error",
    "progress",
    "loadedmetadata",
    "controlstoggle",
    "enterpictureinpicture",
    "leavepictureinpicture",
    "seekcomplete",
    "castinguserselect",
    "castingstatechange",
    "castinginterrupt",
];

/// WeChat's legacy `audio` (before `wx.createInnerAudioContext`).
const AUDIO: &[Attribute] = &[
    a("src", Url, Drawn("src")),
    a("loop", Bool, Drawn("loop")),
    a("controls", Bool, Drawn("controls")),
    a("poster", Url, Drawn("data-poster")),
    a("name", Text, Drawn("data-name")),
    a("author", Text, Drawn("data-author")),
];

/// A page-meta attribute about the window around the page.
const WINDOW_LOOK: Effect = Host(
    "the host applies it after each render as the window key of the same name \
     (`backgroundColor`, `backgroundTextStyle`: the page's window carries it; a colour not \
     written #RRGGBB is not applied and the app's log says why)",
);

/// page-meta's scroll position.
const SCROLLS: Effect = Host(
    "when `scroll-top` (px or rpx) is set or changes, the page scrolls there over \
     `scroll-duration` ms (WeChat's default 300), as `wx.pageScrollTo` scrolls it",
);

/// `page-meta`: the page's own settings, read from the rendered tree by the
/// host after each render (it draws nothing itself).
const PAGE_META: &[Attribute] = &[
    a(
        "background-text-style",
        OneOf(&["dark", "light"]),
        WINDOW_LOOK,
    ),
    a("background-color", Color, WINDOW_LOOK),
    a("background-color-top", Color, KEPT),
    a("background-color-bottom", Color, KEPT),
    a("root-background-color", Color, KEPT),
    a("scroll-top", Text, SCROLLS),
    a("scroll-duration", Number, SCROLLS),
    a("page-style", Text, KEPT),
    a("page-font-size", Text, KEPT),
    a("root-font-size", Text, KEPT),
    a(
        "page-orientation",
        OneOf(&["auto", "portrait", "landscape"]),
        NoEffect("the simulator's phone does not rotate"),
    ),
];

/// What the host does with a navigation-bar attribute (inside `page-meta`).
const NAV_BAR: Effect = Host(
    "the host sets the navigation bar by it after each render it changes in (the frames \
     `wx.setNavigationBarTitle`, `wx.setNavigationBarColor` and the loading spinner send)",
);

/// `navigation-bar`, the one child of `page-meta` that draws the host's bar.
const NAVIGATION_BAR: &[Attribute] = &[
    a("title", Text, NAV_BAR),
    a("loading", Bool, NAV_BAR),
    a("front-color", OneOf(&["#000000", "#ffffff"]), NAV_BAR),
    a("background-color", Color, NAV_BAR),
    a("color-animation-duration", Number, NAV_BAR),
    a(
        "color-animation-timing-func",
        OneOf(&["linear", "easeIn", "easeOut", "easeInOut"]),
        NoEffect("the simulator's bar changes colour linearly"),
    ),
];

/// `match-media`: its children are shown only while the page's window
/// matches every condition given (sizes in CSS px); the simulator checks
/// them against its window on every resize (`dev/static/match-media.js`).
const MATCH_MEDIA: &[Attribute] = &[
    a("min-width", Number, Drawn("data-min-width")),
    a("max-width", Number, Drawn("data-max-width")),
    a("width", Number, Drawn("data-width")),
    a("min-height", Number, Drawn("data-min-height")),
    a("max-height", Number, Drawn("data-max-height")),
    a("height", Number, Drawn("data-height")),
    a(
        "orientation",
        OneOf(&["landscape", "portrait"]),
        Drawn("data-orientation"),
    ),
];

/// `page-container`: a panel over the page while `show`, over its overlay
/// (`dev/static/page-container.js`), telling the app as it enters and
/// leaves.
const PAGE_CONTAINER: &[Attribute] = &[
    a("show", Bool, Drawn("data-show")),
    a("duration", Number, Drawn("data-duration")),
    a("z-index", Number, Drawn("data-z-index")),
    a("overlay", Flag, Drawn("data-overlay")),
    a(
        "position",
        OneOf(&["top", "bottom", "right", "center"]),
        Drawn("data-position"),
    ),
    a("round", Bool, Drawn("data-round")),
    a(
        "close-on-slide-down",
        Bool,
        Drawn("data-close-on-slide-down"),
    ),
    a("overlay-style", Text, Drawn("data-overlay-style")),
    a("custom-style", Text, Drawn("data-custom-style")),
];

/// The components the host draws, in WeChat's order of its list.
pub(super) const BUILTINS: &[Builtin] = &[
    b("view", ("div", ""), &[HOVER[0], HOVER[1], HOVER[2]], &[]),
    b(
        "scroll-view",
        ("div", ""),
        &[
            a("scroll-x", Bool, KEPT),
            a("scroll-y", Bool, KEPT),
            a("upper-threshold", Number, KEPT),
            a("lower-threshold", Number, KEPT),
            a("scroll-top", Text, Drawn("data-scroll-top")),
            a("scroll-left", Text, Drawn("data-scroll-left")),
            a("scroll-into-view", Text, Drawn("data-scroll-into-view")),
            a(
                "scroll-with-animation",
                Bool,
                Drawn("data-scroll-with-animation"),
            ),
            a(
                "enable-back-to-top",
                Bool,
                NoEffect("a tap on the phone's status bar"),
            ),
            a("enable-flex", Bool, KEPT),
            a("scroll-anchoring", Bool, SCROLL_NATIVE),
            a("refresher-enabled", Bool, Drawn("data-refresher-enabled")),
            a(
                "refresher-threshold",
                Number,
                Drawn("data-refresher-threshold"),
            ),
            a(
                "refresher-default-style",
                OneOf(&["black", "white", "none"]),
                Drawn("data-refresher-default-style"),
            ),
            a(
                "refresher-background",
                Color,
                Drawn("data-refresher-background"),
            ),
            a(
                "refresher-triggered",
                Bool,
                Drawn("data-refresher-triggered"),
            ),
            a("enhanced", Bool, SCROLL_NATIVE),
            a("bounces", Bool, SCROLL_NATIVE),
            a("show-scrollbar", Bool, SCROLL_NATIVE),
            a("paging-enabled", Bool, SCROLL_NATIVE),
            a("fast-deceleration", Bool, SCROLL_NATIVE),
            a("enable-passive", Bool, SCROLL_NATIVE),
            a("type", OneOf(&["list", "custom", "nested"]), SCROLL_NATIVE),
            a("reverse", Bool, SCROLL_NATIVE),
            a("clip", Bool, SCROLL_NATIVE),
            a("cache-extent", Number, SCROLL_NATIVE),
            a("min-drag-distance", Number, SCROLL_NATIVE),
        ],
        &[
            "scroll",
            "scrolltoupper",
            "scrolltolower",
            "scrollstart",
            "scrollend",
            "dragstart",
            "dragging",
            "dragend",
            "refresherpulling",
            "refresherrefresh",
            "refresherrestore",
            "refresherabort",
            "refresherwillrefresh",
            "refresherstatuschange",
        ],
    ),
    b(
        "swiper",
        ("div", ""),
        SWIPER,
        &["change", "transition", "animationfinish"],
    ),
    b(
        "swiper-item",
        ("div", ""),
        &[
            a("item-id", Text, Drawn("data-item-id")),
            a("skip-hidden-item-layout", Bool, SKIP_LAYOUT),
        ],
        &[],
    ),
    b(
        "movable-area",
        ("div", ""),
        &[a("scale-area", Bool, Drawn("data-scale-area"))],
        &[],
    ),
    b(
        "movable-view",
        ("div", ""),
        MOVABLE_VIEW,
        &["change", "scale", "htouchmove", "vtouchmove"],
    ),
    b(
        "icon",
        ("i", ""),
        &[
            a("type", OneOf(ICON_TYPES), Drawn("data-type")),
            a("size", Text, KEPT),
            a("color", Color, KEPT),
        ],
        &[],
    ),
    b(
        "text",
        ("span", ""),
        &[
            a("selectable", Bool, KEPT),
            a("user-select", Bool, KEPT),
            a("space", OneOf(&["ensp", "emsp", "nbsp"]), KEPT),
            a("decode", Bool, KEPT),
            a(
                "overflow",
                OneOf(&["clip", "fade", "ellipsis", "visible"]),
                KEPT,
            ),
            a("max-lines", Number, KEPT),
        ],
        &[],
    ),
    b(
        "progress",
        ("progress", " max=\"100\""),
        &[
            a("percent", Number, Drawn("value")),
            a("show-info", Bool, KEPT),
            a("border-radius", Text, KEPT),
            a("font-size", Text, KEPT),
            a("stroke-width", Text, KEPT),
            a("color", Color, KEPT),
            a("active-color", Color, KEPT),
            a("background-color", Color, KEPT),
            a("active", Bool, KEPT),
            a("active-mode", OneOf(&["backwards", "forwards"]), KEPT),
            a("duration", Number, KEPT),
        ],
        &["activeend"],
    ),
    b(
        "button",
        ("button", " type=\"button\""),
        &[
            a("size", OneOf(&["default", "mini"]), Drawn("data-size")),
            a(
                "type",
                OneOf(&["primary", "default", "warn"]),
                Drawn("data-type"),
            ),
            a("plain", Bool, Drawn("data-plain")),
            a("disabled", Bool, Drawn("disabled")),
            a("loading", Bool, Drawn("data-loading")),
            a(
                "form-type",
                OneOf(&["submit", "reset"]),
                Host("`submit` sends the enclosing form's fields; `reset` is not acted on yet"),
            ),
            a(
                "open-type",
                OneOf(OPEN_TYPES),
                Host(
                    "a tap runs the host's flow and answers it as the event WeChat names \
                     (`share`, `getPhoneNumber`, `chooseAvatar`, `openSetting`, `contact`, \
                     `getUserInfo`, `agreePrivacyAuthorization`); `launchApp`, `feedback`, \
                     `getRealtimePhoneNumber` and `liveActivity` are refused, naming why",
                ),
            ),
            HOVER[0],
            HOVER[1],
            HOVER[2],
            a("lang", OneOf(&["en", "zh_CN", "zh_TW"]), KEPT),
            a("session-from", Text, KEPT),
            a("send-message-title", Text, MESSAGE_CARD),
            a("send-message-path", Text, MESSAGE_CARD),
            a("send-message-img", Text, KEPT),
            a("app-parameter", Text, KEPT),
            a("show-message-card", Bool, MESSAGE_CARD),
            a("phone-number-no-quota-toast", Bool, KEPT),
        ],
        &[
            "getuserinfo",
            "contact",
            "getphonenumber",
            "getrealtimephonenumber",
            "error",
            "opensetting",
            "launchapp",
            "chooseavatar",
            "agreeprivacyauthorization",
        ],
    ),
    b("checkbox", ("input", " type=\"checkbox\""), CHOICE, &[]),
    b("checkbox-group", ("div", ""), GROUP, &["change"]),
    b(
        "form",
        ("div", ""),
        &[
            a("report-submit", Bool, KEPT),
            a(
                "report-submit-timeout",
                Number,
                NoEffect("a template-message form id, which only WeChat issues"),
            ),
        ],
        &["submit", "reset"],
    ),
    b(
        "input",
        ("input", ""),
        &[
            a("value", Text, Drawn("value")),
            a(
                "type",
                OneOf(&[
                    "text",
                    "number",
                    "idcard",
                    "digit",
                    "safe-password",
                    "nickname",
                ]),
                KEPT,
            ),
            a("password", Bool, Drawn("data-password")),
            a("placeholder", Text, Drawn("placeholder")),
            a("placeholder-style", Text, KEPT),
            a("placeholder-class", Text, KEPT),
            a("disabled", Bool, Drawn("disabled")),
            a("maxlength", Number, Drawn("maxlength")),
            a("cursor-spacing", Number, KEYBOARD),
            a("auto-focus", Bool, Drawn("data-auto-focus")),
            a("focus", Bool, Drawn("data-focus")),
            a("confirm-type", OneOf(CONFIRM_TYPES), KEPT),
            a("always-embed", Bool, KEYBOARD),
            a("confirm-hold", Bool, KEYBOARD),
            a("cursor", Number, CARET),
            a("cursor-color", Color, CARET),
            a("selection-start", Number, CARET),
            a("selection-end", Number, CARET),
            a("adjust-position", Bool, KEYBOARD),
            a("hold-keyboard", Bool, KEYBOARD),
            a("safe-password-cert-path", Text, SAFE_PASSWORD),
            a("safe-password-length", Number, SAFE_PASSWORD),
            a("safe-password-time-stamp", Number, SAFE_PASSWORD),
            a("safe-password-nonce", Text, SAFE_PASSWORD),
            a("safe-password-salt", Text, SAFE_PASSWORD),
            a("safe-password-custom-hash", Text, SAFE_PASSWORD),
            a("name", Text, FIELD_NAME),
        ],
        &[
            "input",
            "focus",
            "blur",
            "confirm",
            "keyboardheightchange",
            "nicknamereview",
        ],
    ),
    b("label", ("label", ""), &[a("for", Text, Drawn("for"))], &[]),
    b("picker", ("div", ""), picker::PICKER, picker::EVENTS),
    b(
        "picker-view",
        ("div", ""),
        PICKER_VIEW,
        &["change", "pickstart", "pickend"],
    ),
    b("picker-view-column", ("div", ""), &[], &[]),
    b("radio", ("input", " type=\"radio\""), CHOICE, &[]),
    b("radio-group", ("div", ""), GROUP, &["change"]),
    b(
        "slider",
        ("input", " type=\"range\""),
        SLIDER,
        &["change", "changing"],
    ),
    b(
        "switch",
        ("input", " type=\"checkbox\" role=\"switch\""),
        &[
            a("checked", Bool, Drawn("checked")),
            a("disabled", Bool, Drawn("disabled")),
            a("type", OneOf(&["switch", "checkbox"]), KEPT),
            a("color", Color, KEPT),
            a("name", Text, FIELD_NAME),
        ],
        &["change"],
    ),
    b(
        "textarea",
        ("textarea", ""),
        &[
            a("value", Text, Drawn("value")),
            a("placeholder", Text, Drawn("placeholder")),
            a("placeholder-style", Text, KEPT),
            a("placeholder-class", Text, KEPT),
            a("disabled", Bool, Drawn("disabled")),
            a("maxlength", Number, Drawn("maxlength")),
            a("focus", Bool, Drawn("data-focus")),
            a("auto-focus", Bool, Drawn("data-auto-focus")),
            a("auto-height", Bool, Drawn("data-auto-height")),
            a(
                "fixed",
                Bool,
                NoEffect("positions the phone's native text box"),
            ),
            a("cursor-spacing", Number, KEYBOARD),
            a("cursor", Number, CARET),
            a("show-confirm-bar", Bool, KEYBOARD),
            a("selection-start", Number, CARET),
            a("selection-end", Number, CARET),
            a("adjust-position", Bool, KEYBOARD),
            a("hold-keyboard", Bool, KEYBOARD),
            a(
                "disable-default-padding",
                Bool,
                NoEffect("the simulator's textarea has no default padding"),
            ),
            a("confirm-type", OneOf(TEXTAREA_CONFIRM_TYPES), KEPT),
            a("confirm-hold", Bool, KEYBOARD),
            a("adjust-keyboard-to", OneOf(&["cursor", "bottom"]), KEYBOARD),
            a("name", Text, FIELD_NAME),
        ],
        &[
            "focus",
            "blur",
            "linechange",
            "input",
            "confirm",
            "keyboardheightchange",
        ],
    ),
    b(
        "navigator",
        ("a", ""),
        &[
            a("target", OneOf(&["self", "miniProgram"]), KEPT),
            a("url", Url, Drawn("data-url")),
            a(
                "open-type",
                OneOf(&[
                    "navigate",
                    "redirect",
                    "switchTab",
                    "reLaunch",
                    "navigateBack",
                    "exit",
                ]),
                NAVIGATES,
            ),
            a("delta", Number, NAVIGATES),
            a("app-id", Text, KEPT),
            a("path", Text, KEPT),
            a("extra-data", Json, KEPT),
            a("version", OneOf(&["develop", "trial", "release"]), KEPT),
            a("short-link", Text, KEPT),
            HOVER[0],
            HOVER[1],
            HOVER[2],
        ],
        &["success", "fail", "complete"],
    ),
    b(
        "image",
        ("img", ""),
        &[
            a("src", Url, Drawn("src")),
            a("mode", OneOf(IMAGE_MODES), Drawn("data-mode")),
            a("webp", Bool, NoEffect("a browser decodes WebP itself")),
            a("lazy-load", Bool, KEPT),
            a("show-menu-by-longpress", Bool, KEPT),
            a(
                "fade-in",
                Bool,
                NoEffect("the simulator shows an image at once"),
            ),
        ],
        &["error", "load"],
    ),
    b(
        "rich-text",
        ("div", ""),
        &[
            a(
                "nodes",
                Json,
                Host(
                    "a string (HTML-like text, read by the host: at most 256 KiB) or an array \
                     of WeChat's nodes, at most 32 deep, drawn as child elements: WeChat's \
                     allowed tags with the attributes WeChat allows (`class`, `style`; an \
                     img's `src`, `alt`; sizes and spans of images, tables and cells; an ol's \
                     `start`; a bdo's `dir`; not an ol's `type`); other tags (with their \
                     content) and attributes are dropped, as on WeChat; its nodes take no \
                     events (a tap reaches the rich-text)",
                ),
            ),
            a(
                "space",
                OneOf(&["ensp", "emsp", "nbsp"]),
                Host("each space of its texts is drawn as that space"),
            ),
            a("user-select", Bool, KEPT),
        ],
        &[],
    ),
    b("video", ("video", ""), VIDEO, VIDEO_EVENTS),
    b(
        "audio",
        ("audio", ""),
        AUDIO,
        &["error", "play", "pause", "timeupdate", "ended"],
    ),
    b(
        "cover-view",
        ("div", ""),
        &[
            a("scroll-top", Text, Drawn("data-scroll-top")),
            a("marker-id", Text, ON_MAP),
        ],
        &[],
    ),
    b(
        "cover-image",
        ("img", ""),
        &[
            a("src", Url, Drawn("src")),
            a("referrer-policy", OneOf(REFERRER), REFERRER_EFFECT),
        ],
        &["load", "error"],
    ),
    b(
        "page-meta",
        ("div", " hidden=\"\""),
        PAGE_META,
        &["scroll", "scrolldone", "resize"],
    ),
    b(
        "navigation-bar",
        ("div", " hidden=\"\""),
        NAVIGATION_BAR,
        &[],
    ),
    b("match-media", ("div", ""), MATCH_MEDIA, &[]),
    b(
        "page-container",
        ("div", ""),
        PAGE_CONTAINER,
        &[
            "beforeenter",
            "enter",
            "afterenter",
            "beforeleave",
            "leave",
            "afterleave",
            "clickoverlay",
            "entercancelled",
            "leavecancelled",
        ],
    ),
    b(
        "root-portal",
        ("div", ""),
        &[a("enable", Flag, Drawn("data-enable"))],
        &[],
    ),
    // HTML-like tags WeChat's renderer accepts in WXML: inline text, inert
    // (only the events every component fires: see `INLINE`).
    b("span", ("span", ""), &[], &[]),
    b("i", ("i", ""), &[], &[]),
    b("a", ("a", ""), &[], &[]),
];

/// The HTML-like tags: they take only the common attributes and events.
pub(super) const INLINE: &[&str] = &["span", "i", "a"];

const NO_PROFILE: &str = "not offered by this host: no host profile of this build offers it";

/// WeChat's other components, each with why it is refused.
pub(super) const REFUSED: &[Refused] = &[
    Refused {
        name: "share-element",
        why: "the Skyline renderer's shared element, animated from one page to the next in a \
              custom page transition; this host switches pages without transitions, so it is \
              not supported yet",
    },
    Refused {
        name: "editor",
        why: "a rich-text editor driven through its EditorContext \
              (`wx.createSelectorQuery().select(...).context`: format, insert, get the \
              contents); the host has no such API, so it is not supported yet",
    },
    Refused {
        name: "functional-page-navigator",
        why: NO_PROFILE,
    },
    Refused {
        name: "camera",
        why: NO_PROFILE,
    },
    Refused {
        name: "live-player",
        why: NO_PROFILE,
    },
    Refused {
        name: "live-pusher",
        why: NO_PROFILE,
    },
    Refused {
        name: "voip-room",
        why: NO_PROFILE,
    },
    Refused {
        name: "map",
        why: NO_PROFILE,
    },
    Refused {
        name: "canvas",
        why: NO_PROFILE,
    },
    Refused {
        name: "web-view",
        why: NO_PROFILE,
    },
    Refused {
        name: "ad",
        why: NO_PROFILE,
    },
    Refused {
        name: "ad-custom",
        why: NO_PROFILE,
    },
    Refused {
        name: "official-account",
        why: NO_PROFILE,
    },
    Refused {
        name: "open-data",
        why: NO_PROFILE,
    },
];
