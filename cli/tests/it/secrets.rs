//! Secrets off the command line: `miniapp serve` takes its operator tokens
//! and its database URL from a file or the environment, never prints them,
//! and `miniapp load` reads the token file `serve` takes.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use serde_json::Value;

use crate::cli::{stderr, stdout};
use crate::serve::{Served, TOKEN};

fn miniapp() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_miniapp"));
    for var in [
        "MINIAPP_DATABASE_URL",
        "MINIAPP_DATABASE_URL_FILE",
        "MINIAPP_OPERATOR_TOKEN",
        "MINIAPP_OPERATOR_TOKEN_FILE",
    ] {
        command.env_remove(var);
    }
    command
}

/// `miniapp serve` on free ports in `dir` with `env` and no token flag; the
/// child and the operator plane's `http://IP:PORT`.
fn serve_with_env(dir: &Path, env: &[(&str, &str)]) -> (Child, String) {
    let mut command = miniapp();
    command
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(["--operator-listen", "127.0.0.1:0"])
        .arg("--data-dir")
        .arg(dir.join("data"))
        .envs(env.iter().copied());
    let mut child = (command.stdout(Stdio::piped()).stderr(Stdio::piped()))
        .spawn()
        .expect("miniapp serve starts");
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    if line.is_empty() {
        let mut err = String::new();
        let _ = std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err);
        let _ = child.wait();
        panic!("miniapp serve did not start: {err}");
    }
    std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
    let mut errors = child.stderr.take().unwrap();
    std::thread::spawn(move || std::io::copy(&mut errors, &mut std::io::sink()));
    let operator = line
        .trim()
        .split_once(", operator at ")
        .unwrap_or_else(|| panic!("no listeners in {line:?}"))
        .1
        .to_string();
    (child, operator)
}

/// The status of `GET /metrics` with `token`.
async fn metrics_status(operator: &str, token: &str) -> u16 {
    let response = reqwest::Client::new()
        .get(format!("{operator}/metrics"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    response.status().as_u16()
}

#[cfg(unix)]
fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_takes_the_operator_tokens_from_a_file_named_in_the_environment_or_from_the_environment()
 {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tokens");
    std::fs::write(&file, format!("# the operators\nalice {TOKEN}\n")).unwrap();
    #[cfg(unix)]
    chmod(&file, 0o600);
    let file = file.to_str().unwrap().to_string();
    let tokens = format!("alice {TOKEN}");
    let ways: [(&str, &str); 2] = [
        ("MINIAPP_OPERATOR_TOKEN_FILE", &file),
        ("MINIAPP_OPERATOR_TOKEN", &tokens),
    ];
    for (var, value) in ways {
        let (mut child, operator) = serve_with_env(dir.path(), &[(var, value)]);
        assert_eq!(
            metrics_status(&operator, &TOKEN.to_string()).await,
            200,
            "{var}"
        );
        assert_eq!(
            metrics_status(&operator, "not-the-token").await,
            401,
            "{var}"
        );
        child.kill().unwrap();
        child.wait().unwrap();
    }
}

#[test]
fn serve_without_any_operator_token_says_where_one_may_come_from() {
    let dir = tempfile::tempdir().unwrap();
    let out = miniapp()
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(["--operator-listen", "127.0.0.1:0"])
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    for way in [
        "--operator-token-file",
        "MINIAPP_OPERATOR_TOKEN_FILE",
        "MINIAPP_OPERATOR_TOKEN",
    ] {
        assert!(stderr(&out).contains(way), "{}", stderr(&out));
    }
}

/// A database URL with a password, on a loopback port nothing listens on.
fn unreachable_database() -> (String, &'static str) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let password = "Pa55w0rdNeverPrinted";
    (
        format!("postgres://miniapp:{password}@127.0.0.1:{port}/miniapp"),
        password,
    )
}

#[test]
fn a_database_url_from_a_file_or_the_environment_is_used_and_its_password_never_printed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("tokens"), format!("alice {TOKEN}\n")).unwrap();
    let (url, password) = unreachable_database();
    let url_file = dir.path().join("database-url");
    std::fs::write(&url_file, format!("{url}\n")).unwrap();
    #[cfg(unix)]
    chmod(&url_file, 0o644);
    let serve = || {
        let mut command = miniapp();
        command
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(["--operator-listen", "127.0.0.1:0"])
            .arg("--data-dir")
            .arg(dir.path().join("data"))
            .arg("--operator-token-file")
            .arg(dir.path().join("tokens"));
        command
    };
    let from_file = serve()
        .arg("--database-url-file")
        .arg(&url_file)
        .output()
        .unwrap();
    let from_env_file = serve()
        .env("MINIAPP_DATABASE_URL_FILE", &url_file)
        .output()
        .unwrap();
    let from_env = serve().env("MINIAPP_DATABASE_URL", &url).output().unwrap();
    for out in [&from_file, &from_env_file, &from_env] {
        let err = stderr(out);
        // The node tried that database, and failed to reach it.
        assert!(!out.status.success(), "{err}");
        assert!(stdout(out).is_empty(), "it served: {err}");
        assert!(!err.contains("unexpected argument"), "{err}");
        assert!(
            err.to_lowercase().contains("connect") || err.contains("refused"),
            "{err}"
        );
        assert!(!err.contains(password), "the password was printed: {err}");
    }
    // A file others may read is named in a warning.
    #[cfg(unix)]
    for out in [&from_file, &from_env_file] {
        let err = stderr(out);
        assert!(err.contains("chmod 600"), "{err}");
        assert!(err.contains(&url_file.display().to_string()), "{err}");
    }
    // Both on the command line: refused, not silently one of them.
    let both = serve()
        .args(["--database", &url, "--database-url-file"])
        .arg(&url_file)
        .output()
        .unwrap();
    assert_eq!(both.status.code(), Some(2), "{}", stderr(&both));
    assert!(!stderr(&both).contains(password), "{}", stderr(&both));
    // And --help shows no secret of the environment.
    let help = miniapp()
        .args(["serve", "--help"])
        .env("MINIAPP_DATABASE_URL", &url)
        .output()
        .unwrap();
    assert!(help.status.success());
    assert!(stdout(&help).contains("MINIAPP_DATABASE_URL"));
    assert!(!stdout(&help).contains(password));
}

#[test]
fn load_reads_the_token_file_serve_takes() {
    let server = Served::start(&["todo"], &[]);
    // `NAME TOKEN` lines, as the server itself was given; the first is used.
    let tokens = server.dir.path().join("tokens");
    let load = || {
        let mut command = miniapp();
        command
            .args(["load", &server.public, "--apps", "todo"])
            .args(["--sessions", "1", "--duration", "0.2", "--json"])
            .args(["--metrics", &server.operator]);
        command
    };
    let from_file = load().arg("--token-file").arg(&tokens).output().unwrap();
    let from_env = load()
        .env("MINIAPP_OPERATOR_TOKEN_FILE", &tokens)
        .output()
        .unwrap();
    for out in [from_file, from_env] {
        assert!(out.status.success(), "miniapp load: {}", stderr(&out));
        let report: Value = serde_json::from_str(stdout(&out).trim()).unwrap();
        assert!(report["rss_kib_per_session"].is_number(), "{report}");
    }
    let status = server.stop();
    assert!(status.success(), "miniapp serve on SIGTERM: {status}");
}
