//! Operator tokens of `miniapp serve`: weak ones refused at start, fresh
//! ones made by `--new-token`, and a client guessing them barred with 429
//! and `Retry-After`.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use miniapp_serve::operator::token;

use crate::serve::{HANG, Served, TOKEN};

fn miniapp() -> Command {
    Command::new(env!("CARGO_BIN_EXE_miniapp"))
}

#[test]
fn a_weak_operator_token_file_refuses_to_start() {
    let dir = tempfile::tempdir().unwrap();
    // 16 characters passed before: 64 bits of hex; 95 bits of [A-Za-z0-9];
    // one repeated character, however long.
    let weak = [
        ("aaaaaaaaaaaaaaaa".to_string(), "it carries 64 bits"),
        ("Zq3kR9xW2pLm7TbY".to_string(), "it carries 95 bits"),
        ("x".repeat(64), "it is one repeated character"),
    ];
    for (weak, why) in weak {
        let file = dir.path().join("operators");
        std::fs::write(&file, format!("# the operators\nalice {weak}\n")).unwrap();
        let mut child = miniapp()
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(["--operator-listen", "127.0.0.1:0"])
            .arg("--data-dir")
            .arg(dir.path().join("data"))
            .arg("--operator-token-file")
            .arg(&file)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // A server that starts instead is a failure, not a hang.
        let deadline = Instant::now() + HANG;
        while child.try_wait().unwrap().is_none() {
            if Instant::now() > deadline {
                child.kill().unwrap();
                panic!("{weak}: miniapp serve started with it");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{weak}: {stderr}");
        assert!(output.stdout.is_empty(), "{weak}: it served");
        // The file and line, why, the rule, how to make one; never the token.
        let line = format!("{}:2", file.display());
        assert!(stderr.contains(&line), "{stderr}");
        assert!(stderr.contains("`alice`"), "{stderr}");
        assert!(stderr.contains(why), "{stderr}");
        assert!(stderr.contains("128 bits"), "{stderr}");
        assert!(stderr.contains("miniapp serve --new-token"), "{stderr}");
        assert!(stderr.contains("openssl rand -hex 32"), "{stderr}");
        assert!(!stderr.contains(&weak), "{stderr}");
    }
}

#[test]
fn new_token_prints_a_fresh_token_that_passes_the_rule() {
    let run = || {
        let output = miniapp().args(["serve", "--new-token"]).output().unwrap();
        assert!(output.status.success(), "{output:?}");
        String::from_utf8(output.stdout).unwrap()
    };
    let (a, b) = (run(), run());
    for t in [&a, &b] {
        assert!(t.ends_with('\n') && t.lines().count() == 1, "{t:?}");
        let t = t.trim_end();
        assert_eq!(t.len(), 64, "{t}");
        assert!(t.bytes().all(|b| b.is_ascii_hexdigit()), "{t}");
        assert_eq!(token::check(t), Ok(()));
    }
    assert_ne!(a, b);
    // The tests' own token passes too.
    assert_eq!(token::check(&TOKEN.to_string()), Ok(()));
}

#[tokio::test]
async fn a_client_guessing_tokens_is_barred_with_429_and_retry_after() {
    let served = Served::start(&[], &[]);
    let client = reqwest::Client::builder()
        .local_address("127.0.0.1".parse::<std::net::IpAddr>().unwrap())
        .build()
        .unwrap();
    let apps = format!("{}/v1/operator/apps", served.operator);
    let guess = || {
        (client.get(&apps))
            .bearer_auth("0123456789abcdef0123456789abcdef")
            .send()
    };
    let mut statuses = Vec::new();
    let mut retry_after = None;
    for _ in 0..30 {
        let answer = guess().await.unwrap();
        statuses.push(answer.status().as_u16());
        if answer.status() == 429 {
            let seconds = answer.headers()["retry-after"].to_str().unwrap();
            retry_after = Some(seconds.parse::<u32>().unwrap());
        }
    }
    // Ten wrong tokens are answered 401; from then on the client is barred
    // (1 s, then each wrong token past a bar doubles it, up to 60 s).
    assert_eq!(statuses[..10], [401; 10], "{statuses:?}");
    assert!(statuses.contains(&429), "{statuses:?}");
    let seconds = retry_after.unwrap();
    assert!((1..=60).contains(&seconds), "Retry-After: {seconds}");

    // Health and readiness are not barred.
    for path in ["/healthz", "/readyz"] {
        let health = client.get(format!("{}{path}", served.operator));
        assert_eq!(health.send().await.unwrap().status(), 200, "{path}");
    }
    // While barred, a correct token from that address is refused too. Each
    // wrong token answered 401 doubles the next bar, so within a few the bar
    // outlasts the gap between two calls, however slow the machine.
    let deadline = Instant::now() + HANG;
    loop {
        let _ = guess().await.unwrap();
        let right = client.get(&apps).bearer_auth(TOKEN).send().await.unwrap();
        if right.status() == 429 {
            assert!(right.headers().contains_key("retry-after"));
            break;
        }
        assert_eq!(right.status(), 200);
        assert!(
            Instant::now() < deadline,
            "a correct token was never barred"
        );
    }
    // Another address is not barred.
    let other = reqwest::Client::builder()
        .local_address("127.0.0.2".parse::<std::net::IpAddr>().unwrap())
        .build()
        .unwrap();
    let answer = other.get(&apps).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(answer.status(), 200);
    // The barred calls are audited.
    let audit =
        std::fs::read_to_string(served.dir.path().join("data/operator-audit.jsonl")).unwrap();
    assert!(audit.contains("\"status\":429"), "{audit}");
    served.stop();
}
