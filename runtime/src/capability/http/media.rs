//! A video's or audio's source at one of the app's origins, fetched for a
//! renderer that must not fetch it itself, by byte ranges (a player asks
//! for the part it plays or seeks to), each part at most the app's
//! `http_response_bytes`.

use std::time::Duration;

use url::Url;

use super::{AppHttp, describe};

/// A byte range a player asks for: `bytes=START-`, `bytes=START-END`
/// (inclusive) or `bytes=-LAST`; one range only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteRange {
    /// From `start` to `end` (inclusive), or to the end of the file.
    From {
        /// The first byte.
        start: u64,
        /// The last byte, if given.
        end: Option<u64>,
    },
    /// The last this many bytes.
    Last(u64),
}

impl ByteRange {
    /// Read a `Range` header; `None` for a form this host does not serve
    /// (several ranges, another unit), which is then served whole.
    pub fn parse(header: &str) -> Option<ByteRange> {
        let spec = header.trim().strip_prefix("bytes=")?.trim();
        let (start, end) = spec.split_once('-')?;
        let number = |s: &str| s.trim().parse::<u64>().ok();
        match (start.trim(), end.trim()) {
            ("", last) => number(last).filter(|n| *n > 0).map(ByteRange::Last),
            (start, "") => Some(ByteRange::From {
                start: number(start)?,
                end: None,
            }),
            (start, end) => {
                let (start, end) = (number(start)?, number(end)?);
                (start <= end).then_some(ByteRange::From {
                    start,
                    end: Some(end),
                })
            }
        }
    }

    /// This range at most `most` bytes long (an open one closed there).
    pub fn at_most(self, most: u64) -> ByteRange {
        let most = most.max(1);
        match self {
            ByteRange::From { start, end } => {
                let last = start.saturating_add(most - 1);
                ByteRange::From {
                    start,
                    end: Some(end.map_or(last, |end| end.min(last))),
                }
            }
            ByteRange::Last(n) => ByteRange::Last(n.min(most)),
        }
    }

    /// As a `Range` header.
    pub fn header(self) -> String {
        match self {
            ByteRange::From { start, end: None } => format!("bytes={start}-"),
            ByteRange::From {
                start,
                end: Some(end),
            } => format!("bytes={start}-{end}"),
            ByteRange::Last(n) => format!("bytes=-{n}"),
        }
    }
}

/// What an origin gave for a media request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaPart {
    /// Its `Content-Type` (`video/...` or `audio/...`).
    pub kind: String,
    /// The bytes.
    pub bytes: Vec<u8>,
    /// The origin's `Content-Range` (`bytes START-END/TOTAL`, checked
    /// against the part asked for and the bytes) when it sent a part;
    /// `bytes */TOTAL` when the range starts past the end (see
    /// [`MediaPart::past_end`]); `None` when it sent the whole file.
    pub content_range: Option<String>,
}

impl AppHttp {
    /// Part `range` of the video or audio at `url` (an origin of the app's,
    /// checked as its own calls are, counted in its requests per minute),
    /// at most `most` bytes (the app's `http_response_bytes`): an open
    /// range is asked for only that far, and an origin that sends more is
    /// refused; within `timeout_ms` (the app's `http_timeout_ms`). Refused
    /// unless it is a video or an audio, or when the origin's
    /// `Content-Range` is not the part asked for.
    pub async fn fetch_media(
        &self,
        url: &str,
        range: ByteRange,
        most: u64,
        timeout_ms: u64,
    ) -> Result<MediaPart, String> {
        let (url, client, _slot) = self.for_the_view(url)?;
        let asked = range.at_most(most);
        let exchange = async {
            let mut response = (client.get(url.clone()))
                .header(reqwest::header::RANGE, asked.header())
                .send()
                .await
                .map_err(|e| describe(&e))?;
            let header = |name| {
                (response.headers().get(name))
                    .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
                    .map(str::to_string)
            };
            let kind = header(reqwest::header::CONTENT_TYPE).unwrap_or_default();
            let content_range = header(reqwest::header::CONTENT_RANGE);
            let status = response.status();
            if status == reqwest::StatusCode::RANGE_NOT_SATISFIABLE {
                return past_end(&url, asked, content_range.as_deref()).map(|total| MediaPart {
                    kind,
                    bytes: Vec::new(),
                    content_range: Some(format!("bytes */{total}")),
                });
            }
            let media = kind.starts_with("video/") || kind.starts_with("audio/");
            if !status.is_success() || !media {
                return Err(format!("{url} is not a video or audio ({status}, {kind})"));
            }
            let content_range = match status.as_u16() {
                206 => Some(
                    content_range
                        .filter(|r| r.starts_with("bytes "))
                        .ok_or_else(|| {
                            format!("{url} sent part of the file without a Content-Range in bytes")
                        })?,
                ),
                _ => None,
            };
            if response.content_length().is_some_and(|n| n > most) {
                return Err(over(&url, most));
            }
            let mut bytes = Vec::new();
            while let Some(chunk) = response.chunk().await.map_err(|e| describe(&e))? {
                if (bytes.len() + chunk.len()) as u64 > most {
                    return Err(over(&url, most));
                }
                bytes.extend_from_slice(&chunk);
            }
            if let Some(sent) = &content_range {
                check_part(sent, asked, bytes.len() as u64).map_err(|why| {
                    format!(
                        "{url} sent `Content-Range: {sent}` for `{}`: {why}",
                        asked.header()
                    )
                })?;
            }
            Ok(MediaPart {
                kind,
                bytes,
                content_range,
            })
        };
        tokio::time::timeout(Duration::from_millis(timeout_ms), exchange)
            .await
            .map_err(|_| format!("{url} took over {timeout_ms} ms (quota `http_timeout_ms`)"))?
    }
}

impl MediaPart {
    /// The file's size when the origin answered that the range starts past
    /// its end (`416`, its `content_range` `bytes */TOTAL`, no bytes).
    pub fn past_end(&self) -> Option<u64> {
        let range = self.content_range.as_deref()?;
        range.strip_prefix("bytes */")?.parse().ok()
    }
}

/// An origin's `416` for `asked`: the file's size from its `Content-Range`
/// (`bytes */TOTAL`), which must put `asked` past the end (or be 0 for the
/// last bytes).
fn past_end(url: &Url, asked: ByteRange, content_range: Option<&str>) -> Result<u64, String> {
    let total = content_range
        .and_then(|r| r.strip_prefix("bytes */"))
        .and_then(|t| t.parse::<u64>().ok())
        .ok_or_else(|| format!("{url} answered 416 without a `Content-Range: bytes */LENGTH`"))?;
    match asked {
        ByteRange::From { start, .. } if start >= total => Ok(total),
        // The last bytes of a file of none (RFC 9110's unsatisfiable suffix).
        ByteRange::Last(_) if total == 0 => Ok(total),
        _ => Err(format!(
            "{url} answered 416 for `{}` of a file of {total} bytes",
            asked.header()
        )),
    }
}

/// Check an origin's `Content-Range` (`bytes START-END/TOTAL`, `TOTAL`
/// perhaps `*`) for part `asked` of which it sent `len` bytes: the part
/// asked for (its end cut at the file's), within the file, and as long as
/// what was sent.
fn check_part(sent: &str, asked: ByteRange, len: u64) -> Result<(), String> {
    let malformed = || "not `bytes START-END/TOTAL`".to_string();
    let (range, total) = (sent.strip_prefix("bytes "))
        .and_then(|r| r.split_once('/'))
        .ok_or_else(malformed)?;
    let (start, end) = range.split_once('-').ok_or_else(malformed)?;
    let number = |s: &str| s.trim().parse::<u64>().map_err(|_| malformed());
    let (start, end) = (number(start)?, number(end)?);
    let total = match total.trim() {
        "*" => None,
        total => Some(number(total)?),
    };
    // END - START + 1 is 2^64 for `0-18446744073709551615`: one past a u64.
    if start > end || (end - start).checked_add(1) != Some(len) {
        return Err(format!("{len} bytes were sent"));
    }
    if total.is_some_and(|total| end >= total) {
        return Err("it ends past the file's length".into());
    }
    let last = |end: u64| total.map_or(end, |total| end.min(total - 1));
    let expected = match asked {
        ByteRange::From {
            start,
            end: Some(e),
        } => Some((start, last(e))),
        ByteRange::From { start, end: None } => total.map(|total| (start, total - 1)),
        ByteRange::Last(n) => total.map(|total| (total.saturating_sub(n), total - 1)),
    };
    match expected {
        Some(expected) if expected == (start, end) => Ok(()),
        Some((s, e)) => Err(format!("the part asked for is bytes {s}-{e}")),
        None if matches!(asked, ByteRange::From { start: s, .. } if s == start) => Ok(()),
        None => Err("the file's length is needed to check it and is not given".into()),
    }
}

fn over(url: &Url, most: u64) -> String {
    format!("{url} sent over the app's http_response_bytes of {most} bytes in one part")
}

#[cfg(test)]
mod tests {
    use super::ByteRange;

    #[test]
    fn a_range_header_is_read_and_bounded() {
        let from = |start, end| ByteRange::From { start, end };
        assert_eq!(ByteRange::parse("bytes=0-"), Some(from(0, None)));
        assert_eq!(ByteRange::parse("bytes=10-19"), Some(from(10, Some(19))));
        assert_eq!(ByteRange::parse("bytes=-500"), Some(ByteRange::Last(500)));
        for other in [
            "bytes=5-1",
            "bytes=0-1,4-5",
            "items=0-1",
            "bytes=-0",
            "bytes=x-",
        ] {
            assert_eq!(ByteRange::parse(other), None, "{other}");
        }
        assert_eq!(from(0, None).at_most(100).header(), "bytes=0-99");
        assert_eq!(from(50, Some(60)).at_most(100).header(), "bytes=50-60");
        assert_eq!(from(50, Some(600)).at_most(100).header(), "bytes=50-149");
        assert_eq!(ByteRange::Last(500).at_most(100).header(), "bytes=-100");
    }

    #[test]
    fn a_content_range_at_the_ends_of_the_numbers_is_refused_not_wrapped() {
        let asked = ByteRange::From {
            start: 0,
            end: Some(255),
        };
        // Its length, 2^64, is one past what a u64 holds: it was computed
        // as END - START + 1 and overflowed (a panic, or 0 bytes wrapped).
        let huge = format!("bytes 0-{}/*", u64::MAX);
        assert_eq!(
            super::check_part(&huge, asked, 0),
            Err("0 bytes were sent".into())
        );
        let huge = format!("bytes 0-{}/{}", u64::MAX - 1, u64::MAX);
        assert_eq!(
            super::check_part(&huge, asked, 0),
            Err("0 bytes were sent".into())
        );
        let past = format!("bytes 0-{}/1000", u64::MAX);
        assert_eq!(
            super::check_part(&past, asked, 256),
            Err("256 bytes were sent".into())
        );
        for malformed in [
            "bytes -1-255/1000",
            "bytes 0-18446744073709551616/*",
            "bytes 0-255/-1",
        ] {
            assert_eq!(
                super::check_part(malformed, asked, 256),
                Err("not `bytes START-END/TOTAL`".into()),
                "{malformed}"
            );
        }
    }

    #[test]
    fn a_416_for_the_last_bytes_of_an_empty_file_is_a_part_past_the_end() {
        let url = url::Url::parse("https://media.example/empty.webm").unwrap();
        // RFC 9110: a suffix range of a file of no bytes is unsatisfiable.
        assert_eq!(
            super::past_end(&url, ByteRange::Last(100), Some("bytes */0")),
            Ok(0)
        );
        let within = super::past_end(&url, ByteRange::Last(100), Some("bytes */10"));
        assert_eq!(
            within,
            Err("https://media.example/empty.webm answered 416 for `bytes=-100` of a file of 10 bytes".into())
        );
    }
}
