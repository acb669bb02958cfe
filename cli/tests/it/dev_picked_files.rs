//! `miniapp dev` and a file of real size picked in the simulator: the page
//! uploads it in a request of its own (`PUT /api/prompts/{prompt}/files/{n}`)
//! while the picker prompt is open, and its answer names it; the 2 MB
//! photo reaches the app's temp area byte for byte. A file for a prompt
//! that is not open is refused.

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::dev::Simulator;
use crate::serve::{HANG, until};
use crate::serve_picked_files::put_file;

/// The next `prompt` frame on the page's socket.
async fn next_prompt<S>(socket: &mut S) -> Value
where
    S: StreamExt<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    let wait = async {
        loop {
            let message = socket.next().await.expect("a frame").unwrap();
            if let Message::Text(text) = message {
                let frame: Value = serde_json::from_str(&text).unwrap();
                if frame["type"] == "prompt" {
                    return frame;
                }
            }
        }
    };
    tokio::time::timeout(HANG, wait).await.expect("a prompt")
}

/// `PUT` file `n` of `prompt` with `bytes` and the run's token: the status
/// and the body.
async fn upload(sim: &Simulator, prompt: &Value, n: u32, bytes: Vec<u8>) -> (u16, String) {
    let url = format!(
        "{}/api/prompts/{prompt}/files/{n}?token={}",
        sim.base, sim.token
    );
    put_file(url, bytes).await
}

#[tokio::test]
async fn a_2_mb_photo_picked_in_the_simulator_is_uploaded_and_reaches_the_app() {
    let sim = Simulator::example("device-apis");
    let url = format!(
        "{}/ws?token={}",
        sim.base.replacen("http", "ws", 1),
        sim.token
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    sim.dispatch("#choose-image", "tap", json!({})).await;
    let prompt = next_prompt(&mut socket).await;
    assert_eq!(prompt["kind"], "choose-image", "{prompt}");

    let mut photo = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\0\x03\0\0\0\x02".to_vec();
    photo.extend((0..2_000_000u32).map(|i| (i % 251) as u8));
    let (status, body) = upload(&sim, &prompt["id"], 0, photo.clone()).await;
    assert_eq!(status, 201, "{body}");
    let answer = json!({ "type": "answer", "prompt": prompt["id"], "allow": true,
        "value": [{ "uploaded": 0 }] });
    socket
        .send(Message::text(answer.to_string()))
        .await
        .unwrap();
    until("the app shows the photo's size", async || {
        sim.state().await["data"]["sizes"] == format!("{} bytes", photo.len())
    })
    .await;
    let path = sim.state().await["data"]["photo"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, bytes) = sim.temp_file(&path).await;
    assert_eq!(status, 200);
    assert!(bytes == photo, "the temp file holds the picked bytes");

    // Answered, the prompt takes no more files.
    let (status, body) = upload(&sim, &prompt["id"], 0, vec![1; 10]).await;
    assert_eq!(status, 404, "{body}");
    assert!(body.contains("is open"), "{body}");
}
