//! `miniapp serve`'s listeners past the connection caps and against slow
//! bodies: at its connection cap the public listener still answers its
//! health and readiness probes, from a small reserve of connections that
//! serve nothing else; a request body that stops arriving after its head
//! is cut off.

use std::io::{Read, Write};
use std::net::TcpStream;

use crate::serve::{HANG, Served};

/// The status of `request` sent on a fresh connection to `url` (`None`:
/// closed without an answer).
fn status(url: &str, request: &str) -> Option<u16> {
    let mut tcp = TcpStream::connect(url.trim_start_matches("http://")).ok()?;
    tcp.set_read_timeout(Some(HANG)).unwrap();
    let _ = tcp.write_all(request.as_bytes());
    let mut answer = Vec::new();
    let _ = tcp.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    answer.strip_prefix("HTTP/1.1 ")?.get(..3)?.parse().ok()
}

#[test]
fn a_full_public_listener_still_answers_its_probes() {
    // Idle connections hold the cap for the whole test.
    let args = ["--max-connections", "4", "--header-timeout-secs", "600"];
    let served = Served::start(&["todo"], &args);
    let addr = served.public.trim_start_matches("http://");
    let held: Vec<TcpStream> = (0..4).map(|_| TcpStream::connect(addr).unwrap()).collect();
    let get = |path: &str| format!("GET {path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n");
    // The listener takes the connections one at a time: once a fifth is
    // refused, the four are counted.
    let open = "POST /v1/sessions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n\
                content-length: 32\r\nconnection: close\r\n\r\n{\"app\":\"demo.todo\",\"user\":\"ann\"}";
    assert_eq!(status(&served.public, open), Some(503), "past the cap");
    assert_eq!(status(&served.public, &get("/healthz")), Some(200));
    assert_eq!(status(&served.public, &get("/readyz")), Some(200));
    drop(held);
    served.stop();
}

#[test]
fn a_body_that_stops_arriving_is_cut_off() {
    let served = Served::start(&["todo"], &["--body-timeout-secs", "1"]);
    for url in [&served.public, &served.operator] {
        // A whole head, then 10 of the 32 bytes it announces, then nothing.
        let mut tcp = TcpStream::connect(url.trim_start_matches("http://")).unwrap();
        tcp.set_read_timeout(Some(HANG)).unwrap();
        let head = "POST /v1/sessions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n\
                    content-length: 32\r\n\r\n{\"app\":\"d";
        tcp.write_all(head.as_bytes()).unwrap();
        let mut answer = Vec::new();
        let _ = tcp.read_to_end(&mut answer);
        let answer = String::from_utf8_lossy(&answer);
        if url == &served.public {
            // The protocol's error, naming the timeout; then the connection closes.
            assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
            assert!(answer.contains("did not arrive within 1 s"), "{answer}");
        } else {
            // The operator plane refuses it (no token) or cuts it off: it
            // answers and closes, never holds the connection.
            assert!(answer.starts_with("HTTP/1.1 4"), "{answer}");
        }
    }
    served.stop();
}
