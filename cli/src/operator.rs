//! `miniapp operator`: the operator plane of a running `miniapp serve`,
//! from the command line, so that curl and 64-hex hashes are never needed:
//! versions go by their number (`0.2.0`), or by hash where a number is
//! ambiguous.
//!
//! The server: `--server URL`, else `MINIAPP_OPERATOR_URL`, else
//! `http://127.0.0.1:8081` (serve's default `--operator-listen`). The
//! token: a file in the format `miniapp serve` takes for its tokens
//! (`NAME TOKEN [SCOPE]` per line, or one token alone), from
//! `--token-file FILE`, else `MINIAPP_OPERATOR_TOKEN_FILE`, else the
//! text of `MINIAPP_OPERATOR_TOKEN`; the line of operator `--as NAME`, else
//! the first line. So the file `serve` reads can be the file this reads.
//!
//! Human-readable lines by default; `--json` prints the server's answer
//! as one line of JSON.

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, Subcommand};
use reqwest::{Method, StatusCode, Url};
use serde_json::{Value, json};

use crate::{Failure, out, secret};

/// The operator plane's URL, when `--server` is not given.
pub const OPERATOR_URL: &str = "MINIAPP_OPERATOR_URL";
/// Where `miniapp serve` puts its operator plane by default.
const DEFAULT_SERVER: &str = "http://127.0.0.1:8081";

/// `miniapp operator`.
#[derive(Args)]
pub struct OperatorArgs {
    /// The operator plane (default: $MINIAPP_OPERATOR_URL, else
    /// http://127.0.0.1:8081).
    #[arg(long, global = true, value_name = "URL")]
    server: Option<String>,
    /// The token file, in `miniapp serve`'s format (`NAME TOKEN [SCOPE]`
    /// per line, or one token); default: $MINIAPP_OPERATOR_TOKEN_FILE, else
    /// the text of $MINIAPP_OPERATOR_TOKEN.
    #[arg(long, global = true, value_name = "FILE")]
    token_file: Option<PathBuf>,
    /// The operator whose token to use (default: the file's first line).
    #[arg(long = "as", global = true, value_name = "NAME")]
    operator: Option<String>,
    /// Print the server's answer as one line of JSON.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    action: Action,
}

#[derive(Subcommand)]
enum Action {
    /// Publish a package, or build a mini-program crate and publish it.
    Publish {
        /// A package file, or a crate directory (built first).
        #[arg(value_name = "DIR|PACKAGE")]
        path: PathBuf,
        /// Publish even if it declares what the policy denies (with warnings).
        #[arg(long)]
        allow_denied: bool,
    },
    /// Release a version to a share of the users (it only grows).
    Release {
        /// The app id.
        app: String,
        /// The version, by number (`0.2.0`) or hash.
        version: String,
        /// The share of users, 0 to 100.
        #[arg(long)]
        percent: u8,
        /// A user who gets it whatever the share (repeat for more).
        #[arg(long = "trial-user", value_name = "USER")]
        trial_users: Vec<String>,
    },
    /// Make the version being released the stable one.
    Complete {
        /// The app id.
        app: String,
    },
    /// Go back to an earlier stable version, or stop the release.
    Rollback {
        /// The app id.
        app: String,
        /// The stable version to go back to, by number or hash (default:
        /// stop the release in progress). Done again, it changes nothing.
        #[arg(long, value_name = "VERSION")]
        to: Option<String>,
        /// Why (kept in the operator audit).
        #[arg(long)]
        reason: String,
    },
    /// Turn an app, or one version of it, off: users see the reason.
    Kill {
        /// The app id.
        app: String,
        /// One version, by number or hash (default: the whole app).
        version: Option<String>,
        /// What users see (1 to 500 characters).
        #[arg(long)]
        reason: String,
    },
    /// Turn an app, or one version of it, back on.
    Revive {
        /// The app id.
        app: String,
        /// One version, by number or hash (default: the whole app).
        version: Option<String>,
    },
    /// An app's versions and what its users get.
    Status {
        /// The app id.
        app: String,
    },
    /// Every app and its stable version.
    Apps,
    /// The recordings of an app's failing events this node keeps.
    Recordings {
        /// The app id.
        app: String,
    },
    /// Save one recording (for `miniapp replay`), or delete it.
    Recording {
        /// The app id.
        app: String,
        /// The recording's id, as `miniapp operator recordings` lists it.
        id: String,
        /// Where to write its bytes.
        #[arg(short, long, value_name = "FILE", required_unless_present = "delete")]
        output: Option<PathBuf>,
        /// Delete it from the server instead.
        #[arg(long, conflicts_with = "output")]
        delete: bool,
    },
}

/// Run `miniapp operator`.
pub fn operator(args: OperatorArgs) -> Result<(), Failure> {
    let plane = Plane::new(&args)?;
    let tokio = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::app(format!("cannot start the async runtime: {e}")))?;
    let answer = tokio.block_on(act(&plane, &args.action))?;
    match args.json {
        true => out::json(&answer),
        false => show(&args.action, &answer),
    }
    Ok(())
}

/// A server's operator plane and the token to use there.
struct Plane {
    server: Url,
    token: String,
    /// Where the token came from and whose it is (for messages).
    whose: String,
    http: reqwest::Client,
}

impl Plane {
    fn new(args: &OperatorArgs) -> Result<Plane, Failure> {
        let server = (args.server.clone())
            .or_else(|| {
                std::env::var(OPERATOR_URL)
                    .ok()
                    .filter(|v| !v.trim().is_empty())
            })
            .unwrap_or_else(|| DEFAULT_SERVER.to_string());
        let server = Url::parse(&server)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.has_host())
            .ok_or_else(|| {
                Failure::input(format!(
                    "`{server}` is not an http:// or https:// URL of an operator plane"
                ))
            })?;
        let (token, whose) = token(args.token_file.as_deref(), args.operator.as_deref())?;
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| Failure::app(format!("cannot make an HTTP client: {e}")))?;
        Ok(Plane {
            server,
            token,
            whose,
            http,
        })
    }

    /// The URL of `/v1/operator/apps/SEGMENTS...`, each segment escaped.
    fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.server.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(["v1", "operator", "apps"]);
            path.extend(segments);
        }
        url
    }

    /// Make a call; the answer's JSON, or why not.
    async fn call(&self, method: Method, url: Url, body: Option<Body>) -> Result<Value, Failure> {
        let mut request = self.http.request(method, url).bearer_auth(&self.token);
        request = match body {
            Some(Body::Json(json)) => request.json(&json),
            Some(Body::Package(bytes)) => request.body(bytes),
            None => request,
        };
        let response = request.send().await.map_err(|e| self.unreachable(&e))?;
        let status = response.status();
        let retry_after = (response.headers().get(reqwest::header::RETRY_AFTER))
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let text = response.text().await.unwrap_or_default();
        let answer: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        if status.is_success() {
            return Ok(answer);
        }
        Err(self.refused(status, &answer, &text, retry_after.as_deref()))
    }

    /// Fetch `url`'s bytes (a recording), or why not.
    async fn bytes(&self, url: Url) -> Result<Vec<u8>, Failure> {
        let response = (self.http.get(url).bearer_auth(&self.token).send().await)
            .map_err(|e| self.unreachable(&e))?;
        let status = response.status();
        let retry_after = (response.headers().get(reqwest::header::RETRY_AFTER))
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let bytes = (response.bytes().await).map_err(|e| self.unreachable(&e))?;
        if status.is_success() {
            return Ok(bytes.to_vec());
        }
        let text = String::from_utf8_lossy(&bytes);
        let answer: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        Err(self.refused(status, &answer, &text, retry_after.as_deref()))
    }

    /// The operator plane did not answer.
    fn unreachable(&self, e: &reqwest::Error) -> Failure {
        Failure::app(format!(
            "cannot reach the operator plane at {}: {}; is `miniapp serve` running there? \
             (--server URL or {OPERATOR_URL})",
            self.server,
            error_chain(e)
        ))
    }

    /// A refusal, said plainly.
    fn refused(
        &self,
        status: StatusCode,
        answer: &Value,
        text: &str,
        retry_after: Option<&str>,
    ) -> Failure {
        let kind = answer["error"]["kind"].as_str().unwrap_or("");
        let message = (answer["error"]["message"].as_str())
            .map(str::to_string)
            .unwrap_or_else(|| miniapp_runtime::text::cut(text.trim(), 300).into_owned());
        let code = status.as_u16();
        let said = match status {
            StatusCode::UNAUTHORIZED => format!(
                "the server at {} refused the token ({}): it is none of its operators' tokens \
                 (401)",
                self.server, self.whose
            ),
            StatusCode::TOO_MANY_REQUESTS => {
                let wait = retry_after.unwrap_or("?");
                format!(
                    "the server at {} refuses every call from this address for {wait} s, after \
                     too many wrong tokens (429, Retry-After: {wait}); try again then: {message}",
                    self.server
                )
            }
            StatusCode::FORBIDDEN if kind == "forbidden" => {
                format!(
                    "refused (403 forbidden, the token {}): {message}",
                    self.whose
                )
            }
            _ if kind.is_empty() => format!("the server answered {status}: {message}"),
            _ => format!("refused ({code} {kind}): {message}"),
        };
        match status.is_client_error() {
            true => Failure::input(said),
            false => Failure::app(said),
        }
    }
}

/// What a call sends.
enum Body {
    Json(Value),
    Package(Vec<u8>),
}

/// An error and its causes, on one line.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut said = error.to_string();
    let mut cause = error.source();
    while let Some(e) = cause {
        said.push_str(": ");
        said.push_str(&e.to_string());
        cause = e.source();
    }
    said
}

/// The token to send, and a description of it (its source and operator,
/// never the token).
fn token(file: Option<&Path>, operator: Option<&str>) -> Result<(String, String), Failure> {
    let Some(secret) = secret::operator_tokens(file).map_err(Failure::input)? else {
        return Err(Failure::input(format!(
            "an operator token is needed: --token-file FILE (serve's token file), \
             {} or {}",
            secret::OPERATOR_TOKEN_FILE,
            secret::OPERATOR_TOKEN
        )));
    };
    let source = secret.source;
    let mut first = None;
    for entry in miniapp_serve::operator::token::entries(&secret.text) {
        let entry = entry.map_err(|e| Failure::input(format!("{source}: {e}")))?;
        if operator.is_none_or(|name| name == entry.name) {
            first = Some(entry);
            break;
        }
    }
    match (first, operator) {
        (Some(entry), _) => {
            let whose = format!("of `{}` from {source}", entry.name);
            Ok((entry.token.to_string(), whose))
        }
        (None, Some(name)) => Err(Failure::input(format!(
            "{source} has no line for operator `{name}`"
        ))),
        (None, None) => Err(Failure::input(format!("{source} holds no token"))),
    }
}

/// Make the call `action` asks for.
async fn act(plane: &Plane, action: &Action) -> Result<Value, Failure> {
    match action {
        Action::Publish { path, allow_denied } => {
            let (app, bytes) = package(path)?;
            let mut url = plane.url(&[&app, "versions"]);
            if *allow_denied {
                url.query_pairs_mut().append_pair("allow-denied", "true");
            }
            plane
                .call(Method::POST, url, Some(Body::Package(bytes)))
                .await
        }
        Action::Release {
            app,
            version,
            percent,
            trial_users,
        } => {
            let body =
                json!({ "version": version, "percent": percent, "trial_users": trial_users });
            let url = plane.url(&[app, "release"]);
            plane.call(Method::POST, url, Some(Body::Json(body))).await
        }
        Action::Complete { app } => {
            let url = plane.url(&[app, "release", "complete"]);
            plane.call(Method::POST, url, None).await
        }
        Action::Rollback { app, to, reason } => {
            let mut body = json!({ "reason": reason });
            if let Some(to) = to {
                body["to"] = json!(to);
            }
            let url = plane.url(&[app, "rollback"]);
            plane.call(Method::POST, url, Some(Body::Json(body))).await
        }
        Action::Kill {
            app,
            version,
            reason,
        } => {
            let mut body = json!({ "reason": reason });
            if let Some(version) = version {
                body["version"] = json!(version);
            }
            let url = plane.url(&[app, "kill"]);
            plane.call(Method::PUT, url, Some(Body::Json(body))).await
        }
        Action::Revive { app, version } => {
            let mut url = plane.url(&[app, "kill"]);
            if let Some(version) = version {
                url.query_pairs_mut().append_pair("version", version);
            }
            plane.call(Method::DELETE, url, None).await
        }
        Action::Status { app } => plane.call(Method::GET, plane.url(&[app]), None).await,
        Action::Apps => plane.call(Method::GET, plane.url(&[]), None).await,
        Action::Recordings { app } => {
            let url = plane.url(&[app, "recordings"]);
            plane.call(Method::GET, url, None).await
        }
        Action::Recording {
            app, id, delete, ..
        } if *delete => {
            let url = plane.url(&[app, "recordings", id]);
            plane.call(Method::DELETE, url, None).await
        }
        Action::Recording {
            app, id, output, ..
        } => {
            let url = plane.url(&[app, "recordings", id]);
            let bytes = plane.bytes(url).await?;
            let file = (output.as_deref()).ok_or_else(|| Failure::input("-o FILE is needed"))?;
            std::fs::write(file, &bytes)
                .map_err(|e| Failure::input(format!("cannot write {}: {e}", file.display())))?;
            Ok(json!({ "app": app, "id": id, "bytes": bytes.len(), "file": file }))
        }
    }
}

/// The app id and bytes of the package at `path`, built first if it is a
/// crate directory.
fn package(path: &Path) -> Result<(String, Vec<u8>), Failure> {
    let file = match path.is_dir() {
        true => crate::build_package(path, None)?.1,
        false => path.to_path_buf(),
    };
    let bytes = std::fs::read(&file)
        .map_err(|e| Failure::input(format!("cannot read {}: {e}", file.display())))?;
    let limits = miniapp_runtime::PackageLimits::default();
    let package = miniapp_runtime::Package::from_bytes(&bytes, &limits)
        .map_err(|e| Failure::input(format!("{} is not a package: {e}", file.display())))?;
    Ok((package.manifest.id, bytes))
}

/// What `action`'s answer says, in lines for people.
fn show(action: &Action, answer: &Value) {
    match action {
        Action::Publish { .. } => {
            let (number, hash, bytes, by) = facts(&answer["version"]);
            out::line(format!(
                "published {number} (hash {hash}, {bytes} bytes, by {by})"
            ));
            for warning in answer["warnings"].as_array().into_iter().flatten() {
                out::line(format!("warning: denied {}", text(warning)));
            }
        }
        Action::Rollback { app, .. } => {
            let (from, to) = (named(&answer["from"]), named(&answer["to"]));
            match answer["changed"].as_bool() {
                Some(false) => out::line(format!("{app}: already on {to}; nothing changed")),
                _ => out::line(format!("{app}: rolled back from {from} to {to}")),
            }
            status(app, &answer["status"]);
        }
        Action::Release { app, .. }
        | Action::Complete { app }
        | Action::Kill { app, .. }
        | Action::Revive { app, .. }
        | Action::Status { app } => status(app, &answer["status"]),
        Action::Recordings { app } => recordings(app, answer),
        Action::Recording { app, id, .. } => match answer["deleted"].is_null() {
            true => out::line(format!(
                "{app}: recording {id} written to {} ({} bytes)",
                text(&answer["file"]),
                answer["bytes"]
            )),
            false => out::line(format!("{app}: recording {id} deleted")),
        },
        Action::Apps => {
            let apps = answer["status"].as_object();
            for (app, status) in apps.into_iter().flatten() {
                out::line(format!("{app}: {}", summary(status)));
            }
            if apps.is_none_or(|a| a.is_empty()) {
                out::line("no apps are published");
            }
        }
    }
}

/// An app's recordings, one line each.
fn recordings(app: &str, answer: &Value) {
    let listed = answer["recordings"].as_array();
    for r in listed.into_iter().flatten() {
        let at = r["recorded_at_ms"].as_u64().map_or("?".into(), utc);
        out::line(format!(
            "{} {} version {} {} after {} events, {} bytes: {}",
            text(&r["id"]),
            at,
            text(&r["version"]),
            text(&r["outcome"]),
            r["events"],
            r["bytes"],
            text(&r["message"])
        ));
    }
    if listed.is_none_or(|l| l.is_empty()) {
        out::line(format!("{app}: no recordings are kept on this node"));
    }
}

/// Milliseconds since the Unix epoch as a UTC time, `2026-12-06T21:30:05Z`
/// (the civil date from the day number: Howard Hinnant's `civil_from_days`).
fn utc(ms: u64) -> String {
    let (days, secs) = ((ms / 86_400_000) as i64, (ms / 1000) % 86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}Z")
}

/// An app's status, a few lines.
fn status(app: &str, status: &Value) {
    out::line(format!("{app}: {}", summary(status)));
    for v in status["versions"].as_array().into_iter().flatten() {
        let (number, hash, bytes, by) = facts(v);
        out::line(format!(
            "  version {number} hash {hash} ({bytes} bytes, published by {by})"
        ));
    }
    for killed in status["killed_versions"].as_array().into_iter().flatten() {
        out::line(format!(
            "  killed {}: {}",
            named(killed),
            text(&killed["reason"])
        ));
    }
}

/// What users of an app get, on one line.
fn summary(status: &Value) -> String {
    let mut said = match status["stable"].is_null() {
        true => "no stable version".to_string(),
        false => format!("stable {}", named(&status["stable"])),
    };
    let release = &status["release"];
    if !release.is_null() {
        said.push_str(&format!(
            ", releasing {} to {}%",
            named(release),
            release["percent"]
        ));
    }
    if let Some(min) = status["min_host_api"].as_str() {
        said.push_str(&format!(", needs host API {min}"));
    }
    if let Some(reason) = status["killed"].as_str() {
        said.push_str(&format!(", KILLED: {reason}"));
    }
    said
}

/// `{"version", "hash"}` as `0.2.0 (hash 1a2b3c4d5e6f)`.
fn named(version: &Value) -> String {
    let hash = text(&version["hash"]);
    let short = hash.get(..12).unwrap_or(&hash);
    format!("{} (hash {short})", text(&version["version"]))
}

/// A published version's number, hash, size in bytes and publisher, as
/// the lines show them.
fn facts(v: &Value) -> (String, String, &Value, String) {
    let (number, hash, by) = (&v["version"], &v["hash"], &v["published_by"]);
    (text(number), text(hash), &v["bytes"], text(by))
}

/// A JSON string's text (`?` if absent).
fn text(value: &Value) -> String {
    value.as_str().unwrap_or("?").to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn times_are_shown_as_utc() {
        assert_eq!(super::utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(super::utc(1_765_055_405_999), "2025-12-06T21:10:05Z");
        assert_eq!(super::utc(1_038_182_399_000), "2002-11-24T23:59:59Z");
        // A leap day.
        assert_eq!(super::utc(951_868_799_000), "2000-02-29T23:59:59Z");
    }
}
