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

use crate::catalog::{Phased, make_stable};
use crate::error::{ApiError, Body};
use crate::host::Host;

/// The operators: names and the SHA-256 of their tokens.
#[derive(Clone)]
pub struct Operators {
    tokens: Vec<(String, [u8; 32])>,
}

impl Operators {
    /// Read a token file: one operator per line, `NAME TOKEN`, or a single
    /// token alone (the operator `operator`). Every token must pass
    /// [`token::check`]; a weak one is refused, naming the file, the line,
    /// the rule and how to make a token (never the token).
    pub fn read(path: &FsPath) -> Result<Operators, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("operator token file {}: {e}", path.display()))?;
        Operators::parse(&text, &format!("operator token file {}", path.display()))
    }

    /// [`Operators::read`] of `text`, which came from `source` (a file, an
    /// environment variable: named in errors, the text never).
    pub fn parse(text: &str, source: &str) -> Result<Operators, String> {
        let mut tokens = Vec::new();
        for (line, name, token) in token::entries(text) {
            if let Err(why) = token::check(token) {
                return Err(format!(
                    "{source}:{line}: the token of `{name}` is too weak: {why}; {}",
                    token::HOW_TO_MAKE_ONE
                ));
            }
            tokens.push((name, digest(token)));
        }
        if tokens.is_empty() {
            return Err(format!("{source} holds no token"));
        }
        Ok(Operators { tokens })
    }

    /// The operator whose token this is. Every token is compared, each in
    /// constant time, over digests of equal length.
    fn who(&self, token: &str) -> Option<String> {
        let given = digest(token);
        let mut found = None;
        for (name, known) in &self.tokens {
            if bool::from(known.ct_eq(&given)) {
                found = Some(name.clone());
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

/// Check the token; audit the call with its outcome. A client barred for
/// wrong tokens gets 429 before its token is looked at; a call that carries
/// an `Authorization` header without a valid token counts as a wrong token
/// (one without the header guesses nothing: 401, not counted).
async fn authorize(State(plane): State<Plane>, mut request: Request, next: Next) -> Response {
    let what = format!("{} {}", request.method(), request.uri().path());
    // The client: a trusted proxy's forwarded address, else the peer's
    // (`crate::clients::layer`, set by `crate::Server::start`); without
    // either all callers share one count.
    let peer = (request.extensions().get::<crate::clients::Client>()).map(|c| c.0);
    let peer =
        peer.or_else(|| (request.extensions().get::<ConnectInfo<SocketAddr>>()).map(|c| c.0.ip()));
    let client = backoff::Client::of(peer);
    if let Some(seconds) = plane.backoff.barred(client, Instant::now()) {
        audit(&plane, None, &what, StatusCode::TOO_MANY_REQUESTS);
        let message = format!(
            "too many wrong operator tokens from this address: every call is refused for {seconds} s"
        );
        return ApiError::busy(message, seconds).into_response();
    }
    let operator = bearer(request.headers()).and_then(|t| plane.operators.who(t));
    let Some(operator) = operator else {
        if request.headers().contains_key(header::AUTHORIZATION) {
            plane.backoff.wrong(client, Instant::now());
        }
        audit(&plane, None, &what, StatusCode::UNAUTHORIZED);
        return ApiError::unauthorized().into_response();
    };
    request.extensions_mut().insert(Operator(operator.clone()));
    let response = next.run(request).await;
    if what != "GET /metrics" {
        audit(&plane, Some(&operator), &what, response.status());
    }
    response
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
}

/// Audit an operator call (bounded: see [`crate::operator_audit`]).
fn audit(plane: &Plane, operator: Option<&str>, what: &str, status: StatusCode) {
    if operator.is_some() {
        tracing::info!(target: "miniapp::operator", operator, call = what, status = status.as_u16(), "operator call");
    }
    plane.audit.record(operator, what, status.as_u16());
}

async fn metrics(State(plane): State<Plane>) -> Response {
    let text = plane.host.metrics_text();
    let content_type = "application/openmetrics-text; version=1.0.0; charset=utf-8";
    ([(header::CONTENT_TYPE, content_type)], text).into_response()
}

async fn apps(State(plane): State<Plane>) -> Response {
    Json(json!({ "apps": plane.host.catalog.book().apps })).into_response()
}

async fn app(State(plane): State<Plane>, Path(app): Path<String>) -> Response {
    match plane.host.catalog.app(&app) {
        Some(record) => Json(json!({ "app": app, "record": record })).into_response(),
        None => ApiError::not_found(format!("no app `{app}`")).into_response(),
    }
}

async fn version(
    State(plane): State<Plane>,
    Path((app, version)): Path<(String, String)>,
) -> Response {
    let record = plane.host.catalog.app(&app);
    let found = record.and_then(|r| r.versions.into_iter().find(|v| v.hash == version));
    match found {
        Some(v) => Json(json!({ "app": app, "version": v })).into_response(),
        None => ApiError::not_found(format!("`{app}` has no version {version}")).into_response(),
    }
}

#[derive(Deserialize)]
struct UserQuery {
    user: String,
}

/// Which version a user would get now (or why none).
async fn route(
    State(plane): State<Plane>,
    Path(app): Path<String>,
    Query(query): Query<UserQuery>,
) -> Response {
    match plane.host.catalog.route(&app, &query.user) {
        Ok(version) => Json(json!({ "app": app, "version": version })).into_response(),
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
/// with `warnings` naming each (audited, and logged).
async fn publish(
    State(plane): State<Plane>,
    Extension(Operator(operator)): Extension<Operator>,
    Path(app): Path<String>,
    Query(query): Query<PublishQuery>,
    body: Bytes,
) -> Response {
    let host = plane.host.clone();
    let who = operator.clone();
    // Validation compiles the component: off the async workers.
    let published = tokio::task::spawn_blocking(move || {
        host.catalog
            .publish(&host.runtime, Some(&app), &body, &who, query.allow_denied)
    })
    .await;
    match published {
        Ok(Ok((version, warnings))) => {
            for warning in &warnings {
                let what = format!("published with a denied {warning}");
                tracing::warn!(target: "miniapp::operator", operator, hash = version.hash, "{what}");
                audit(&plane, Some(&operator), &what, StatusCode::CREATED);
            }
            let answer = json!({ "version": version, "warnings": warnings });
            (StatusCode::CREATED, Json(answer)).into_response()
        }
        Ok(Err(e)) => e.into_response(),
        Err(e) => ApiError::internal(format!("publishing failed: {e}")).into_response(),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReleaseBody {
    version: String,
    percent: u8,
    #[serde(default)]
    trial_users: Vec<String>,
}

fn answer(result: Result<crate::catalog::AppRecord, ApiError>) -> Response {
    match result {
        Ok(record) => Json(json!({ "record": record })).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn release(
    State(plane): State<Plane>,
    Path(app): Path<String>,
    Body(body): Body<ReleaseBody>,
) -> Response {
    answer(plane.host.catalog.change(&app, |record| {
        if !record.versions.iter().any(|v| v.hash == body.version) {
            return Err(ApiError::not_found(format!(
                "`{app}` has no version {}",
                body.version
            )));
        }
        if body.percent > 100 {
            return Err(ApiError::bad_request("`percent` is 0 to 100"));
        }
        if record.stable.as_deref() == Some(&body.version) {
            return Err(ApiError::bad_request(format!(
                "{} is already the stable version",
                body.version
            )));
        }
        if let Some(current) = &record.release
            && current.version == body.version
            && body.percent < current.percent
        {
            return Err(ApiError::bad_request(format!(
                "a release only grows: {} is at {}%, not {}% (roll back to stop it)",
                body.version, current.percent, body.percent
            )));
        }
        record.release = Some(Phased {
            version: body.version.clone(),
            percent: body.percent,
            trial_users: body.trial_users.clone(),
        });
        Ok(())
    }))
}

async fn complete(State(plane): State<Plane>, Path(app): Path<String>) -> Response {
    answer(plane.host.catalog.change(&app, |record| {
        let release = (record.release.take())
            .ok_or_else(|| ApiError::bad_request(format!("`{app}` has no release in progress")))?;
        make_stable(record, &release.version);
        Ok(())
    }))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RollbackBody {
    #[serde(default)]
    version: Option<String>,
}

async fn rollback(
    State(plane): State<Plane>,
    Path(app): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    // The body is optional: none rolls back to the last stable version.
    let body: RollbackBody = match body.trim_ascii().is_empty() {
        true => RollbackBody::default(),
        false => match serde_json::from_slice(&body) {
            Ok(body) => body,
            Err(e) => return ApiError::bad_request(format!("the body: {e}")).into_response(),
        },
    };
    answer(plane.host.catalog.change(&app, |record| {
        let target = match &body.version {
            Some(version) if record.history.contains(version) => version.clone(),
            Some(version) => {
                return Err(ApiError::bad_request(format!(
                    "{version} is not one of the last {} stable versions of `{app}`",
                    crate::catalog::ROLLBACK_DEPTH
                )));
            }
            // Without a version: stop the release, or go back one.
            None if record.release.is_some() => record.stable.clone().unwrap_or_default(),
            None => {
                let n = record.history.len();
                (n >= 2)
                    .then(|| record.history[n - 2].clone())
                    .ok_or_else(|| {
                        ApiError::bad_request(format!("`{app}` has no earlier stable version"))
                    })?
            }
        };
        record.release = None;
        make_stable(record, &target);
        Ok(())
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KillBody {
    reason: String,
    #[serde(default)]
    version: Option<String>,
}

async fn kill(
    State(plane): State<Plane>,
    Path(app): Path<String>,
    Body(body): Body<KillBody>,
) -> Response {
    if body.reason.trim().is_empty() || body.reason.len() > 500 {
        return ApiError::bad_request("`reason` is 1 to 500 characters; users see it")
            .into_response();
    }
    answer(plane.host.catalog.change(&app, |record| {
        match body.version {
            Some(version) => {
                record.killed_versions.insert(version, body.reason);
            }
            None => record.killed = Some(body.reason),
        }
        Ok(())
    }))
}

#[derive(Deserialize)]
struct VersionQuery {
    version: Option<String>,
}

async fn revive(
    State(plane): State<Plane>,
    Path(app): Path<String>,
    Query(query): Query<VersionQuery>,
) -> Response {
    answer(plane.host.catalog.change(&app, |record| {
        match query.version {
            Some(version) => {
                record.killed_versions.remove(&version);
            }
            None => record.killed = None,
        }
        Ok(())
    }))
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
    let valid = |v: &str| !v.is_empty() && v.split('.').all(|p| p.parse::<u64>().is_ok());
    if let Some(version) = body.version.as_deref().filter(|v| !valid(v)) {
        return ApiError::bad_request(format!("`{version}` is not a version like 0.2.0"))
            .into_response();
    }
    answer(plane.host.catalog.change(&app, |record| {
        record.min_host_api = body.version;
        Ok(())
    }))
}

async fn lift_quarantine(State(plane): State<Plane>, Path(app): Path<String>) -> Response {
    match plane.host.runtime.lift_quarantine(&app) {
        Ok(lifted) => Json(json!({ "lifted": lifted })).into_response(),
        Err(e) => ApiError::internal(e.to_string()).into_response(),
    }
}

async fn reset_consent(
    State(plane): State<Plane>,
    Path((app, user)): Path<(String, String)>,
) -> Response {
    for scope in miniapp_runtime::config::Scope::ALL {
        let reset = plane.host.runtime.set_consent(
            &app,
            Some(&user),
            scope,
            miniapp_runtime::Consent::NotAsked,
        );
        if let Err(e) = reset {
            return ApiError::internal(e.to_string()).into_response();
        }
    }
    Json(json!({ "reset": Value::Bool(true) })).into_response()
}
