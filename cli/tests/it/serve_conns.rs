//! `miniapp serve`'s listeners against slow and many connections: a request
//! head must arrive within `--header-timeout-secs` however it trickles, and
//! one client holds at most `--max-connections-per-client` plain
//! connections. No assertion is about speed: each wait is bounded by
//! [`HANG`], which only turns a hang into a failure.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::serve::{HANG, Served, TOKEN};

/// `host:port` of a `http://host:port` URL.
fn addr(url: &str) -> &str {
    url.trim_start_matches("http://")
}

/// Send a request head a byte at a time, a byte every 100 ms, never
/// finishing it: how long until the server closes the connection (a panic
/// past [`HANG`]).
fn trickle_until_closed(url: &str) -> Duration {
    let start = Instant::now();
    let mut tcp = TcpStream::connect(addr(url)).unwrap();
    tcp.set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let filler = b"a".repeat(1 << 20);
    let head = b"GET /healthz HTTP/1.1\r\nx-slow: "
        .iter()
        .chain(filler.iter());
    let mut buf = [0u8; 1024];
    for byte in head {
        assert!(
            start.elapsed() < HANG,
            "a head sent a byte every 100 ms held its connection {HANG:?}"
        );
        if tcp.write_all(&[*byte]).is_err() {
            return start.elapsed();
        }
        match tcp.read(&mut buf) {
            Ok(0) => return start.elapsed(),
            Ok(n) => panic!(
                "an unfinished head was answered: {:?}",
                String::from_utf8_lossy(&buf[..n])
            ),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => return start.elapsed(),
        }
    }
    unreachable!("a megabyte of header was taken a byte every 100 ms")
}

/// `GET path` on a fresh connection: the status, or `None` if the
/// connection was refused or closed without an answer.
fn get(url: &str, path: &str) -> Option<u16> {
    let mut tcp = TcpStream::connect(addr(url)).ok()?;
    tcp.set_read_timeout(Some(HANG)).unwrap();
    let request = format!(
        "GET {path} HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {TOKEN}\r\nconnection: close\r\n\r\n"
    );
    let _ = tcp.write_all(request.as_bytes());
    let mut answer = Vec::new();
    let _ = tcp.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    answer.strip_prefix("HTTP/1.1 ")?.get(..3)?.parse().ok()
}

/// `GET path`'s body on a fresh connection (200 expected).
fn body(url: &str, path: &str) -> String {
    let mut tcp = TcpStream::connect(addr(url)).unwrap();
    tcp.set_read_timeout(Some(HANG)).unwrap();
    let request = format!(
        "GET {path} HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {TOKEN}\r\nconnection: close\r\n\r\n"
    );
    tcp.write_all(request.as_bytes()).unwrap();
    let mut answer = Vec::new();
    let _ = tcp.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer).into_owned();
    assert!(answer.starts_with("HTTP/1.1 200"), "{path}: {answer:.200}");
    answer
}

#[test]
fn a_head_that_trickles_in_is_cut_off_on_both_listeners() {
    let served = Served::start(&[], &["--header-timeout-secs", "1"]);
    for url in [&served.public, &served.operator] {
        // Closed within HANG (about 1 s here; without end before the
        // timeout had a timer).
        let held = trickle_until_closed(url);
        assert!(held < HANG, "{url}: {held:?}");
    }
    // The server is still there for everyone else.
    assert_eq!(get(&served.public, "/healthz"), Some(200));
    assert_eq!(get(&served.operator, "/healthz"), Some(200));
    served.stop();
}

#[test]
fn one_client_holds_at_most_its_cap_of_connections() {
    // A timeout far past the test: the held connections stay open.
    let served = Served::start(
        &[],
        &[
            "--max-connections-per-client",
            "8",
            "--header-timeout-secs",
            "3600",
        ],
    );
    // Eight connections from 127.0.0.1, each with a byte of a head sent.
    let held: Vec<TcpStream> = (0..8)
        .map(|_| {
            let mut tcp = TcpStream::connect(addr(&served.public)).unwrap();
            tcp.write_all(b"G").unwrap();
            tcp
        })
        .collect();
    // The listener takes connections in order: the ninth finds eight
    // places taken and is refused (503 or closed), never served.
    for _ in 0..3 {
        let status = get(&served.public, "/healthz");
        assert!(matches!(status, None | Some(503)), "{status:?}");
    }
    // The operator listener counts apart: it answers, and counts the
    // refusals.
    assert_eq!(get(&served.operator, "/healthz"), Some(200));
    let metrics = body(&served.operator, "/metrics");
    let refused = metrics
        .lines()
        .find(|l| l.starts_with("miniapp_refusals") && l.contains("connections_per_client"))
        .and_then(|l| l.rsplit(' ').next()?.parse::<f64>().ok());
    assert!(
        matches!(refused, Some(n) if n >= 3.0),
        "{refused:?} in\n{metrics}"
    );
    // Closed, the connections give their places back (as the server sees
    // them close: it may take a moment).
    drop(held);
    let deadline = Instant::now() + HANG;
    while get(&served.public, "/healthz") != Some(200) {
        assert!(Instant::now() < deadline, "no place given back in {HANG:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
    served.stop();
}

#[cfg(unix)]
/// `miniapp serve` with at most `files` open files (`ulimit -n`): its
/// process, public and operator URLs.
fn serve_with_open_files(
    dir: &std::path::Path,
    files: u32,
) -> (std::process::Child, String, String) {
    std::fs::write(dir.join("tokens"), format!("alice {TOKEN}\n")).unwrap();
    let mut child = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -n {files} && exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_miniapp"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--operator-listen",
            "127.0.0.1:0",
        ])
        .arg("--data-dir")
        .arg(dir.join("data"))
        .arg("--operator-token-file")
        .arg(dir.join("tokens"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let (public, operator) = crate::serve::listeners(&mut child);
    (child, public, operator)
}

#[cfg(unix)]
#[test]
fn more_slow_clients_than_open_files_leave_healthz_answering() {
    // With 256 open files, 300 connections that never finish a head: the
    // public listener takes what its share of descriptors allows and
    // refuses the rest; the operator listener, counted apart, answers.
    let dir = tempfile::tempdir().unwrap();
    let (mut child, public, operator) = serve_with_open_files(dir.path(), 256);
    let slow: Vec<TcpStream> = (0..300)
        .filter_map(|_| {
            let mut tcp = TcpStream::connect(addr(&public)).ok()?;
            let _ = tcp.write_all(b"G");
            Some(tcp)
        })
        .collect();
    assert_eq!(slow.len(), 300);
    assert_eq!(get(&operator, "/healthz"), Some(200));
    assert_eq!(get(&operator, "/readyz"), Some(200));
    drop(slow);
    let deadline = Instant::now() + HANG;
    while get(&public, "/healthz") != Some(200) {
        assert!(
            Instant::now() < deadline,
            "the public listener did not recover"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
}
