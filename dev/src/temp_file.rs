//! `GET /temp?path=wxfile://tmp/...`: a temp file of the running instance
//! (a download's, a chooser's), for the page's `<image>` that shows one.
//! Opened as the app's own reads are, through its temp area's directory
//! handle and only for the instance it was given to
//! ([`miniapp_runtime::TempFiles`], asked of the session, read on tokio's
//! blocking pool): a name the host did not give out, another instance's
//! file (an earlier launch's, another app's) or a removed one is refused
//! (404, naming why). Behind the run's asset cookie or token, as the
//! package's files are.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tokio::sync::oneshot;

use crate::server::{Context, app_file, same_site};
use crate::session::Command;

#[derive(Deserialize)]
pub(crate) struct TempQuery {
    path: String,
}

/// The bytes of the temp file `path` names, typed by their header.
pub(crate) async fn temp_file(
    State(cx): State<Arc<Context>>,
    Query(query): Query<TempQuery>,
    headers: HeaderMap,
) -> Response {
    if let Err(refused) = same_site(&headers) {
        return refused.into_response();
    }
    let (reply, files) = oneshot::channel();
    let asked = cx.shared.commands.send(Command::TempFiles(reply)).await;
    let files = match asked {
        Ok(()) => files.await.ok().flatten(),
        Err(_) => None,
    };
    let Some(files) = files else {
        return (StatusCode::NOT_FOUND, "the app is not running").into_response();
    };
    // File I/O, off the async workers; the session goes on meanwhile.
    let path = query.path;
    let bytes = tokio::task::spawn_blocking(move || files.read(&path)).await;
    let bytes = match bytes {
        Ok(read) => read.map_err(|e| e.to_string()),
        Err(e) => Err(format!("the read stopped: {e}")),
    };
    match bytes {
        Ok(bytes) => {
            let kind = HeaderValue::from_static(image_kind(&bytes));
            app_file(bytes.into(), kind)
        }
        Err(why) => (StatusCode::NOT_FOUND, why).into_response(),
    }
}

/// The content type of an image from its first bytes (a temp file has no
/// name to go by); anything else is opaque bytes.
fn image_kind(bytes: &[u8]) -> &'static str {
    match bytes {
        [0x89, b'P', b'N', b'G', ..] => "image/png",
        [0xff, 0xd8, 0xff, ..] => "image/jpeg",
        [b'G', b'I', b'F', b'8', ..] => "image/gif",
        [
            b'R',
            b'I',
            b'F',
            b'F',
            _,
            _,
            _,
            _,
            b'W',
            b'E',
            b'B',
            b'P',
            ..,
        ] => "image/webp",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::image_kind;

    #[test]
    fn an_image_is_typed_by_its_header_and_anything_else_is_opaque() {
        assert_eq!(image_kind(b"\x89PNG\r\n\x1a\n"), "image/png");
        assert_eq!(image_kind(b"\xff\xd8\xff\xe0"), "image/jpeg");
        assert_eq!(image_kind(b"GIF89a"), "image/gif");
        assert_eq!(image_kind(b"RIFF\0\0\0\0WEBPVP8 "), "image/webp");
        assert_eq!(image_kind(b"<html>"), "application/octet-stream");
    }
}
