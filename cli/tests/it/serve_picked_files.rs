//! `miniapp serve` and files of real size picked on the client: each is
//! uploaded in a request of its own (`PUT .../prompts/{prompt}/files/{n}`)
//! while the picker prompt is open, and the answer names it; a 3 MB photo
//! reaches the app's temp area whole. A file over the app's room, for a
//! prompt that is not open, past the prompt's count or without its length
//! is refused before its bytes are taken, and leaves nothing behind.

use futures_util::SinkExt;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::serve::{POLICY, Served, Socket, of_type, page_now, session_socket, until_frame};

const DEVICE_APIS: &str = "demo.device-apis";

/// The platform's grants with the example's: it declares `location`.
fn policy(quotas: &str) -> String {
    format!("{POLICY}\n[apps.\"{DEVICE_APIS}\"]\npermissions = [\"location\"]\n{quotas}")
}

/// A PNG header (3 by 2 pixels) padded to `size` bytes: what the picker
/// hands over is read for its size from the header alone.
fn photo(size: usize) -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\0\x03\0\0\0\x02".to_vec();
    png.resize(size, 0);
    png
}

/// Tap the example's "Choose two photos" and wait for its picker prompt:
/// the prompt's id.
async fn open_picker(served: &Served, session: &str, socket: &mut Socket, cid: &str) -> u64 {
    let (status, body) = served
        .event(session, cid, "#choose-image", "tap", json!({}))
        .await;
    assert_eq!(status, 200, "{body}");
    let prompt = until_frame(socket, of_type("prompt")).await;
    assert_eq!(
        (prompt["kind"].as_str(), prompt["count"].as_u64()),
        (Some("choose-image"), Some(2))
    );
    prompt["id"].as_u64().unwrap()
}

/// `PUT url` with `bytes` (their length stated): the status and the body.
pub(crate) async fn put_file(url: String, bytes: Vec<u8>) -> (u16, String) {
    let response = (reqwest::Client::new().put(url).body(bytes).send().await).unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

/// `PUT` file `n` of `prompt` with `bytes`: the status and the body.
async fn upload(
    served: &Served,
    session: &str,
    prompt: u64,
    n: u32,
    bytes: Vec<u8>,
) -> (u16, Value) {
    let url = format!(
        "{}/v1/sessions/{session}/prompts/{prompt}/files/{n}",
        served.public
    );
    let (status, body) = put_file(url, bytes).await;
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

/// `PUT path` with a chunked body of 10 bytes (no `Content-Length`), over
/// a raw connection: the response's head and body as text.
async fn chunked_put(served: &Served, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = served.public.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!(
        "PUT {path} HTTP/1.1\r\nHost: {addr}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\na\r\n0123456789\r\n0\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    let read = stream.read_to_string(&mut response);
    tokio::time::timeout(crate::serve::HANG, read)
        .await
        .unwrap()
        .unwrap();
    response
}

/// Answer picker `prompt` over the socket with `value`.
async fn answer(socket: &mut Socket, prompt: u64, value: Value) {
    let answer = json!({ "type": "answer", "prompt": prompt, "allow": true, "value": value });
    socket
        .send(Message::text(answer.to_string()))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_3_mb_photo_is_uploaded_on_its_own_and_the_answer_names_it() {
    let served = Served::start_with_policy(&policy(""), &["device-apis"], &[]);
    let ada = served.session(DEVICE_APIS, "ada").await;
    let mut socket = session_socket(&served, &ada).await;
    let prompt = open_picker(&served, &ada, &mut socket, "c1").await;

    let (status, body) = upload(&served, &ada, prompt, 0, photo(3_000_000)).await;
    assert_eq!(
        (status, &body),
        (201, &json!({ "file": 0, "size": 3_000_000 }))
    );
    answer(&mut socket, prompt, json!([{ "uploaded": 0 }])).await;
    let push = until_frame(&mut socket, of_type("push")).await;
    assert_eq!(push["error"], Value::Null, "{push}");
    let page = page_now(&mut socket).await;
    assert!(page.contains("Sizes: 3000000 bytes"), "{page}");
    let (status, body) = served
        .event(&ada, "i1", "#image-info", "tap", json!({}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.to_string().contains("Photo: 3x2 png"), "{body}");

    // Answered, the prompt takes no more files; another session's prompt
    // is not this one's, and a prompt never asked is not open.
    let (status, body) = upload(&served, &ada, prompt, 1, photo(10)).await;
    assert_eq!(
        (status, body["error"]["kind"].as_str()),
        (404, Some("not-found")),
        "{body}"
    );
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains(&format!("no picker prompt {prompt} is open")),
        "{message}"
    );
    let bob = served.session(DEVICE_APIS, "bob").await;
    let (status, body) = upload(&served, &bob, prompt, 0, photo(10)).await;
    assert_eq!(status, 404, "{body}");
}

#[tokio::test]
async fn a_photo_over_the_app_s_temp_room_is_refused_naming_temp_bytes_and_leaves_nothing() {
    let quotas = format!("[apps.\"{DEVICE_APIS}\".quotas]\ntemp_bytes = 1000000\n");
    let served = Served::start_with_policy(&policy(&quotas), &["device-apis"], &[]);
    let ada = served.session(DEVICE_APIS, "ada").await;
    let mut socket = session_socket(&served, &ada).await;
    let prompt = open_picker(&served, &ada, &mut socket, "c1").await;

    let (status, body) = upload(&served, &ada, prompt, 0, photo(3_000_000)).await;
    assert_eq!(
        (status, body["error"]["kind"].as_str()),
        (413, Some("too-large")),
        "{body}"
    );
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("file 0 of 3000000 bytes is over the room left in the app's temp area: 1000000 of its 1000000 bytes (quota `temp_bytes`)"),
        "{message}"
    );
    // The prompt takes two files, numbered 0 and 1.
    let (status, body) = upload(&served, &ada, prompt, 2, photo(10)).await;
    assert_eq!(
        (status, body["error"]["kind"].as_str()),
        (400, Some("bad-request")),
        "{body}"
    );
    assert!(body.to_string().contains("there is no file 2"), "{body}");
    // A body whose length is not stated first (chunked) is not taken.
    let refused = chunked_put(
        &served,
        &format!("/v1/sessions/{ada}/prompts/{prompt}/files/0"),
    )
    .await;
    assert!(refused.starts_with("HTTP/1.1 411"), "{refused}");
    assert!(refused.contains("\"length-required\""), "{refused}");

    // Nothing of the refused file was kept: an answer naming it fails the
    // call, and the app is told.
    answer(&mut socket, prompt, json!([{ "uploaded": 0 }])).await;
    until_frame(&mut socket, of_type("push")).await;
    let page = page_now(&mut socket).await;
    assert!(page.contains("file 0 of prompt"), "{page}");
    assert!(page.contains("was not uploaded whole"), "{page}");

    // Within the room, a file is taken.
    let prompt = open_picker(&served, &ada, &mut socket, "c2").await;
    let (status, body) = upload(&served, &ada, prompt, 0, photo(900_000)).await;
    assert_eq!(status, 201, "{body}");
}
