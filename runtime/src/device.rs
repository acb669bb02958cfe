//! The device facts an app reads through the `device` interface (WeChat's
//! `wx.getWindowInfo`, `wx.getDeviceInfo`, `wx.getAppBaseInfo`): sent by
//! the client that opens the app, so untrusted, and checked at launch.

use serde::{Deserialize, Serialize};

/// The largest size a client may send, in CSS pixels.
pub const MAX_DEVICE_PIXELS: u32 = 10_000;

/// The pixel ratios a client may send.
pub const DEVICE_PIXEL_RATIOS: std::ops::RangeInclusive<f64> = 0.5..=8.0;

/// The longest string fact a client may send, in bytes.
pub const MAX_DEVICE_STRING_BYTES: usize = 64;

/// The device an instance is shown on. Sizes are CSS pixels; the field
/// names on the wire (`miniapp serve`) are WeChat's (`windowWidth`), and a
/// missing field takes [the default phone](DeviceFacts::default)'s value.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct DeviceFacts {
    /// `screenWidth`.
    pub screen_width: u32,
    /// `screenHeight`.
    pub screen_height: u32,
    /// `windowWidth`: the width the page is laid out in.
    pub window_width: u32,
    /// `windowHeight`: the height the page is shown in.
    pub window_height: u32,
    /// `pixelRatio`: physical pixels per CSS pixel, 0.5 to 8.
    pub pixel_ratio: f64,
    /// `statusBarHeight`.
    pub status_bar_height: u32,
    /// `safeArea`: the part of the screen nothing covers.
    pub safe_area: SafeArea,
    /// `brand`: the maker.
    pub brand: String,
    /// `model`.
    pub model: String,
    /// `system`: the operating system and its version.
    pub system: String,
    /// `platform`: `ios`, `android`, `devtools`...
    pub platform: String,
    /// `language`: the user's language (`en`, `zh_CN`).
    pub language: String,
    /// `theme`: the system's colour scheme.
    pub theme: Theme,
    /// `fontSizeSetting`: the user's font size.
    pub font_size_setting: u32,
}

/// The part of the screen nothing covers, as its edges in CSS pixels from
/// the screen's top-left corner (WeChat's `safeArea`; its `width` and
/// `height` follow from them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SafeArea {
    /// `left`.
    pub left: u32,
    /// `right`, at least `left`.
    pub right: u32,
    /// `top`.
    pub top: u32,
    /// `bottom`, at least `top`.
    pub bottom: u32,
}

/// The system's colour scheme (WeChat's `theme`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    /// `light`.
    #[default]
    Light,
    /// `dark`.
    Dark,
}

impl Default for DeviceFacts {
    /// The default phone: 375x667 CSS pixels at pixel ratio 2 (an iPhone
    /// 8's), a status bar of 20 and the safe area below it, platform
    /// `devtools`, language `en`, theme light, font size 16.
    fn default() -> DeviceFacts {
        DeviceFacts::phone(375, 667, 2.0)
    }
}

impl DeviceFacts {
    /// A phone whose screen and window are `width` x `height` CSS pixels at
    /// `pixel_ratio`; the rest as [the default phone](DeviceFacts::default).
    pub fn phone(width: u32, height: u32, pixel_ratio: f64) -> DeviceFacts {
        const STATUS_BAR: u32 = 20;
        DeviceFacts {
            screen_width: width,
            screen_height: height,
            window_width: width,
            window_height: height,
            pixel_ratio,
            status_bar_height: STATUS_BAR,
            safe_area: SafeArea {
                left: 0,
                right: width,
                top: STATUS_BAR.min(height),
                bottom: height,
            },
            brand: "devtools".into(),
            model: "miniapp".into(),
            system: "miniapp".into(),
            platform: "devtools".into(),
            language: "en".into(),
            theme: Theme::Light,
            font_size_setting: 16,
        }
    }

    /// Check facts a client sent: sizes 1 to [`MAX_DEVICE_PIXELS`] (the
    /// status bar and the safe area's edges may be 0), the pixel ratio in
    /// [`DEVICE_PIXEL_RATIOS`], the safe area's edges in order, strings
    /// printable and at most [`MAX_DEVICE_STRING_BYTES`]. The error names
    /// the field by its WeChat name.
    pub fn check(&self) -> Result<(), String> {
        let sizes = [
            ("screenWidth", self.screen_width, 1),
            ("screenHeight", self.screen_height, 1),
            ("windowWidth", self.window_width, 1),
            ("windowHeight", self.window_height, 1),
            ("statusBarHeight", self.status_bar_height, 0),
            ("fontSizeSetting", self.font_size_setting, 1),
            ("safeArea.left", self.safe_area.left, 0),
            ("safeArea.right", self.safe_area.right, 0),
            ("safeArea.top", self.safe_area.top, 0),
            ("safeArea.bottom", self.safe_area.bottom, 0),
        ];
        for (name, size, least) in sizes {
            if !(least..=MAX_DEVICE_PIXELS).contains(&size) {
                return Err(format!(
                    "device fact `{name}` is {size}; it must be {least} to {MAX_DEVICE_PIXELS} CSS pixels"
                ));
            }
        }
        let ratio = self.pixel_ratio;
        if !DEVICE_PIXEL_RATIOS.contains(&ratio) {
            return Err(format!(
                "device fact `pixelRatio` is {ratio}; it must be {} to {}",
                DEVICE_PIXEL_RATIOS.start(),
                DEVICE_PIXEL_RATIOS.end()
            ));
        }
        let area = &self.safe_area;
        if area.right < area.left || area.bottom < area.top {
            return Err(format!(
                "device fact `safeArea` has its right edge ({}) left of its left ({}) or its bottom ({}) above its top ({})",
                area.right, area.left, area.bottom, area.top
            ));
        }
        let strings = [
            ("brand", &self.brand),
            ("model", &self.model),
            ("system", &self.system),
            ("platform", &self.platform),
            ("language", &self.language),
        ];
        for (name, text) in strings {
            check_string(name, text)?;
        }
        Ok(())
    }
}

/// A string fact: at most [`MAX_DEVICE_STRING_BYTES`], no control
/// characters.
fn check_string(name: &str, text: &str) -> Result<(), String> {
    if text.len() > MAX_DEVICE_STRING_BYTES {
        return Err(format!(
            "device fact `{name}` is {} bytes; at most {MAX_DEVICE_STRING_BYTES}",
            text.len()
        ));
    }
    match text.chars().find(|c| c.is_control()) {
        Some(c) => Err(format!(
            "device fact `{name}` holds the control character {:?}; it must be printable",
            c
        )),
        None => Ok(()),
    }
}

/// Equal when every fact is (the pixel ratio compared by its bits, so that
/// equality is an equivalence, as [`Eq`] promises).
impl PartialEq for DeviceFacts {
    fn eq(&self, other: &DeviceFacts) -> bool {
        let DeviceFacts {
            screen_width,
            screen_height,
            window_width,
            window_height,
            pixel_ratio,
            status_bar_height,
            safe_area,
            brand,
            model,
            system,
            platform,
            language,
            theme,
            font_size_setting,
        } = self;
        (*screen_width, *screen_height, *window_width, *window_height)
            == (
                other.screen_width,
                other.screen_height,
                other.window_width,
                other.window_height,
            )
            && pixel_ratio.to_bits() == other.pixel_ratio.to_bits()
            && (*status_bar_height, *safe_area, *theme, *font_size_setting)
                == (
                    other.status_bar_height,
                    other.safe_area,
                    other.theme,
                    other.font_size_setting,
                )
            && (brand, model, system, platform, language)
                == (
                    &other.brand,
                    &other.model,
                    &other.system,
                    &other.platform,
                    &other.language,
                )
    }
}

impl Eq for DeviceFacts {}
