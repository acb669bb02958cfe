//! `miniapp dev` tried by a stranger: every route that serves the app or
//! makes the simulator act or fetch (`/assets/...`, `/remote`, `/ws`,
//! `/api/...`, a picked file's upload too) refuses a request without the
//! run's token, with a wrong one, from a foreign `Origin` or that a browser
//! says is `cross-site` (these two even with the right token); the page's
//! own requests still work.

use reqwest::header::{COOKIE, SET_COOKIE};
use reqwest::{Method, Response};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::dev::Simulator;

/// The routes a stranger would try: method, path (with its own query) and body.
const ROUTES: [(&str, &str, &str); 8] = [
    ("GET", "/assets/pages/index.wxml", ""),
    ("GET", "/remote?url=http%3A%2F%2F127.0.0.1%3A9%2Fa.png", ""),
    ("GET", "/ws", ""),
    ("GET", "/api/state", ""),
    ("POST", "/api/dispatch", r##"{"selector":"#nothing"}"##),
    ("POST", "/api/relaunch", "{}"),
    (
        "GET",
        "/temp?path=wxfile%3A%2F%2Ftmp%2F0123456789abcdef0123456789abcdef",
        "",
    ),
    ("PUT", "/api/prompts/1/files/0", "a picked file"),
];

/// What a stranger sends besides the route.
#[derive(Clone, Copy, Debug)]
enum Stranger {
    NoToken,
    WrongToken,
    /// The right token (leaked), from a page of another origin.
    ForeignOrigin,
    /// The right token (leaked), in a request a browser says is cross-site.
    CrossSite,
}

/// What the guards answer (the handlers never say these).
const GUARDS: [&str; 3] = [
    "a valid `token` query parameter is required",
    "requests from other origins are refused",
    "served to the simulator's page only",
];

async fn send(
    sim: &Simulator,
    (method, path, body): (&str, &str, &str),
    token: Option<&str>,
    headers: &[(&str, &str)],
) -> Response {
    let mut url = format!("{}{path}", sim.base);
    if let Some(token) = token {
        url.push(if path.contains('?') { '&' } else { '?' });
        url.push_str(&format!("token={token}"));
    }
    let mut request = reqwest::Client::new()
        .request(Method::from_bytes(method.as_bytes()).unwrap(), url)
        .body(body.to_string());
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn a_stranger_is_refused_on_every_route_and_the_page_is_served() {
    let sim = Simulator::example("hello");
    let wrong = "0".repeat(sim.token.len());
    let mut served = Vec::new();
    let mut tried = 0;
    for route in ROUTES {
        for stranger in [
            Stranger::NoToken,
            Stranger::WrongToken,
            Stranger::ForeignOrigin,
            Stranger::CrossSite,
        ] {
            let (token, headers): (Option<&str>, &[(&str, &str)]) = match stranger {
                Stranger::NoToken => (None, &[]),
                Stranger::WrongToken => (Some(&wrong), &[]),
                Stranger::ForeignOrigin => (Some(&sim.token), &[("origin", "http://evil.example")]),
                Stranger::CrossSite => (Some(&sim.token), &[("sec-fetch-site", "cross-site")]),
            };
            let response = send(&sim, route, token, headers).await;
            let status = response.status().as_u16();
            let body = response.text().await.unwrap();
            tried += 1;
            let refused = matches!(status, 401 | 403) && GUARDS.iter().any(|g| body.contains(g));
            if !refused {
                served.push(format!(
                    "{} {} {stranger:?}: {status} {body:.80}",
                    route.0, route.1
                ));
            }
        }
    }
    assert!(
        served.is_empty(),
        "requests from a stranger served: {} of {tried}: {served:#?}",
        served.len()
    );

    // The shell page stays public (it holds no app content) and sets the
    // cookie only when loaded with the token.
    let bare = reqwest::get(format!("{}/", sim.base)).await.unwrap();
    assert_eq!(bare.status(), 200);
    assert!(bare.headers().get(SET_COOKIE).is_none());
    let page = reqwest::get(format!("{}/?token={}", sim.base, sim.token))
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let cookie = page.headers()[SET_COOKIE].to_str().unwrap().to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    assert!(!cookie.contains(&sim.token), "the cookie is not the token");
    let pair = cookie.split(';').next().unwrap().to_string();

    // The page's own requests: its files and remote images with the cookie
    // (as the browser sends them), or with the token (a client that is not
    // a browser).
    let asset = ROUTES[0];
    let remote = ROUTES[1];
    let own = [("sec-fetch-site", "same-origin"), ("cookie", pair.as_str())];
    let response = send(&sim, asset, None, &own).await;
    assert_eq!(response.status(), 200);
    assert!(response.text().await.unwrap().contains('<'));
    let response = send(&sim, asset, Some(&sim.token), &[]).await;
    assert_eq!(response.status(), 200);
    // The runtime, not the guard, answers the remote image (this app has no
    // origins: its egress check refuses).
    let response = send(&sim, remote, None, &own).await;
    let body = response.text().await.unwrap();
    assert!(!GUARDS.iter().any(|g| body.contains(g)), "{body}");
    // The instance, not the guard, answers a temp file: this name was
    // never given to it.
    let response = send(&sim, ROUTES[6], None, &own).await;
    assert_eq!(response.status(), 404);
    let body = response.text().await.unwrap();
    assert!(body.contains("is not a temp file of this app"), "{body}");
    // A forged cookie opens nothing, and the cookie opens neither the API
    // nor the socket.
    let forged = format!("{}={}", pair.split('=').next().unwrap(), sim.token);
    let response = send(&sim, asset, None, &[(COOKIE.as_str(), forged.as_str())]).await;
    assert_eq!(response.status(), 401);
    let response = send(&sim, ROUTES[3], None, &own).await;
    assert_eq!(response.status(), 401);
    // The API and the socket with the token, from the page's origin.
    let origin = [
        ("origin", sim.base.as_str()),
        ("sec-fetch-site", "same-origin"),
    ];
    let response = send(&sim, ROUTES[3], Some(&sim.token), &origin).await;
    assert_eq!(response.status(), 200);
    let url = format!(
        "{}/ws?token={}",
        sim.base.replacen("http", "ws", 1),
        sim.token
    );
    let mut request = url.into_client_request().unwrap();
    request
        .headers_mut()
        .insert("origin", sim.base.parse().unwrap());
    request
        .headers_mut()
        .insert("sec-fetch-site", "same-origin".parse().unwrap());
    tokio_tungstenite::connect_async(request)
        .await
        .expect("the page's socket opens");
}

/// An API body is read only for the run's token, and only up to its bound:
/// a stranger's is refused by the guard, the token's over 64 KiB with 413.
#[tokio::test]
async fn an_api_body_is_read_for_the_token_only_and_up_to_its_bound() {
    let sim = Simulator::example("hello");
    let big = format!(r#"{{"path":"{}"}}"#, "a".repeat(100 * 1024));
    let relaunch = ("POST", "/api/relaunch", big.as_str());
    let response = send(&sim, relaunch, None, &[]).await;
    assert_eq!(response.status(), 401);
    let response = send(&sim, relaunch, Some(&sim.token), &[]).await;
    assert_eq!(response.status(), 413);
    let body = response.text().await.unwrap();
    assert!(body.contains("the body is over 64 KiB"), "{body}");
}
