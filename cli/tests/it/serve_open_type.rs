//! `miniapp serve` and a `<button open-type>` (the profile example): the
//! phone-number button's tap is the host's; its prompt is a `prompt` frame
//! on the session's socket (never in the page's nodes), and the client's
//! answer ends the tap, the app's `bindgetphonenumber` having run.

use futures_util::SinkExt;
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;

use crate::serve::{Served, of_type, page_now, session_socket, until_frame};

const POLICY: &str = r#"
[apps."demo.profile"]
permissions = ["identity"]
"#;

#[tokio::test]
async fn a_phone_number_button_asks_on_the_socket_and_the_app_gets_a_code_or_user_deny() {
    let served = Served::start_with_policy(POLICY, &["profile"], &[]);
    let ada = served.session("demo.profile", "ada").await;
    let mut socket = session_socket(&served, &ada).await;
    for (cid, allow, shown) in [
        ("p1", true, "Phone number shared with the app's server"),
        ("p2", false, "Not shared (getPhoneNumber:fail user deny)"),
    ] {
        let tap = served.event(&ada, cid, "#phone", "tap", json!({}));
        let answer = async {
            let prompt = until_frame(&mut socket, of_type("prompt")).await;
            assert_eq!(prompt["kind"], "modal", "{prompt}");
            assert_eq!(prompt["modal"]["title"], "Phone number", "{prompt}");
            let answer = json!({ "type": "answer", "prompt": prompt["id"], "allow": allow });
            (socket.send(Message::text(answer.to_string())).await).unwrap();
        };
        let ((status, body), ()) = tokio::join!(tap, answer);
        assert_eq!(status, 200, "{body}");
        let page = page_now(&mut socket).await;
        assert!(page.contains(shown), "{page}");
    }
}
