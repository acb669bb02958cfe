//! The operator plane, on its own listener: publish versions, phased
//! release, rollback, kill switches, minimum host API, quarantine, consent;
//! `/metrics`. Every call but `/healthz` and `/readyz` needs an operator's
//! token (compared in constant time) and is audited with the operator's
//! name, refused calls too. Tokens must be strong ([`token`]); a client
//! that sends wrong ones is barred for a while (`operator/backoff.rs`).

mod backoff;
pub mod token;

use std::net::SocketAddr;
use std::path::Path as FsPath;
use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::catalog::{AppRecord, Phased, make_stable};
use crate::error::{ApiError, Body};
use crate::host::Host;

/// The operators: names, the SHA-256 of their tokens, and what each token
/// may do ([`token::Scope`]).
#[derive(Clone)]
pub struct Operators {
    tokens: Vec<(String, token::Scope, [u8; 32])>,
}

impl Operators {
    /// Read a token file: one operator per line, `NAME TOKEN [SCOPE]`, or a
    /// single token alone (the operator `operator`); see
    /// [`token::entries`]. Every token must pass [`token::check`]; a weak
    /// one is refused, naming the file, the line, the rule and how to make
    /// a token (never the token).
    pub fn read(path: &FsPath) -> Result<Operators, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("operator token file {}: {e}", path.display()))?;
        Operators::parse(&text, &format!("operator token file {}", path.display()))
    }

    /// [`Operators::read`] of `text`, which came from `source` (a file, an
    /// environment variable: named in errors, the text never).
    pub fn parse(text: &str, source: &str) -> Result<Operators, String> {
        let mut tokens = Vec::new();
        for entry in token::entries(text) {
            let entry = entry.map_err(|e| format!("{source}: {e}"))?;
            if let Err(why) = token::check(entry.token) {
                return Err(format!(
                    "{source}:{}: the token of `{}` is too weak: {why}; {}",
                    entry.line,
                    entry.name,
                    token::HOW_TO_MAKE_ONE
                ));
            }
            tokens.push((entry.name, entry.scope, digest(entry.token)));
        }
        if tokens.is_empty() {
            return Err(format!("{source} holds no token"));
        }
        Ok(Operators { tokens })
    }

    /// The operator whose token this is, and its scope. Every token is
    /// compared, each in constant time, over digests of equal length.
    fn who(&self, token: &str) -> Option<(String, token::Scope)> {
        let given = digest(token);
        let mut found = None;
        for (name, scope, known) in &self.tokens {
            if bool::from(known.ct_eq(&given)) {
                found = Some((name.clone(), *scope));
            }
        }
        found
    }
}

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// Who made an operator call.
#[derive(Clone)]
struct Operator(String);

/// The operator plane's state.
#[derive(Clone)]
struct Plane {
    host: Arc<Host>,
    operators: Operators,
    audit: Arc<crate::operator_audit::OperatorAudit>,
    backoff: Arc<backoff::Backoff>,
}

/// The operator routes; calls audited to `audit_path`.
pub fn router(
    host: Arc<Host>,
    operators: Operators,
    audit_path: &FsPath,
) -> std::io::Result<axum::Router> {
    let plane = Plane {
        host: host.clone(),
        operators,
        audit: Arc::new(crate::operator_audit::OperatorAudit::open(audit_path)?),
        backoff: Arc::default(),
    };
    let package_bytes = host.runtime.package_limits().total_bytes as usize;
    let guarded = axum::Router::new()
        .route("/metrics", get(metrics))
        .route("/v1/operator/apps", get(apps))
        .route("/v1/operator/apps/{app}", get(app))
        .route(
            "/v1/operator/apps/{app}/versions",
            post(publish).layer(DefaultBodyLimit::max(package_bytes)),
        )
        .route("/v1/operator/apps/{app}/versions/{version}", get(version))
        .route("/v1/operator/apps/{app}/route", get(route))
        .route("/v1/operator/apps/{app}/release", post(release))
        .route("/v1/operator/apps/{app}/release/complete", post(complete))
        .route("/v1/operator/apps/{app}/rollback", post(rollback))
        .route("/v1/operator/apps/{app}/kill", put(kill).delete(revive))
        .route("/v1/operator/apps/{app}/min-host-api", put(min_host_api))
        .route(
            "/v1/operator/apps/{app}/quarantine",
            delete(lift_quarantine),
        )
        .route(
            "/v1/operator/apps/{app}/consent/{user}",
            delete(reset_consent),
        )
        .route("/v1/operator/apps/{app}/recordings", get(recordings))
        .route(
            "/v1/operator/apps/{app}/recordings/{id}",
            get(recording).delete(delete_recording),
        )
        .layer(axum::middleware::from_fn_with_state(
            plane.clone(),
            authorize,
        ))
        .with_state(plane);
    Ok(axum::Router::new()
        .route("/healthz", get(crate::public::healthz))
        .route("/readyz", get(crate::public::readyz))
        .with_state(host)
        .merge(guarded))
}

/// Check the token and its scope; audit the call with its outcome, its
/// source address and what it acted on ([`Acted`]). A client barred for
/// wrong tokens gets 429 before its token is looked at; a call that carries
/// an `Authorization` header without a valid token counts as a wrong token
/// (one without the header guesses nothing: 401, not counted). A valid
/// token whose scope does not cover the call gets 403 `forbidden`.
async fn authorize(State(plane): State<Plane>, mut request: Request, next: Next) -> Response {
    let what = format!("{} {}", request.method(), request.uri().path());
    // The client: a trusted proxy's forwarded address, else the peer's
    // (`crate::clients::layer`, set by `crate::Server::start`); without
    // either all callers share one count.
    let peer = (request.extensions().get::<crate::clients::Client>()).map(|c| c.0);
    let peer =
        peer.or_else(|| (request.extensions().get::<ConnectInfo<SocketAddr>>()).map(|c| c.0.ip()));
    let client = backoff::Client::of(peer);
    let call = |operator: Option<&str>, status: StatusCode, acted: Option<&Acted>| {
        audit(&plane, operator, &what, status, peer, acted);
    };
    if let Some(seconds) = plane.backoff.barred(client, Instant::now()) {
        call(None, StatusCode::TOO_MANY_REQUESTS, None);
        let message = format!(
            "too many wrong operator tokens from this address: every call is refused for {seconds} s"
        );
        return ApiError::busy(message, seconds).into_response();
    }
    let operator = bearer(request.headers()).and_then(|t| plane.operators.who(t));
    let Some((operator, scope)) = operator else {
        if request.headers().contains_key(header::AUTHORIZATION) {
            plane.backoff.wrong(client, Instant::now());
        }
        call(None, StatusCode::UNAUTHORIZED, None);
        return ApiError::unauthorized().into_response();
    };
    if !scope.allows(request.method().as_str(), request.uri().path()) {
        call(Some(&operator), StatusCode::FORBIDDEN, None);
        return ApiError::forbidden(format!(
            "the token of `{operator}` has the scope `{}`, which allows {}; this call needs a \
             token of scope `full`",
            scope.name(),
            scope.covers()
        ))
        .into_response();
    }
    request.extensions_mut().insert(Operator(operator.clone()));
    let response = next.run(request).await;
    if what != "GET /metrics" {
        let acted = response.extensions().get::<Acted>();
        call(Some(&operator), response.status(), acted);
    }
    response
}

/// What an operator call acted on, for its audit line: the app, the
/// version by number and hash, the percent, the reason, a rollback's
/// `from` and `to`. A handler puts it on its answer, refused or not.
#[derive(Clone, Default)]
struct Acted(serde_json::Map<String, Value>);

impl Acted {
    /// Acting on `app`.
    fn on(app: &str) -> Acted {
        Acted::default().with("app", cut(app))
    }

    /// Acting on `app`, or on one `version` of it as the caller named it.
    fn on_version(app: &str, version: Option<&str>) -> Acted {
        let acted = Acted::on(app);
        match version {
            Some(version) => acted.with("version", cut(version)),
            None => acted,
        }
    }

    fn with(mut self, key: &str, value: impl Into<Value>) -> Acted {
        self.0.insert(key.to_string(), value.into());
        self
    }

    fn set(&mut self, key: &str, value: impl Into<Value>) {
        self.0.insert(key.to_string(), value.into());
    }

    /// Version `hash` of `record`, by number and hash.
    fn version(&mut self, record: &AppRecord, hash: &str) {
        self.set("version", record.number(hash));
        self.set("hash", hash);
    }

    /// `response`, carrying this for the audit.
    fn answer(self, mut response: Response) -> Response {
        response.extensions_mut().insert(self);
        response
    }
}

/// Text a caller sent, cut for the audit (a version reference, a name).
fn cut(text: &str) -> String {
    miniapp_runtime::text::cut(text, 128).into_owned()
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
}

/// Audit an operator call (bounded: see [`crate::operator_audit`]).
fn audit(
    plane: &Plane,
    operator: Option<&str>,
    what: &str,
    status: StatusCode,
    source: Option<std::net::IpAddr>,
    acted: Option<&Acted>,
) {
    if operator.is_some() {
        tracing::info!(target: "miniapp::operator", operator, call = what, status = status.as_u16(), "operator call");
    }
    let source = source.map(|ip| ip.to_string());
    let line = crate::operator_audit::Call {
        operator,
        call: what,
        status: status.as_u16(),
        source: source.as_deref(),
        acted: acted.map(|a| &a.0),
    };
    plane.audit.record(&line);
}

async fn metrics(State(plane): State<Plane>) -> Response {
    let text = plane.host.metrics_text();
    let content_type = "application/openmetrics-text; version=1.0.0; charset=utf-8";
    ([(header::CONTENT_TYPE, content_type)], text).into_response()
}

async fn apps(State(plane): State<Plane>) -> Response {
    let apps = plane.host.catalog.book().apps;
    let status: serde_json::Map<String, Value> = (apps.iter())
        .map(|(app, record)| (app.clone(), record.status()))
        .collect();
    Json(json!({ "apps": apps, "status": status })).into_response()
}

async fn app(State(plane): State<Plane>, Path(app): Path<String>) -> Response {
    match plane.host.catalog.app(&app) {
        Some(record) => {
            let status = record.status();
            Json(json!({ "app": app, "record": record, "status": status })).into_response()
        }
        None => ApiError::not_found(format!("no app `{app}` is published here")).into_response(),
    }
}

/// One version, by number or hash.
async fn version(
    State(plane): State<Plane>,
    Path((app, version)): Path<(String, String)>,
) -> Response {
    let Some(record) = plane.host.catalog.app(&app) else {
        return ApiError::not_found(format!("no app `{app}` is published here")).into_response();
    };
    match record.find(&app, &version) {
        Ok(v) => Json(json!({ "app": app, "version": v })).into_response(),
        Err(e) => e.into_response(),
    }
}

#[derive(Deserialize)]
struct UserQuery {
    user: String,
}

/// Which version a user would get now (or why none): `version` (its hash,
/// as before numbers were answered), `hash` and `number`.
async fn route(
    State(plane): State<Plane>,
    Path(app): Path<String>,
    Query(query): Query<UserQuery>,
) -> Response {
    match plane.host.catalog.route(&app, &query.user) {
        Ok(hash) => {
            let record = plane.host.catalog.app(&app).unwrap_or_default();
            let number = record.number(&hash);
            Json(json!({ "app": app, "version": hash, "hash": hash, "number": number }))
                .into_response()
        }
        Err(e) => e.into_response(),
    }
}

#[derive(Deserialize)]
struct PublishQuery {
    /// Accept a package that declares what the policy denies (with warnings).
    #[serde(default, rename = "allow-denied")]
    allow_denied: bool,
}

/// Publish a package: refused (403 `denied`) if it declares capabilities or
/// origins the policy denies, unless `?allow-denied=true`, which accepts it
/// with `warnings` naming each (audited, and logged); refused (409
/// `conflict`) if its version number is published with other content.
async fn publish(
    State(plane): State<Plane>,
    Extension(Operator(operator)): Extension<Operator>,
    Path(app): Path<String>,
    Query(query): Query<PublishQuery>,
    body: Bytes,
) -> Response {
    let host = plane.host.clone();
    let who = operator.clone();
    let mut acted = Acted::on(&app).with("bytes", body.len());
    // Validation compiles the component: off the async workers.
    let published = tokio::task::spawn_blocking(move || {
        host.catalog
            .publish(&host.runtime, Some(&app), &body, &who, query.allow_denied)
    })
    .await;
    let response = match published {
        Ok(Ok((version, warnings))) => {
            acted.set("version", version.version.clone());
            acted.set("hash", version.hash.clone());
            for warning in &warnings {
                let what = format!("published with a denied {warning}");
                tracing::warn!(target: "miniapp::operator", operator, hash = version.hash, "{what}");
                audit(
                    &plane,
                    Some(&operator),
                    &what,
                    StatusCode::CREATED,
                    None,
                    None,
                );
            }
            if !warnings.is_empty() {
                acted.set("warnings", warnings.len());
            }
            let answer = json!({ "version": version, "warnings": warnings });
            (StatusCode::CREATED, Json(answer)).into_response()
        }
        Ok(Err(e)) => e.into_response(),
        Err(e) => ApiError::internal(format!("publishing failed: {e}")).into_response(),
    };
    acted.answer(response)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReleaseBody {
    /// The version, by number or hash.
    version: String,
    percent: u8,
    #[serde(default)]
    trial_users: Vec<String>,
}

/// The answer to a change: the record, and its status by number and hash.
fn answer(result: Result<AppRecord, ApiError>, acted: Acted) -> Response {
    acted.answer(match result {
        Ok(record) => {
            let status = record.status();
            Json(json!({ "record": record, "status": status })).into_response()
        }
        Err(e) => e.into_response(),
    })
}

/// A phased release of a version (by number or hash) to `percent` of the
/// users and the trial users.
async fn release(
    State(plane): State<Plane>,
    Path(app): Path<String>,
    Body(body): Body<ReleaseBody>,
) -> Response {
    let mut acted = Acted::on(&app)
        .with("version", cut(&body.version))
        .with("percent", body.percent);
    if !body.trial_users.is_empty() {
        acted.set("trial_users", body.trial_users.len());
    }
    let result = plane.host.catalog.change(&app, |record| {
        if body.percent > 100 {
            return Err(ApiError::bad_request("`percent` is 0 to 100"));
        }
        let hash = record.find(&app, &body.version)?.hash.clone();
        acted.version(record, &hash);
        let number = record.number(&hash).to_string();
        if record.stable.as_deref() == Some(&hash) {
            return Err(ApiError::bad_request(format!(
                "{number} ({hash}) is already the stable version of `{app}`"
            )));
        }
        if let Some(current) = &record.release
            && current.version == hash
            && body.percent < current.percent
        {
            return Err(ApiError::bad_request(format!(
                "a release only grows: {number} ({hash}) is at {}%, not {}% (roll back to stop it)",
                current.percent, body.percent
            )));
        }
        record.release = Some(Phased {
            version: hash,
            percent: body.percent,
            trial_users: body.trial_users.clone(),
        });
        Ok(())
    });
    answer(result, acted)
}

/// The version being released becomes the stable one.
async fn complete(State(plane): State<Plane>, Path(app): Path<String>) -> Response {
    let mut acted = Acted::on(&app);
    let result = plane.host.catalog.change(&app, |record| {
        let release = (record.release.take())
            .ok_or_else(|| ApiError::bad_request(format!("`{app}` has no release in progress")))?;
        acted.version(record, &release.version);
        acted.set("percent", release.percent);
        make_stable(record, &release.version);
        Ok(())
    });
    answer(result, acted)
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RollbackBody {
    /// The version to go back to, by number or hash (`version`: its name
    /// before targets were named `to`).
    #[serde(default, alias = "version")]
    to: Option<String>,
    /// Why, for the audit.
    #[serde(default)]
    reason: Option<String>,
}

/// Roll back to a named stable version (`to`, by number or hash): the
/// release in progress stops and `to` becomes stable; done again, it
/// changes nothing (`changed: false`). Without `to`, the release in
/// progress stops (its users go back to the stable version); with no
/// release in progress that is refused (409 `conflict`), since going back
/// one more version would toggle on a retry. Answers `from` and `to`, each
/// by number and hash.
async fn rollback(
    State(plane): State<Plane>,
    Path(app): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    // The body is optional: none stops the release in progress.
    let body: RollbackBody = match body.trim_ascii().is_empty() {
        true => RollbackBody::default(),
        false => match serde_json::from_slice(&body) {
            Ok(body) => body,
            Err(e) => return ApiError::bad_request(format!("the body: {e}")).into_response(),
        },
    };
    let mut acted = Acted::on(&app);
    if let Some(to) = &body.to {
        acted.set("asked", cut(to));
    }
    if let Some(reason) = &body.reason {
        if reason.chars().count() > 500 {
            let refused = ApiError::bad_request("`reason` is at most 500 characters");
            return acted.answer(refused.into_response());
        }
        acted.set("reason", reason.clone());
    }
    let mut moved = None;
    let result = plane.host.catalog.change(&app, |record| {
        let (from, to) = rollback_target(&app, record, body.to.as_deref())?;
        let changed = record.release.is_some() || record.stable.as_deref() != Some(&to);
        acted.set("from", record.named(&from));
        acted.set("to", record.named(&to));
        acted.set("changed", changed);
        moved = Some((record.named(&from), record.named(&to), changed));
        record.release = None;
        make_stable(record, &to);
        Ok(())
    });
    let Some((from, to, changed)) = moved.filter(|_| result.is_ok()) else {
        return answer(result, acted);
    };
    let record = result.expect("the change was made");
    let status = record.status();
    let answered =
        json!({ "record": record, "status": status, "from": from, "to": to, "changed": changed });
    acted.answer(Json(answered).into_response())
}

/// Where a rollback of `record` goes, by hash: what users got (the
/// release's version, else the stable one) and the target.
fn rollback_target(
    app: &str,
    record: &AppRecord,
    to: Option<&str>,
) -> Result<(String, String), ApiError> {
    let stable = record.stable.clone().unwrap_or_default();
    let from = record
        .release
        .as_ref()
        .map_or(&stable, |r| &r.version)
        .clone();
    let stables = || {
        let named: Vec<String> = (record.history.iter().rev())
            .map(|h| format!("{} ({h})", record.number(h)))
            .collect();
        named.join(", ")
    };
    match to {
        Some(to) => {
            let target = record.find(app, to)?;
            if !record.history.contains(&target.hash) {
                return Err(ApiError::bad_request(format!(
                    "{} ({}) is not one of the last {} stable versions of `{app}`: {}",
                    target.version,
                    target.hash,
                    crate::catalog::ROLLBACK_DEPTH,
                    stables()
                )));
            }
            Ok((from, target.hash.clone()))
        }
        None if record.release.is_some() => Ok((from, stable)),
        None => Err(ApiError::conflict(format!(
            "`{app}` has no release in progress, so a rollback without a target has nothing \
             to stop; to go back to an earlier stable version, name it (`{{\"to\": VERSION}}`, \
             `miniapp operator rollback {app} --to VERSION`): {}",
            stables()
        ))),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KillBody {
    reason: String,
    /// One version, by number or hash (none: the whole app).
    #[serde(default)]
    version: Option<String>,
}

/// The kill switch of the app, or of one version (by number or hash).
async fn kill(
    State(plane): State<Plane>,
    Path(app): Path<String>,
    Body(body): Body<KillBody>,
) -> Response {
    let acted = Acted::on_version(&app, body.version.as_deref());
    if body.reason.trim().is_empty() || body.reason.chars().count() > 500 {
        let refused = ApiError::bad_request("`reason` is 1 to 500 characters; users see it");
        return acted.answer(refused.into_response());
    }
    let acted = acted.with("reason", body.reason.clone());
    let version = body.version.as_deref();
    kill_switch(&plane, &app, version, Some(&body.reason), acted)
}

#[derive(Deserialize)]
struct VersionQuery {
    /// One version, by number or hash (none: the whole app).
    version: Option<String>,
}

/// Lift the kill switch of the app, or of one version.
async fn revive(
    State(plane): State<Plane>,
    Path(app): Path<String>,
    Query(query): Query<VersionQuery>,
) -> Response {
    let version = query.version.as_deref();
    let acted = Acted::on_version(&app, version);
    kill_switch(&plane, &app, version, None, acted)
}

/// Set the kill switch (`reason`, which users see) or lift it (`None`),
/// of the app or of one version (by number or hash).
fn kill_switch(
    plane: &Plane,
    app: &str,
    version: Option<&str>,
    reason: Option<&str>,
    mut acted: Acted,
) -> Response {
    let result = plane.host.catalog.change(app, |record| {
        match version {
            Some(version) => {
                let hash = record.find(app, version)?.hash.clone();
                acted.version(record, &hash);
                match reason {
                    Some(reason) => record.killed_versions.insert(hash, reason.to_string()),
                    None => record.killed_versions.remove(&hash),
                };
            }
            None => record.killed = reason.map(str::to_string),
        }
        Ok(())
    });
    answer(result, acted)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MinApiBody {
    version: Option<String>,
}

async fn min_host_api(
    State(plane): State<Plane>,
    Path(app): Path<String>,
    Body(body): Body<MinApiBody>,
) -> Response {
    let acted = Acted::on(&app).with(
        "min_host_api",
        body.version
            .as_deref()
            .map(cut)
            .map_or(Value::Null, Value::from),
    );
    let valid = |v: &str| !v.is_empty() && v.split('.').all(|p| p.parse::<u64>().is_ok());
    if let Some(version) = body.version.as_deref().filter(|v| !valid(v)) {
        let refused = ApiError::bad_request(format!("`{version}` is not a version like 0.2.0"));
        return acted.answer(refused.into_response());
    }
    let result = plane.host.catalog.change(&app, |record| {
        record.min_host_api = body.version.clone();
        Ok(())
    });
    answer(result, acted)
}

async fn lift_quarantine(State(plane): State<Plane>, Path(app): Path<String>) -> Response {
    let acted = Acted::on(&app);
    acted.answer(match plane.host.runtime.lift_quarantine(&app) {
        Ok(lifted) => Json(json!({ "lifted": lifted })).into_response(),
        Err(e) => ApiError::internal(e.to_string()).into_response(),
    })
}

async fn reset_consent(
    State(plane): State<Plane>,
    Path((app, user)): Path<(String, String)>,
) -> Response {
    let acted = Acted::on(&app).with("user", cut(&user));
    for scope in miniapp_runtime::config::Scope::ALL {
        let reset = plane.host.runtime.set_consent(
            &app,
            Some(&user),
            scope,
            miniapp_runtime::Consent::NotAsked,
        );
        if let Err(e) = reset {
            return acted.answer(ApiError::internal(e.to_string()).into_response());
        }
    }
    acted.answer(Json(json!({ "reset": Value::Bool(true) })).into_response())
}

/// `app`'s recordings on this node ([`crate::recordings`]), oldest first;
/// past their age deleted first.
async fn recordings(State(plane): State<Plane>, Path(app): Path<String>) -> Response {
    let acted = Acted::on(&app);
    let answer = with_recordings(&plane, app, |kept, app| {
        let listed = kept.list(app);
        Ok(Json(json!({ "app": app, "recordings": listed })).into_response())
    });
    acted.answer(answer.await)
}

/// The bytes of one recording (for `miniapp replay`).
async fn recording(
    State(plane): State<Plane>,
    Path((app, id)): Path<(String, String)>,
) -> Response {
    let acted = Acted::on(&app).with("recording", cut(&id));
    let answer = with_recordings(&plane, app, move |kept, app| {
        let bytes = kept.bytes(app, checked_id(&id)?)?;
        let octets = "application/octet-stream";
        Ok(([(header::CONTENT_TYPE, octets)], bytes).into_response())
    });
    acted.answer(answer.await)
}

/// Delete one recording.
async fn delete_recording(
    State(plane): State<Plane>,
    Path((app, id)): Path<(String, String)>,
) -> Response {
    let acted = Acted::on(&app).with("recording", cut(&id));
    let answer = with_recordings(&plane, app, move |kept, app| {
        let deleted = kept.delete(app, checked_id(&id)?)?;
        Ok(Json(json!({ "deleted": deleted })).into_response())
    });
    acted.answer(answer.await)
}

/// Run `act` on this node's recordings of `app` (its id checked first),
/// on a blocking thread: it reads and deletes files.
async fn with_recordings(
    plane: &Plane,
    app: String,
    act: impl FnOnce(&crate::recordings::Recordings, &str) -> Result<Response, ApiError>
    + Send
    + 'static,
) -> Response {
    if let Err(why) = miniapp_runtime::config::validate_app_id(&app) {
        return ApiError::bad_request(format!("no such app id: {why}")).into_response();
    }
    let host = plane.host.clone();
    let done = tokio::task::spawn_blocking(move || match &host.recordings {
        Some(kept) => act(kept, &app),
        None => Err(ApiError::not_found("this server keeps no recordings")),
    })
    .await;
    match done {
        Ok(Ok(response)) => response,
        Ok(Err(e)) => e.into_response(),
        Err(e) => ApiError::internal(format!("the recordings: {e}")).into_response(),
    }
}

/// `id` if it is a recording id this node makes, else 400.
fn checked_id(id: &str) -> Result<&str, ApiError> {
    match crate::recordings::is_id(id) {
        true => Ok(id),
        false => Err(ApiError::bad_request(format!(
            "`{}` is not a recording id (RECORDED_AT_MS-HEX, as the listing gives them)",
            cut(id)
        ))),
    }
}
