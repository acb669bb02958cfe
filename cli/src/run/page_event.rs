//! `miniapp run --page-event`: what a phone reports about the top page
//! (WeChat's page events), headless: `pull-down`, `reach-bottom`,
//! `scroll=PX`, `share`, `share-timeline`, `resize[=WIDTHxHEIGHT]` and
//! `theme=light|dark`. The runtime checks each as it checks a client's.

use miniapp_runtime::{AppInstance, ClientPageEvent, ShareCard};

use crate::Failure;

/// The height of the page `reach-bottom` and `scroll` report, px: taller
/// than any window, so the page scrolls.
const PAGE_HEIGHT: f64 = 10_000.0;
/// The window's height they report, px (the default device's).
const WINDOW_HEIGHT: f64 = 667.0;

/// What `--page-event TEXT` reports, in order.
pub(super) fn parse(text: &str) -> Result<Vec<ClientPageEvent>, Failure> {
    let scroll = |top: f64| ClientPageEvent::Scroll {
        scroll_top: top,
        scroll_height: PAGE_HEIGHT,
        viewport_height: WINDOW_HEIGHT,
    };
    let bad = |why: &str| Failure::input(format!("--page-event `{text}`: {why}"));
    let (name, value) = match text.split_once('=') {
        Some((name, value)) => (name, Some(value)),
        None => (text, None),
    };
    Ok(match (name, value) {
        ("pull-down", None) => vec![ClientPageEvent::PullDown {}],
        // To the top (out of the bottom zone), then to the bottom: the
        // bottom is reached once whatever came before.
        ("reach-bottom", None) => vec![scroll(0.0), scroll(PAGE_HEIGHT - WINDOW_HEIGHT)],
        ("scroll", Some(top)) => {
            let top = top
                .parse()
                .map_err(|_| bad("expected scroll=PX, a number"))?;
            vec![scroll(top)]
        }
        ("share", None) => vec![ClientPageEvent::Share {}],
        ("share-timeline", None) => vec![ClientPageEvent::ShareTimeline {}],
        // The default device turned on its side.
        ("resize", None) => vec![ClientPageEvent::Resize {
            window_width: 667.0,
            window_height: 375.0,
        }],
        ("resize", Some(size)) => {
            let (width, height) = (size.split_once('x'))
                .and_then(|(w, h)| Some((w.parse().ok()?, h.parse().ok()?)))
                .ok_or_else(|| bad("expected resize=WIDTHxHEIGHT, in px"))?;
            vec![ClientPageEvent::Resize {
                window_width: width,
                window_height: height,
            }]
        }
        ("theme", Some(theme)) => vec![ClientPageEvent::Theme {
            theme: theme.to_string(),
        }],
        _ => {
            return Err(bad(
                "expected pull-down, reach-bottom, scroll=PX, share, share-timeline, \
                 resize[=WIDTHxHEIGHT] or theme=light|dark",
            ));
        }
    })
}

/// Report `events` (of `--page-event TEXT`) about the top page; the
/// step's name, with the share card the host shows, if any.
pub(super) async fn report(
    instance: &mut AppInstance,
    text: &str,
    events: &[ClientPageEvent],
) -> Result<String, (String, miniapp_runtime::Error)> {
    let mut name = format!("page-event {text}");
    for event in events {
        (instance.page_event(event).await).map_err(|e| (name.clone(), e))?;
        name = with_share_sheet(name, instance);
    }
    Ok(name)
}

/// A step's `name`, with the share sheet a share in it (a share
/// button's tap, the menu's share) led to, if any.
pub(super) fn with_share_sheet(name: String, instance: &mut AppInstance) -> String {
    match instance.take_share_sheet() {
        Some(card) => format!("{name}: {}", shown(&card)),
        None => name,
    }
}

/// The share sheet as headless prints it.
fn shown(card: &ShareCard) -> String {
    let image = card.image_url.as_deref().map(|i| format!(", image {i}"));
    format!(
        "share sheet ({}) \"{}\" opens {}{}",
        card.kind,
        card.title,
        card.path,
        image.unwrap_or_default()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `--page-event TEXT`, which must be taken.
    fn parsed(text: &str) -> Vec<ClientPageEvent> {
        parse(text).unwrap_or_else(|refused| panic!("{text}: {}", refused.message))
    }

    #[test]
    fn each_page_event_reads_as_the_runtime_takes_it_and_a_bad_one_says_what_is_expected() {
        assert_eq!(parsed("pull-down"), [ClientPageEvent::PullDown {}]);
        assert_eq!(parsed("reach-bottom").len(), 2);
        assert_eq!(
            parsed("theme=dark"),
            [ClientPageEvent::Theme {
                theme: "dark".into()
            }]
        );
        assert_eq!(
            parsed("resize=812x375"),
            [ClientPageEvent::Resize {
                window_width: 812.0,
                window_height: 375.0
            }]
        );
        for bad in ["pull", "resize=wide", "scroll", "share=1"] {
            let Err(refused) = parse(bad) else {
                panic!("{bad} taken")
            };
            assert!(
                refused.message.contains(&format!("--page-event `{bad}`")),
                "{}",
                refused.message
            );
        }
    }
}
