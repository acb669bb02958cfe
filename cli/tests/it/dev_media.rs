//! `miniapp dev`'s `/remote` for a player: a request with a `Range` for a
//! video at one of the app's origins (a real loopback server that serves
//! byte ranges) gets that part as 206 with the origin's Content-Range,
//! fetched by the runtime with the app's egress checks; a range past the
//! end is the origin's 416, passed on as one; without a Range the route stays the
//! image fetch, which refuses a video.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;

use crate::cli::news_declaring;
use crate::dev::Simulator;

/// The video's bytes: 1000, each its place modulo 251.
fn clip() -> Vec<u8> {
    (0..1000u32).map(|i| (i % 251) as u8).collect()
}

/// A loopback origin serving `/clip.webm` by byte ranges (`bytes=S-E` or
/// `bytes=S-`; 416 past the end).
fn serve_clip() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut range = None;
            let mut reader = BufReader::new(&stream);
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                let lower = line.to_ascii_lowercase();
                if let Some(spec) = lower.strip_prefix("range: bytes=") {
                    range = spec
                        .trim()
                        .split_once('-')
                        .map(|(s, e)| (s.parse::<usize>().unwrap_or(0), e.parse::<usize>().ok()));
                }
                line.clear();
            }
            let whole = clip();
            let head = match range {
                Some((start, _)) if start >= whole.len() => {
                    let head = format!(
                        "HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                        whole.len()
                    );
                    let _ = stream.write_all(head.as_bytes());
                    continue;
                }
                Some((start, end)) => {
                    let end = end.unwrap_or(whole.len() - 1).min(whole.len() - 1);
                    let part = &whole[start..=end];
                    let head = format!(
                        "HTTP/1.1 206 Partial Content\r\nContent-Type: video/webm\r\nContent-Range: bytes {start}-{end}/{}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        whole.len(),
                        part.len()
                    );
                    (head, part.to_vec())
                }
                None => (
                    format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: video/webm\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        whole.len()
                    ),
                    whole.clone(),
                ),
            };
            let _ = stream.write_all(head.0.as_bytes());
            let _ = stream.write_all(&head.1);
        }
    });
    origin
}

#[tokio::test]
async fn remote_serves_a_player_s_range_of_a_video_at_the_app_s_origin() {
    let origin = serve_clip();
    let dir = tempfile::tempdir().unwrap();
    let news = news_declaring(&origin, dir.path());
    let sim = Simulator::start(&news, &["--allow-address", "127.0.0.1"]);
    let url = format!("{origin}/clip.webm");
    let get = |range: Option<&'static str>| {
        let request = reqwest::Client::new()
            .get(format!("{}/remote", sim.base))
            .query(&[("token", sim.token.as_str()), ("url", url.as_str())]);
        let request = match range {
            Some(range) => request.header("range", range),
            None => request,
        };
        async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let header = |name: &str| {
                (response.headers().get(name)).map(|v| v.to_str().unwrap().to_string())
            };
            let (range, kind) = (header("content-range"), header("content-type"));
            (
                status,
                range,
                kind,
                response.bytes().await.unwrap().to_vec(),
            )
        }
    };
    let bytes = clip();
    let (status, range, kind, body) = get(Some("bytes=100-199")).await;
    assert_eq!(
        (status, range.as_deref()),
        (206, Some("bytes 100-199/1000"))
    );
    assert_eq!(kind.as_deref(), Some("video/webm"));
    assert_eq!(body, bytes[100..200]);
    let (status, range, _, body) = get(Some("bytes=990-")).await;
    assert_eq!(
        (status, range.as_deref()),
        (206, Some("bytes 990-999/1000"))
    );
    assert_eq!(body, bytes[990..]);
    // Past the end: the origin's 416 with the file's length, not a part.
    let (status, range, _, body) = get(Some("bytes=5000-")).await;
    assert_eq!(
        (status, range.as_deref()),
        (416, Some("bytes */1000")),
        "{}",
        String::from_utf8_lossy(&body)
    );
    assert!(body.is_empty(), "{body:?}");
    // Without a Range the route is the image fetch: a video is refused.
    let (status, _, _, body) = get(None).await;
    assert_eq!(status, 403);
    assert!(
        String::from_utf8_lossy(&body).contains("is not an image"),
        "{body:?}"
    );
}
