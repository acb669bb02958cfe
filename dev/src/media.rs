//! Byte ranges of the app's videos and audios, as a browser's player asks
//! for them to start playing and to seek: a package file's part is cut from
//! it here; a source at one of the app's origins is fetched a part at a
//! time by the runtime (its egress checks, at most the app's
//! `http_response_bytes` a part) and passed on with the origin's
//! `Content-Range` (the runtime checks it against the range and the bytes),
//! or cut here when the origin sent the whole file; an origin's `416` is
//! passed on as one.

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use miniapp_runtime::{App, ByteRange};

use crate::server::app_file;

/// The `Range` a request asks for, if it is one this host serves (a
/// browser's player always sends one; an image never does).
pub(crate) fn asked(headers: &HeaderMap) -> Option<ByteRange> {
    let range = headers.get(header::RANGE)?.to_str().ok()?;
    ByteRange::parse(range)
}

/// `bytes` (a whole file of `kind`) as the answer to `range`: `206` with
/// that part (sharing the file's bytes, not a copy), or `416` naming the
/// size when it starts past the end.
pub(crate) fn part(bytes: &Bytes, kind: HeaderValue, range: ByteRange) -> Response {
    let total = bytes.len() as u64;
    let (start, end) = match range {
        ByteRange::From { start, end } => {
            (start, end.unwrap_or(u64::MAX).min(total.saturating_sub(1)))
        }
        ByteRange::Last(n) => (total.saturating_sub(n), total.saturating_sub(1)),
    };
    if start >= total || start > end {
        return past_end(&format!("bytes */{total}"));
    }
    let slice = bytes.slice(start as usize..=end as usize);
    partial(slice, kind, &format!("bytes {start}-{end}/{total}"))
}

/// `416`: the range asked for starts past the end; `content_range` says
/// the size (`bytes */TOTAL`).
fn past_end(content_range: &str) -> Response {
    let mut response = (StatusCode::RANGE_NOT_SATISFIABLE, "").into_response();
    if let Ok(value) = HeaderValue::from_str(content_range) {
        response.headers_mut().insert(header::CONTENT_RANGE, value);
    }
    response
}

/// A part of a file as a `206` with its `Content-Range`.
fn partial(bytes: Bytes, kind: HeaderValue, content_range: &str) -> Response {
    let mut response = app_file(bytes, kind);
    *response.status_mut() = StatusCode::PARTIAL_CONTENT;
    let headers = response.headers_mut();
    headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    match HeaderValue::from_str(content_range) {
        Ok(value) => {
            headers.insert(header::CONTENT_RANGE, value);
            response
        }
        Err(_) => (StatusCode::BAD_GATEWAY, "a Content-Range that is not text").into_response(),
    }
}

/// Part `range` of the video or audio at `url`, one of `app`'s origins.
pub(crate) async fn remote(app: &App, url: &str, range: ByteRange) -> Response {
    match app.fetch_media(url, range).await {
        // The origin says the range starts past the end: so does this host.
        Ok(media) if media.past_end().is_some() => {
            past_end(media.content_range.as_deref().unwrap_or_default())
        }
        Ok(media) => {
            let kind = HeaderValue::from_str(&media.kind)
                .unwrap_or(HeaderValue::from_static("application/octet-stream"));
            let bytes = Bytes::from(media.bytes);
            match media.content_range {
                // Checked by the runtime against the range and the bytes.
                Some(content_range) => partial(bytes, kind, &content_range),
                // The origin sent the whole file (within the quota): cut it here.
                None => part(&bytes, kind, range),
            }
        }
        Err(e) => (StatusCode::FORBIDDEN, e.to_string()).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use axum::body::to_bytes;

    use super::*;

    /// Part `range` of the bytes 0..10: its status, Content-Range and bytes.
    async fn cut(range: ByteRange) -> (u16, Option<String>, Vec<u8>) {
        let bytes = Bytes::from((0..10).collect::<Vec<u8>>());
        let response = part(&bytes, HeaderValue::from_static("video/webm"), range);
        let status = response.status().as_u16();
        let content_range = (response.headers().get(header::CONTENT_RANGE))
            .map(|v| v.to_str().unwrap().to_string());
        let body = to_bytes(response.into_body(), 1024).await.unwrap();
        (status, content_range, body.to_vec())
    }

    #[tokio::test]
    async fn a_package_file_answers_a_range_with_its_part_or_416() {
        let from = |start, end| ByteRange::From { start, end };
        let range = |text: &str| Some(text.to_string());
        assert_eq!(
            cut(from(2, Some(4))).await,
            (206, range("bytes 2-4/10"), vec![2, 3, 4])
        );
        assert_eq!(
            cut(from(8, None)).await,
            (206, range("bytes 8-9/10"), vec![8, 9])
        );
        assert_eq!(
            cut(from(8, Some(99))).await,
            (206, range("bytes 8-9/10"), vec![8, 9])
        );
        assert_eq!(
            cut(ByteRange::Last(3)).await,
            (206, range("bytes 7-9/10"), vec![7, 8, 9])
        );
        assert_eq!(
            cut(ByteRange::Last(30)).await,
            (206, range("bytes 0-9/10"), (0..10).collect())
        );
        assert_eq!(
            cut(from(10, None)).await,
            (416, range("bytes */10"), vec![])
        );
    }
}
