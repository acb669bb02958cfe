//! An app's dialog may not speak as the host. The host's own sheets (its
//! payment sheet, its consent and login prompts) carry the host's name; a
//! modal titled "WeChat Pay" with a "Pay" button would pass the app's
//! dialog off as one of them, and a page under a navigation bar titled so
//! would pass for the host's own page. So a dialog's title and button
//! texts, and the navigation bar's title, may not hold the host's name,
//! however it is written: in any case, spaced or
//! punctuated, in full-width letters, with invisible characters between
//! its letters, or with the Cyrillic letters that look like its Latin
//! ones. (The host also names the app on every dialog it draws, and keeps
//! the page under its own layer: this check is one of three.)

use super::super::{CallError, CallResult};

/// The host's names, folded as [`fold`] folds an app's text.
const HOST_NAMES: [&str; 3] = ["wechat", "weixin", "微信"];

/// Latin letters and the Cyrillic and Greek letters drawn like them.
const LOOK_ALIKES: [(char, char); 12] = [
    ('а', 'a'),
    ('е', 'e'),
    ('с', 'c'),
    ('һ', 'h'),
    ('і', 'i'),
    ('х', 'x'),
    ('ԝ', 'w'),
    ('о', 'o'),
    ('р', 'p'),
    ('ո', 'n'),
    ('α', 'a'),
    ('ε', 'e'),
];

/// `text` as a reader sees it: lower case, full-width forms and
/// look-alikes as their ASCII letters, and nothing but letters and digits
/// (spaces, punctuation and invisible characters gone).
fn fold(text: &str) -> String {
    let ascii = |c: char| match c {
        // Full-width ASCII (U+FF01 to U+FF5E) is ASCII 0xFEE0 further on.
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        c => c,
    };
    let plain = |c: char| {
        (LOOK_ALIKES.iter())
            .find(|(like, _)| *like == c)
            .map_or(c, |(_, latin)| *latin)
    };
    (text.chars())
        .map(ascii)
        .flat_map(char::to_lowercase)
        .map(plain)
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// Refuse `text` (the dialog's `what`) when it holds one of the host's
/// names: the app would speak as the host. Refused as a denial, so it is
/// counted and audited.
pub(in crate::capability) fn not_the_host(what: &str, text: &str) -> CallResult<()> {
    let folded = fold(text);
    match HOST_NAMES.iter().any(|name| folded.contains(name)) {
        true => Err(CallError::denied(format!(
            "{what} `{text}` holds the host's name (WeChat): an app may not speak as the host, \
             whose payment and consent sheets carry it"
        ))),
        false => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_host_s_name_is_found_however_it_is_written() {
        for title in [
            "WeChat Pay",
            "微信支付",
            "wechatpay",
            "We Chat-Pay",
            "Ｗｅ Ｃｈａｔ Ｐａｙ",
            "We\u{200B}Chat Pay",
            "Wе\u{0441}hat Pay",
            "WEIXIN",
        ] {
            let refused = not_the_host("the modal's title", title);
            assert!(refused.is_err(), "{title:?} passed");
        }
    }

    #[test]
    fn an_app_s_own_words_pass() {
        for title in [
            "Pay for the order?",
            "Delete the order?",
            "支付订单",
            "Weekly chat",
        ] {
            not_the_host("the modal's title", title).unwrap();
        }
    }
}
