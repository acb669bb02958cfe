//! Images and media the host fetches for an app's view take one of the
//! app's `http_concurrency` slots, as its own requests do: an app at its
//! limit cannot make the view fetch beyond it, and a view fetch under way
//! holds a slot the app's own request then cannot take. A loopback server
//! holds the requests it is told to until the test lets them go, so
//! nothing here depends on time.

use std::net::SocketAddr;
use std::sync::Arc;

use miniapp_runtime::{App, ByteRange};
use tokio::sync::{Semaphore, mpsc};

use crate::common::assert_refused;
use crate::http::launch_at;
use crate::loopback::{self, path_of};
use crate::media_remote::app_with;

/// A server on 127.0.0.1: a path starting `/held` is reported on `arrived`
/// and answered once `release` gives a permit; the news headlines, an
/// image and a clip are answered at once (the headlines under `/held`
/// too).
async fn serve(arrived: mpsc::UnboundedSender<String>, release: Arc<Semaphore>) -> SocketAddr {
    loopback::serve(move |request: String| {
        let (arrived, release) = (arrived.clone(), release.clone());
        async move {
            let path = path_of(&request).to_string();
            if path.starts_with("/held") {
                let _ = arrived.send(path.clone());
                release.acquire().await.unwrap().forget();
            }
            let (kind, body): (&str, Vec<u8>) = match path.trim_start_matches("/held") {
                "/headlines.json" => ("application/json", br#"[{"id":1,"title":"Held"}]"#.to_vec()),
                "/pixel.png" => ("image/png", b"\x89PNG".to_vec()),
                _ => ("video/webm", vec![7; 16]),
            };
            (format!("200 OK\r\nContent-Type: {kind}"), body)
        }
    })
    .await
}

/// The server of [`serve`] and the news app declaring it, loopback
/// allowed, at most one request in flight: where held requests arrive, the
/// permits that release them, the origin and the app (in a directory that
/// lives as long as it).
struct Held {
    arrived: mpsc::UnboundedReceiver<String>,
    release: Arc<Semaphore>,
    origin: String,
    app: App,
    _dir: tempfile::TempDir,
}

async fn one_slot() -> Held {
    let (tx, arrived) = mpsc::unbounded_channel();
    let release = Arc::new(Semaphore::new(0));
    let origin = format!("http://{}", serve(tx, release.clone()).await);
    let dir = tempfile::tempdir().unwrap();
    let app = app_with(dir.path(), &origin, "http_concurrency = 1");
    Held {
        arrived,
        release,
        origin,
        app,
        _dir: dir,
    }
}

#[tokio::test]
async fn an_app_at_its_concurrency_limit_cannot_make_the_view_fetch_beyond_it() {
    let mut held = one_slot().await;
    let (origin, app) = (held.origin.clone(), held.app.clone());

    // The app's own request for its headlines is held in flight.
    let launching = tokio::spawn({
        let app = app.clone();
        let api = format!("{origin}/held");
        async move { app.launch(launch_at(&api)).await }
    });
    assert_eq!(held.arrived.recv().await.unwrap(), "/held/headlines.json");
    let image = app.fetch_image(&format!("{origin}/pixel.png")).await;
    let err = image.unwrap_err().to_string();
    assert!(
        err.contains("1 requests of the app are already in flight (quota `http_concurrency`)"),
        "{err}"
    );
    let clip = ByteRange::From {
        start: 0,
        end: None,
    };
    let media = app.fetch_media(&format!("{origin}/clip.webm"), clip).await;
    let err = media.unwrap_err().to_string();
    assert!(err.contains("already in flight"), "{err}");

    // Its request answered, the slot is free again for the view.
    held.release.add_permits(1);
    let inst = launching.await.unwrap().unwrap();
    assert_eq!(inst.page_data()["headlines"][0]["title"], "Held");
    let (kind, _) = app
        .fetch_image(&format!("{origin}/pixel.png"))
        .await
        .unwrap();
    assert_eq!(kind, "image/png");
    let part = app.fetch_media(&format!("{origin}/clip.webm"), clip).await;
    assert_eq!(part.unwrap().bytes, vec![7; 16]);
}

#[tokio::test]
async fn a_view_fetch_under_way_holds_a_slot_the_app_then_cannot_take() {
    let mut held = one_slot().await;
    let (origin, app) = (held.origin.clone(), held.app.clone());

    let image = tokio::spawn({
        let (app, url) = (app.clone(), format!("{origin}/held/pixel.png"));
        async move { app.fetch_image(&url).await }
    });
    assert_eq!(held.arrived.recv().await.unwrap(), "/held/pixel.png");
    // The app's own request finds no slot: it sees quota-exceeded.
    let inst = app.launch(launch_at(&origin)).await.unwrap();
    assert_refused(inst.page_data(), "quota-exceeded", "already in flight");

    held.release.add_permits(1);
    let (kind, _) = image.await.unwrap().unwrap();
    assert_eq!(kind, "image/png");
}
