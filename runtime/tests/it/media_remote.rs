//! A view's video or audio at one of the app's origins, fetched by the
//! runtime a byte range at a time for a renderer that must not fetch it
//! itself (`App::fetch_media`): a real loopback server answers ranges with
//! 206 and its Content-Range; an open range is asked only as far as the
//! app's `http_response_bytes`; an origin that sends the whole file is
//! taken within that bound and refused past it; anything but a video or an
//! audio, or another origin, is refused.

use std::net::SocketAddr;

use crate::http::{allowed_and_granted, news_declaring};
use crate::loopback::{self, path_of};
use miniapp_runtime::{App, ByteRange, MediaPart, Policy};

/// The test file's bytes: 1000 of them, each its place modulo 251.
fn clip() -> Vec<u8> {
    (0..1000u32).map(|i| (i % 251) as u8).collect()
}

/// The `Range` a request asks for, as `(start, end)` of `len` bytes.
fn asked(request: &str, len: usize) -> Option<(usize, usize)> {
    let line = request
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("range:"))?;
    let spec = line.split_once("bytes=")?.1.trim();
    let (start, end) = spec.split_once('-')?;
    match (start, end) {
        ("", last) => Some((len - last.parse::<usize>().ok()?, len - 1)),
        (start, "") => Some((start.parse().ok()?, len - 1)),
        (start, end) => Some((start.parse().ok()?, end.parse::<usize>().ok()?.min(len - 1))),
    }
}

/// A media server on 127.0.0.1: `/clip.webm` answers ranges, `/whole.webm`
/// and `/small.webm` ignore them, `/page.html` is not media, `/stalled.webm`
/// never answers.
async fn serve() -> SocketAddr {
    loopback::serve(|request: String| async move {
        let whole = clip();
        match path_of(&request) {
            "/clip.webm" => match asked(&request, whole.len()) {
                Some((start, end)) => (
                    format!(
                        "206 Partial Content\r\nContent-Type: video/webm\r\nContent-Range: bytes {start}-{end}/{}",
                        whole.len()
                    ),
                    whole[start..=end].to_vec(),
                ),
                None => ("200 OK\r\nContent-Type: video/webm".into(), whole),
            },
            "/whole.webm" => ("200 OK\r\nContent-Type: video/webm".into(), whole),
            "/small.webm" => (
                "200 OK\r\nContent-Type: audio/webm".into(),
                whole[..100].to_vec(),
            ),
            "/page.html" => ("200 OK\r\nContent-Type: text/html".into(), b"<p>".to_vec()),
            // Held, unanswered, until the client gives up.
            "/stalled.webm" => std::future::pending().await,
            _ => (
                "404 Not Found\r\nContent-Type: text/plain".into(),
                Vec::new(),
            ),
        }
    })
    .await
}

/// An app (the news example) declaring the server's origin, granted it,
/// loopback allowed, with `http_response_bytes = 256`.
pub(crate) fn app(dir: &std::path::Path, origin: &str) -> App {
    app_with(dir, origin, "http_response_bytes = 256")
}

/// [`app`] with `quotas` (TOML) as its quotas.
pub(crate) fn app_with(dir: &std::path::Path, origin: &str, quotas: &str) -> App {
    let news = news_declaring(origin);
    let mut policy: Policy = allowed_and_granted(&news);
    policy.defaults.quotas = toml::from_str(quotas).unwrap();
    miniapp_runtime::Runtime::builder(dir)
        .policy(policy)
        .build()
        .unwrap()
        .load(news)
        .unwrap()
}

fn from(start: u64, end: Option<u64>) -> ByteRange {
    ByteRange::From { start, end }
}

#[tokio::test]
async fn a_remote_video_comes_a_bounded_range_at_a_time() {
    let origin = format!("http://{}", serve().await);
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path(), &origin);
    let url = format!("{origin}/clip.webm");
    let part = |range| {
        let (app, url) = (&app, &url);
        async move { app.fetch_media(url, range).await.unwrap() }
    };
    let bytes = clip();

    // An open range from the start: asked only as far as the quota.
    let first: MediaPart = part(from(0, None)).await;
    assert_eq!(first.kind, "video/webm");
    assert_eq!(first.content_range.as_deref(), Some("bytes 0-255/1000"));
    assert_eq!(first.bytes, bytes[..256]);
    // A seek near the end, and the last bytes.
    let end = part(from(900, Some(999))).await;
    assert_eq!(end.content_range.as_deref(), Some("bytes 900-999/1000"));
    assert_eq!(end.bytes, bytes[900..]);
    let last = part(ByteRange::Last(50)).await;
    assert_eq!(last.content_range.as_deref(), Some("bytes 950-999/1000"));
    assert_eq!(last.bytes, bytes[950..]);
    // A closed range longer than the quota is cut to it.
    let long = part(from(100, Some(999))).await;
    assert_eq!(long.content_range.as_deref(), Some("bytes 100-355/1000"));
    assert_eq!(long.bytes, bytes[100..356]);
    // The host fetched them for the app: its usage counts them.
    let usage = app.usage().unwrap();
    assert_eq!(
        (usage.http_calls, usage.http_bytes),
        (4, 256 + 100 + 50 + 256)
    );
    // An origin that ignores ranges: its whole file within the quota...
    let small = app
        .fetch_media(&format!("{origin}/small.webm"), from(0, None))
        .await
        .unwrap();
    assert_eq!((small.content_range, small.bytes.len()), (None, 100));
    // ...and refused past it.
    let err = app
        .fetch_media(&format!("{origin}/whole.webm"), from(0, None))
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("over the app's http_response_bytes of 256 bytes"),
        "{err}"
    );
    // Not media, or not an origin of the app: refused.
    let err = app
        .fetch_media(&format!("{origin}/page.html"), from(0, None))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("is not a video or audio"), "{err}");
    let err = app
        .fetch_media("https://elsewhere.example/a.webm", from(0, None))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("is not one of the app's"), "{err}");
}

#[tokio::test]
async fn a_remote_media_part_or_image_gives_up_after_the_apps_http_timeout() {
    let origin = format!("http://{}", serve().await);
    let dir = tempfile::tempdir().unwrap();
    let app = app_with(dir.path(), &origin, "http_timeout_ms = 300");
    let url = format!("{origin}/stalled.webm");
    // A hang guard only (before: 30 s whatever the quota said).
    let guard = std::time::Duration::from_secs(20);
    let fetched = tokio::time::timeout(guard, app.fetch_media(&url, from(0, None)));
    let err = fetched
        .await
        .expect("given up within the quota")
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("took over 300 ms (quota `http_timeout_ms`)"),
        "{err}"
    );
    // An image too (before: 10 s whatever the quota said).
    let fetched = tokio::time::timeout(guard, app.fetch_image(&url));
    let err = fetched
        .await
        .expect("given up within the quota")
        .unwrap_err();
    assert!(err.to_string().contains("took over 300 ms"), "{err}");
}
