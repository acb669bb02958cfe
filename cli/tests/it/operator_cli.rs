//! `miniapp operator` against a real `miniapp serve`: publish, release,
//! roll back and kill by version number, with the token from serve's own
//! token file; refusals said plainly.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

use crate::cli::{package, stderr, stdout};
use crate::serve::{Served, TOKEN, todo_as};

/// The todo package as version `version`, its description `description`
/// (other content, another hash).
pub(crate) fn todo_described(version: &str, description: &str, dir: &Path) -> PathBuf {
    let mut package =
        miniapp_runtime::Package::read(Path::new(&package("todo")), &Default::default()).unwrap();
    package.manifest.version = version.to_string();
    package.manifest.description = Some(description.to_string());
    let path = dir.join(format!("todo-{version}-{}.miniapp", description.len()));
    std::fs::write(&path, package.to_bytes().unwrap()).unwrap();
    path
}

/// `miniapp operator ARGS` on `served`'s operator plane with `token_file`.
fn operator_with(served: &Served, token_file: &Path, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_miniapp"));
    for var in [
        "MINIAPP_OPERATOR_URL",
        "MINIAPP_OPERATOR_TOKEN",
        "MINIAPP_OPERATOR_TOKEN_FILE",
    ] {
        command.env_remove(var);
    }
    command
        .args(["operator", "--server", &served.operator, "--token-file"])
        .arg(token_file)
        .args(args)
        .output()
        .unwrap()
}

/// `miniapp operator ARGS` with the server's own token file.
pub(crate) fn operator(served: &Served, args: &[&str]) -> Output {
    operator_with(served, &served.dir.path().join("tokens"), args)
}

/// The command succeeded: its stdout.
fn ok(output: Output) -> String {
    assert!(output.status.success(), "{}", stderr(&output));
    stdout(&output)
}

/// The command failed with exit code `code`: its stderr.
fn failed(output: Output, code: i32) -> String {
    assert_eq!(output.status.code(), Some(code), "{}", stdout(&output));
    stderr(&output)
}

/// `operator status APP --json`: the app's status.
fn status(served: &Served, app: &str) -> Value {
    let answer: Value = serde_json::from_str(&ok(operator(served, &["status", app, "--json"])))
        .expect("one line of JSON");
    answer["status"].clone()
}

#[test]
fn the_operator_cli_publishes_releases_rolls_back_and_kills_by_number() {
    let served = Served::start(&["todo"], &[]);
    let dir = served.dir.path();
    let v2 = todo_as("0.2.0", dir);
    let v2 = v2.to_str().unwrap();

    let published = ok(operator(&served, &["publish", v2]));
    assert!(
        published.starts_with("published 0.2.0 (hash "),
        "{published}"
    );
    // The same package again: no change, the same answer.
    assert_eq!(ok(operator(&served, &["publish", v2])), published);
    let versions = status(&served, "demo.todo")["versions"].clone();
    assert_eq!(versions.as_array().unwrap().len(), 2, "{versions}");
    let hash = versions[1]["hash"].as_str().unwrap().to_string();

    // Other content under a number already published: refused, naming both.
    let other = todo_described("0.2.0", "other content", dir);
    let refused = failed(operator(&served, &["publish", other.to_str().unwrap()]), 2);
    for said in [
        "409 conflict",
        "version 0.2.0 of `demo.todo` is already published with other content",
        &hash,
        "raise `version`",
    ] {
        assert!(refused.contains(said), "{said} not in {refused}");
    }
    assert_eq!(status(&served, "demo.todo")["versions"], versions);

    // Release by number; an unknown number is named.
    let released = ok(operator(
        &served,
        &["release", "demo.todo", "0.2.0", "--percent", "30"],
    ));
    let short = &hash[..12];
    assert!(
        released.contains(&format!("releasing 0.2.0 (hash {short}) to 30%")),
        "{released}"
    );
    let unknown = failed(
        operator(
            &served,
            &["release", "demo.todo", "9.9.9", "--percent", "5"],
        ),
        2,
    );
    assert!(unknown.contains("404 not-found"), "{unknown}");
    assert!(unknown.contains("no version `9.9.9`"), "{unknown}");
    assert_eq!(status(&served, "demo.todo")["release"]["percent"], 30);

    // Rollback names its target; done again, it changes nothing.
    let rollback = [
        "rollback",
        "demo.todo",
        "--to",
        "0.1.0",
        "--reason",
        "crash",
    ];
    let first = ok(operator(&served, &rollback));
    assert!(
        first.starts_with(&format!(
            "demo.todo: rolled back from 0.2.0 (hash {short}) to 0.1.0"
        )),
        "{first}"
    );
    let again = ok(operator(&served, &rollback));
    assert!(
        again.starts_with("demo.todo: already on 0.1.0 (hash "),
        "{again}"
    );
    assert!(again.contains("nothing changed"), "{again}");
    let after = status(&served, "demo.todo");
    assert_eq!(after["stable"]["version"], "0.1.0", "{after}");
    assert_eq!(after["release"], Value::Null, "{after}");

    // Kill and revive one version by number.
    let kill = ["kill", "demo.todo", "0.2.0", "--reason", "broken build"];
    let killed = ok(operator(&served, &kill));
    assert!(
        killed.contains(&format!("killed 0.2.0 (hash {short}): broken build")),
        "{killed}"
    );
    let killed = status(&served, "demo.todo")["killed_versions"].clone();
    assert_eq!(killed[0]["hash"], hash.as_str(), "{killed}");
    ok(operator(&served, &["revive", "demo.todo", "0.2.0"]));
    assert_eq!(
        status(&served, "demo.todo")["killed_versions"],
        serde_json::json!([])
    );

    let apps = ok(operator(&served, &["apps"]));
    assert!(apps.starts_with("demo.todo: stable 0.1.0 (hash "), "{apps}");
    served.stop();
}

#[test]
fn a_wrong_token_a_missing_operator_or_no_server_is_said_plainly() {
    let served = Served::start(&[], &[]);
    let dir = served.dir.path();

    // The first line's token, or the line of `--as NAME`.
    assert_eq!(
        ok(operator(&served, &["apps"])).trim(),
        "no apps are published"
    );
    let nobody = failed(operator(&served, &["apps", "--as", "bob"]), 2);
    assert!(
        nobody.contains("has no line for operator `bob`"),
        "{nobody}"
    );

    // Nothing listens on port 1.
    let mut unreachable = Command::new(env!("CARGO_BIN_EXE_miniapp"));
    unreachable
        .args(["operator", "apps", "--server", "http://127.0.0.1:1"])
        .arg("--token-file")
        .arg(dir.join("tokens"));
    let said = failed(unreachable.output().unwrap(), 1);
    assert!(
        said.contains("cannot reach the operator plane at http://127.0.0.1:1/"),
        "{said}"
    );

    // A token the server does not know: 401, then barred (429).
    let wrong = dir.join("wrong-tokens");
    let guess = miniapp_serve::operator::token::new_token();
    std::fs::write(&wrong, format!("mallory {guess}\n")).unwrap();
    let refused = failed(operator_with(&served, &wrong, &["apps"]), 2);
    assert!(
        refused.contains("refused the token (of `mallory` from operator token file"),
        "{refused}"
    );
    assert!(refused.contains("(401)"), "{refused}");
    assert!(!refused.contains(&guess) && !refused.contains(&TOKEN.to_string()));
    let barred = (0..20)
        .map(|_| failed(operator_with(&served, &wrong, &["apps"]), 2))
        .find(|said| !said.contains("(401)"))
        .expect("barred after 10 wrong tokens");
    assert!(barred.contains("429, Retry-After: "), "{barred}");
    assert!(barred.contains("too many wrong tokens"), "{barred}");
    served.stop();
}
