//! Picked files a client uploads for a picker prompt (`choose-image`,
//! `choose-media`), each in a request of its own
//! (`PUT .../prompts/{prompt}/files/{n}`, raw bytes), so a file is not
//! bounded by a frame: the answer then names them (`{"uploaded": n}`)
//! instead of carrying their bytes in hex.
//!
//! A file is checked before a byte of it is taken: its prompt must be open
//! and a picker's, `n` one of the prompt's `count`, its `Content-Length`
//! within one file's bound (`http_response_bytes`) and, with the files
//! staged already for all the app's open pickers in this process (every
//! session of it on a node), within the room left in the app's temp area
//! (`temp_bytes`, `temp_files`), which it is written to once the user has
//! answered: many sessions together stage no more than the app's temp
//! area may hold. Its body is then counted as it comes and refused
//! past its length. A file is staged only whole: one refused or cut off
//! leaves nothing; the prompt's files go when it closes (answered, timed
//! out, or its call ended).

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::{Mutex, MutexGuard};

use axum::body::Body;
use axum::http::{HeaderMap, StatusCode, header};
use futures_util::StreamExt;
use miniapp_runtime::App;
use miniapp_runtime::providers::{Asked, ProviderError};
use serde_json::Value;

use super::{Prompts, Reply, SimulatedHost};

/// Why an upload is refused: its HTTP status and a message naming why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    /// 404 (no such prompt open), 400 (not one of its files, a bad
    /// length), 411 (no `Content-Length`), 413 (over a bound), 500.
    pub status: StatusCode,
    /// For people: what was refused and the bound it met.
    pub message: String,
}

impl Refused {
    fn new(status: StatusCode, message: String) -> Refused {
        Refused { status, message }
    }
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// The room an app has for picked files: what its temp area may still
/// take, and one file's bound.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Room {
    /// The app's id: its pickers' files on this node count together.
    pub app: String,
    /// Bytes the temp area may still take, of `temp_bytes`.
    pub bytes: u64,
    /// `temp_bytes`.
    pub bytes_limit: u64,
    /// Files the temp area may still take, of `temp_files`.
    pub files: u64,
    /// `temp_files`.
    pub files_limit: u64,
    /// The most one file may hold (`http_response_bytes`).
    pub file_bytes: u64,
}

impl Room {
    /// The room `app`'s temp area has now, by its quotas and usage.
    pub fn of(app: &App) -> Result<Room, Refused> {
        let usage = app.usage().map_err(|e| {
            let message = format!("the app's usage cannot be read: {e}");
            Refused::new(StatusCode::INTERNAL_SERVER_ERROR, message)
        })?;
        let quotas = &app.grants().quotas;
        let files_limit = u64::from(quotas.temp_files);
        Ok(Room {
            app: app.manifest().id.clone(),
            bytes: quotas.temp_bytes.saturating_sub(usage.temp_bytes),
            bytes_limit: quotas.temp_bytes,
            files: files_limit.saturating_sub(usage.temp_files),
            files_limit,
            file_bytes: quotas.http_response_bytes,
        })
    }
}

/// The bytes and files staged for each app in this process (a node), all
/// its sessions' open pickers together: what the app's temp room is
/// checked against, so many sessions cannot stage more than one app's
/// temp area may hold.
static STAGED: Mutex<BTreeMap<String, (u64, u64)>> = Mutex::new(BTreeMap::new());

fn staged_by_apps() -> MutexGuard<'static, BTreeMap<String, (u64, u64)>> {
    STAGED.lock().unwrap_or_else(|e| e.into_inner())
}

/// One file counted in its app's staged bytes and files ([`STAGED`]) while
/// it lives (its upload under way, then the file staged).
struct Charge {
    app: String,
    bytes: u64,
}

impl Drop for Charge {
    fn drop(&mut self) {
        let mut staged = staged_by_apps();
        if let Some((bytes, files)) = staged.get_mut(&self.app) {
            *bytes -= self.bytes;
            *files -= 1;
            if *files == 0 {
                staged.remove(&self.app);
            }
        }
    }
}

/// The files staged for one open picker prompt.
struct Staged {
    /// The most files the prompt takes.
    count: u32,
    /// The whole files, by their number, each counted for its app.
    files: BTreeMap<u32, (Vec<u8>, Charge)>,
}

/// The staged files of the open picker prompts, by prompt id.
#[derive(Default)]
pub(super) struct Uploads(Mutex<HashMap<u64, Staged>>);

impl Uploads {
    fn lock(&self) -> MutexGuard<'_, HashMap<u64, Staged>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A picker prompt's staging while it is open: dropped, its files go.
struct Staging<'a> {
    uploads: &'a Uploads,
    prompt: u64,
}

impl Drop for Staging<'_> {
    fn drop(&mut self) {
        self.uploads.lock().remove(&self.prompt);
    }
}

/// The answer's files: each picked file's bytes, in the answer's order.
pub(super) type Picked = Vec<Vec<u8>>;

impl Prompts {
    /// Ask with picker prompt `kind` taking up to `count` files, which the
    /// client may upload while it is open; `None` without an answer. The
    /// files an answer names (`{"uploaded": n}`) or carries in hex
    /// (the answer's `value`, a list) are its picked files.
    pub(super) async fn ask_files(
        &self,
        kind: &str,
        fields: Value,
        count: u32,
    ) -> Option<Result<(Reply, Picked), String>> {
        let id = self.next_id();
        let staged = Staged {
            count,
            files: BTreeMap::new(),
        };
        self.uploads.lock().insert(id, staged);
        let staging = Staging {
            uploads: &self.uploads,
            prompt: id,
        };
        let reply = self.ask_as(id, kind, fields).await?;
        let staged = self.uploads.lock().remove(&id);
        drop(staging);
        let files = staged.map(|s| s.files.into_iter().map(|(n, (bytes, _))| (n, bytes)));
        let files = files.map(BTreeMap::from_iter);
        if !reply.allow {
            return Some(Ok((reply, Vec::new())));
        }
        Some(picked(id, reply.value.as_ref(), files.unwrap_or_default()).map(|p| (reply, p)))
    }

    /// Take file `n` of open picker prompt `prompt` from `body`, whose
    /// `headers` state its length, within the app's `room`: its size once
    /// staged whole.
    pub async fn upload(
        &self,
        prompt: u64,
        n: u32,
        room: Room,
        headers: &HeaderMap,
        body: Body,
    ) -> Result<u64, Refused> {
        let length = content_length(headers)?;
        let coming = match self.admit(prompt, n, length, room) {
            Ok(coming) => coming,
            Err(refused) => {
                drain(body, length).await;
                return Err(refused);
            }
        };
        let mut stream = body.into_data_stream();
        let mut bytes = Vec::with_capacity(length.min(1 << 20) as usize);
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| {
                let message = format!("file {n} of prompt {prompt} was cut off: {e}");
                Refused::new(StatusCode::BAD_REQUEST, message)
            })?;
            if bytes.len() as u64 + chunk.len() as u64 > length {
                let message = format!(
                    "file {n} of prompt {prompt} sent more than its Content-Length of {length} bytes"
                );
                return Err(Refused::new(StatusCode::BAD_REQUEST, message));
            }
            bytes.extend_from_slice(&chunk);
        }
        if bytes.len() as u64 != length {
            let message = format!(
                "file {n} of prompt {prompt} ended after {} of its {length} bytes",
                bytes.len()
            );
            return Err(Refused::new(StatusCode::BAD_REQUEST, message));
        }
        let mut uploads = self.uploads.lock();
        let Some(staged) = uploads.get_mut(&prompt) else {
            return Err(not_open(prompt));
        };
        staged.files.insert(n, (bytes, coming));
        Ok(length)
    }

    /// [`Prompts::upload`] within the room `app`'s temp area has now
    /// ([`Room::of`]).
    pub async fn upload_for(
        &self,
        app: &App,
        prompt: u64,
        n: u32,
        headers: &HeaderMap,
        body: Body,
    ) -> Result<u64, Refused> {
        let room = Room::of(app)?;
        self.upload(prompt, n, room, headers, body).await
    }

    /// Count file `n` of `length` bytes for `prompt`, or refuse it by the
    /// bound it is over (a file `n` staged before is replaced): against the
    /// app's temp room less what all its open pickers on this node have
    /// staged.
    fn admit(&self, prompt: u64, n: u32, length: u64, room: Room) -> Result<Charge, Refused> {
        let too_large = |message: String| Refused::new(StatusCode::PAYLOAD_TOO_LARGE, message);
        let mut uploads = self.uploads.lock();
        let staged = uploads.get_mut(&prompt).ok_or_else(|| not_open(prompt))?;
        if n >= staged.count {
            let message = format!(
                "prompt {prompt} takes {} file(s), numbered from 0: there is no file {n}",
                staged.count
            );
            return Err(Refused::new(StatusCode::BAD_REQUEST, message));
        }
        if length > room.file_bytes {
            return Err(too_large(format!(
                "file {n} of {length} bytes is over the {} one file may hold (quota `http_response_bytes`)",
                room.file_bytes
            )));
        }
        staged.files.remove(&n);
        let mut by_apps = staged_by_apps();
        let (bytes, files) = by_apps.entry(room.app.clone()).or_default();
        let left = room.bytes.saturating_sub(*bytes);
        if length > left {
            return Err(too_large(format!(
                "file {n} of {length} bytes is over the room left in the app's temp area: {left} of its {} bytes (quota `temp_bytes`)",
                room.bytes_limit
            )));
        }
        if *files >= room.files {
            return Err(too_large(format!(
                "the app's temp area has room for {} more file(s) of its {} (quota `temp_files`): file {n} is one too many",
                room.files.saturating_sub(*files),
                room.files_limit
            )));
        }
        *bytes += length;
        *files += 1;
        Ok(Charge {
            app: room.app,
            bytes: length,
        })
    }
}

fn not_open(prompt: u64) -> Refused {
    let message = format!(
        "no picker prompt {prompt} is open: it was never asked in this session, or it was answered or closed"
    );
    Refused::new(StatusCode::NOT_FOUND, message)
}

/// The length a request states, which an upload needs before its bytes.
fn content_length(headers: &HeaderMap) -> Result<u64, Refused> {
    let Some(length) = headers.get(header::CONTENT_LENGTH) else {
        let message = "an upload states its size first: send its Content-Length".to_string();
        return Err(Refused::new(StatusCode::LENGTH_REQUIRED, message));
    };
    (length.to_str().ok())
        .and_then(|text| text.parse().ok())
        .ok_or_else(|| {
            let message = format!("Content-Length {length:?} is not a number of bytes");
            Refused::new(StatusCode::BAD_REQUEST, message)
        })
}

/// The picked files of a picker's answer `value`: a list whose items are
/// a file's bytes in hex or `{"uploaded": n}`, file `n` uploaded for
/// prompt `prompt` (each taken once).
fn picked(
    prompt: u64,
    value: Option<&Value>,
    mut uploaded: BTreeMap<u32, Vec<u8>>,
) -> Result<Picked, String> {
    let refused = || {
        format!(
            "a picker's answer is a list of files in hex or as {{\"uploaded\": n}}, not {value:?}"
        )
    };
    let files = value.and_then(Value::as_array).ok_or_else(refused)?;
    let mut file = |file: &Value| match file {
        Value::String(hex_text) => hex::decode(hex_text).map_err(|_| refused()),
        Value::Object(named) => {
            let n = (named.get("uploaded").and_then(Value::as_u64))
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(refused)?;
            uploaded.remove(&n).ok_or_else(|| {
                format!(
                    "file {n} of prompt {prompt} was not uploaded whole before the answer (or is named twice)"
                )
            })
        }
        _ => Err(refused()),
    };
    files.iter().map(&mut file).collect()
}

impl SimulatedHost {
    /// Ask the user with picker `kind` for up to `count` files (in this
    /// call's session); `None` when cancelled or not answered.
    pub(super) fn pick_files(
        &self,
        kind: &'static str,
        fields: Value,
        count: u32,
    ) -> Asked<Option<Picked>> {
        let prompts = self.prompts();
        Box::pin(async move {
            let prompts =
                prompts.ok_or_else(|| ProviderError(format!("no user to show the {kind} to")))?;
            match prompts.ask_files(kind, fields, count).await {
                Some(Ok((reply, files))) if reply.allow => Ok(Some(files)),
                Some(Ok(_)) | None => Ok(None),
                Some(Err(refused)) => Err(ProviderError(refused)),
            }
        })
    }
}

/// At most [`DRAIN_BYTES`] of a refused file's body read and dropped, so
/// that a client still sending it reads the refusal: a server that answers
/// and closes while the body comes makes the client's write fail (a broken
/// pipe) before it reads the answer. A body declared larger is not read:
/// its client may see the connection end instead of the refusal.
async fn drain(body: Body, length: u64) {
    if length > DRAIN_BYTES {
        return;
    }
    let mut stream = body.into_data_stream();
    let mut read = 0u64;
    while let Some(Ok(chunk)) = stream.next().await {
        read += chunk.len() as u64;
        if read > DRAIN_BYTES {
            return;
        }
    }
}

/// The most of a refused file's body [`drain`] reads: 16 MiB, the default
/// `temp_bytes` of an app's whole temp area.
const DRAIN_BYTES: u64 = 16 << 20;

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use serde_json::json;
    use tokio::sync::broadcast;

    use super::*;

    /// App `app`'s temp room: 100 of its 1,000 bytes left, 2 files, 60
    /// bytes a file. Each test names its own app (the staged bytes are the
    /// process's, by app).
    fn room(app: &str) -> Room {
        Room {
            app: app.into(),
            bytes: 100,
            bytes_limit: 1000,
            files: 2,
            files_limit: 64,
            file_bytes: 60,
        }
    }

    /// File `n` of `prompt` with `bytes`, for app `app`.
    async fn put(
        (prompts, app): (&Prompts, &str),
        prompt: u64,
        n: u32,
        bytes: &[u8],
    ) -> Result<u64, Refused> {
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_LENGTH, bytes.len().into());
        let body = Body::from(bytes.to_vec());
        prompts.upload(prompt, n, room(app), &headers, body).await
    }

    /// The answer's files of a picker prompt, once answered.
    type Asked = tokio::task::JoinHandle<Option<Result<(Reply, Picked), String>>>;

    /// A picker prompt of `count` files, open: the prompts, its id, and
    /// its answer to come.
    async fn picker(count: u32) -> (Arc<Prompts>, u64, Asked) {
        let (tx, mut frames) = broadcast::channel(16);
        let prompts = Prompts::new(tx);
        let asking = Arc::clone(&prompts);
        let fields = json!({ "count": count });
        let asked =
            tokio::spawn(async move { asking.ask_files("choose-image", fields, count).await });
        let frame: Value = serde_json::from_str(&frames.recv().await.unwrap()).unwrap();
        (prompts, frame["id"].as_u64().unwrap(), asked)
    }

    #[tokio::test]
    async fn files_are_staged_within_the_room_and_the_answer_takes_them_by_number() {
        let (prompts, id, asked) = picker(3).await;
        let prompts = (&*prompts, "demo.staged");
        assert_eq!(put(prompts, id, 0, &[1; 50]).await, Ok(50));
        // Over one file's bound, then over the room the area has left.
        let over = put(prompts, id, 1, &[2; 61]).await.unwrap_err();
        assert_eq!(over.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert!(over.message.contains("`http_response_bytes`"), "{over}");
        let over = put(prompts, id, 1, &[2; 51]).await.unwrap_err();
        assert!(
            over.message
                .contains("50 of its 1000 bytes (quota `temp_bytes`)"),
            "{over}"
        );
        // File 0 again replaces it; a third file is past `temp_files`'s room.
        assert_eq!(put(prompts, id, 0, &[3; 40]).await, Ok(40));
        assert_eq!(put(prompts, id, 1, &[4; 60]).await, Ok(60));
        let over = put(prompts, id, 2, &[]).await.unwrap_err();
        assert!(over.message.contains("(quota `temp_files`)"), "{over}");
        let value = Some(json!([{ "uploaded": 1 }, "0a0b", { "uploaded": 0 }]));
        prompts.0.reply(id, Reply { allow: true, value });
        let (_, files) = asked.await.unwrap().unwrap().unwrap();
        assert_eq!(files, [vec![4; 60], vec![10, 11], vec![3; 40]]);
        // Answered, the prompt takes no more.
        let closed = put(prompts, id, 0, &[1]).await.unwrap_err();
        assert_eq!(closed.status, StatusCode::NOT_FOUND);
    }

    #[tokio::test]
    async fn the_files_of_all_an_app_s_pickers_count_together() {
        let (ada, ada_id, ada_asked) = picker(1).await;
        let (bob, bob_id, bob_asked) = picker(1).await;
        let app = "demo.shared";
        assert_eq!(put((&ada, app), ada_id, 0, &[1; 60]).await, Ok(60));
        let over = put((&bob, app), bob_id, 0, &[2; 41]).await.unwrap_err();
        assert!(over.message.contains("40 of its 1000 bytes"), "{over}");
        // Another app's room is its own.
        assert_eq!(put((&bob, "demo.other"), bob_id, 0, &[2; 41]).await, Ok(41));
        // Ada's picker closed (its call ended): her file's bytes are free.
        drop(ada);
        ada_asked.abort();
        let _ = ada_asked.await;
        assert_eq!(put((&bob, app), bob_id, 0, &[3; 60]).await, Ok(60));
        bob_asked.abort();
    }

    #[tokio::test]
    async fn a_body_shorter_than_its_length_is_not_staged() {
        let (prompts, id, asked) = picker(1).await;
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_LENGTH, 10.into());
        let cut = prompts
            .upload(id, 0, room("demo.cut"), &headers, Body::from(vec![1; 4]))
            .await;
        assert!(
            cut.unwrap_err()
                .message
                .contains("ended after 4 of its 10 bytes")
        );
        let value = Some(json!([{ "uploaded": 0 }]));
        prompts.reply(id, Reply { allow: true, value });
        let refused = asked.await.unwrap().unwrap().unwrap_err();
        assert!(refused.contains("was not uploaded whole"), "{refused}");
    }
}
