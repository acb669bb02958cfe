//! An origin's answer to a media range is checked before the view gets it
//! (`App::fetch_media`): its `Content-Range` must be the part asked for
//! (its end cut at the file's), within the file and as long as the bytes
//! sent; its `416` must say the file's length and put the range past it,
//! and is then passed on as a part past the end. A loopback server gives
//! each answer below whatever is asked.

use std::net::SocketAddr;

use crate::loopback::{self, path_of};
use crate::media_remote::app;
use miniapp_runtime::{App, ByteRange};

/// Each path's fixed answer: its status line, its `Content-Range` and how
/// many bytes it sends.
const ANSWERS: &[(&str, &str, Option<&str>, usize)] = &[
    (
        "/head.webm",
        "206 Partial Content",
        Some("bytes 0-255/1000"),
        256,
    ),
    (
        "/tail.webm",
        "206 Partial Content",
        Some("bytes 900-999/1000"),
        100,
    ),
    (
        "/last.webm",
        "206 Partial Content",
        Some("bytes 950-999/1000"),
        50,
    ),
    (
        "/live.webm",
        "206 Partial Content",
        Some("bytes 0-255/*"),
        256,
    ),
    (
        "/elsewhere.webm",
        "206 Partial Content",
        Some("bytes 500-509/1000"),
        10,
    ),
    (
        "/short.webm",
        "206 Partial Content",
        Some("bytes 0-255/1000"),
        10,
    ),
    (
        "/beyond.webm",
        "206 Partial Content",
        Some("bytes 0-9/5"),
        10,
    ),
    (
        "/garbled.webm",
        "206 Partial Content",
        Some("bytes zero-9/1000"),
        10,
    ),
    (
        "/gone.webm",
        "416 Range Not Satisfiable",
        Some("bytes */1000"),
        0,
    ),
    ("/bare.webm", "416 Range Not Satisfiable", None, 0),
];

async fn serve() -> SocketAddr {
    loopback::serve(|request: String| async move {
        let answer = ANSWERS.iter().find(|a| a.0 == path_of(&request));
        let Some((_, status, range, len)) = answer else {
            return ("404 Not Found".into(), Vec::new());
        };
        let range = range.map_or(String::new(), |r| format!("\r\nContent-Range: {r}"));
        let head = format!("{status}\r\nContent-Type: video/webm{range}");
        (head, vec![1u8; *len])
    })
    .await
}

fn from(start: u64, end: Option<u64>) -> ByteRange {
    ByteRange::From { start, end }
}

/// Part `range` of `path` at the server, as the app's view asks for it
/// (`http_response_bytes = 256`): the part's Content-Range, or why not.
async fn fetched(app: &App, origin: &str, path: &str, range: ByteRange) -> Result<String, String> {
    let part = app.fetch_media(&format!("{origin}{path}"), range).await;
    part.map(|p| p.content_range.unwrap_or_default())
        .map_err(|e| e.to_string())
}

#[tokio::test]
async fn an_origin_s_content_range_must_be_the_part_asked_for() {
    let origin = format!("http://{}", serve().await);
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path(), &origin);
    let get = |path: &'static str, range| fetched(&app, &origin, path, range);
    // The part asked for (an open range asked as far as the quota), one cut
    // at the end of the file, the last bytes, a length not known.
    assert_eq!(
        get("/head.webm", from(0, None)).await.unwrap(),
        "bytes 0-255/1000"
    );
    assert_eq!(
        get("/tail.webm", from(900, Some(5000))).await.unwrap(),
        "bytes 900-999/1000"
    );
    assert_eq!(
        get("/last.webm", ByteRange::Last(50)).await.unwrap(),
        "bytes 950-999/1000"
    );
    assert_eq!(
        get("/live.webm", from(0, None)).await.unwrap(),
        "bytes 0-255/*"
    );

    let err = get("/elsewhere.webm", from(0, None)).await.unwrap_err();
    let why = format!(
        "{origin}/elsewhere.webm sent `Content-Range: bytes 500-509/1000` for `bytes=0-255`: \
         the part asked for is bytes 0-255"
    );
    assert!(err.ends_with(&why), "{err}");
    let err = get("/short.webm", from(0, None)).await.unwrap_err();
    assert!(
        err.ends_with("for `bytes=0-255`: 10 bytes were sent"),
        "{err}"
    );
    let err = get("/beyond.webm", from(0, Some(9))).await.unwrap_err();
    assert!(err.ends_with("it ends past the file's length"), "{err}");
    let err = get("/garbled.webm", from(0, Some(9))).await.unwrap_err();
    assert!(err.ends_with("not `bytes START-END/TOTAL`"), "{err}");
    // The last bytes of a file whose length is not given cannot be checked.
    let err = get("/live.webm", ByteRange::Last(10)).await.unwrap_err();
    assert!(
        err.ends_with("the file's length is needed to check it and is not given"),
        "{err}"
    );
}

#[tokio::test]
async fn an_origin_s_416_is_a_part_past_the_end_when_the_range_is() {
    let origin = format!("http://{}", serve().await);
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path(), &origin);
    let part = app
        .fetch_media(&format!("{origin}/gone.webm"), from(5000, None))
        .await
        .unwrap();
    assert_eq!(part.past_end(), Some(1000));
    assert_eq!(part.content_range.as_deref(), Some("bytes */1000"));
    assert!(part.bytes.is_empty());
    // A 416 for a range within the file, or one that does not say the
    // length, is refused.
    let err = fetched(&app, &origin, "/gone.webm", from(10, None))
        .await
        .unwrap_err();
    assert!(
        err.ends_with("answered 416 for `bytes=10-265` of a file of 1000 bytes"),
        "{err}"
    );
    let err = fetched(&app, &origin, "/bare.webm", from(5000, None))
        .await
        .unwrap_err();
    assert!(
        err.ends_with("answered 416 without a `Content-Range: bytes */LENGTH`"),
        "{err}"
    );
}
