//! News: headlines and articles over HTTP; a refused or failed request is
//! shown to the user, not raised. The article page loads the article its
//! query names (`article?id=2`), whether a headline's navigator or the app
//! opened it.
//!
//! Requests that do not hold the tap (`http::Request::start`, and
//! `http::request`'s WeChat callbacks): `index:fetch-both` sends two at
//! once and shows both bodies when both have come, while other taps
//! (`index:tap`) are handled; `index:fetch` sends one with callbacks, which
//! `index:abort` aborts; `article:fetch` sends one that the article's
//! leaving ends.

use miniapp_sdk::http::{self, Method, Request, RequestTask};
use miniapp_sdk::{App, Error, Event, Launch, PageLoad, Result, json, log, nav, task, view};
use serde::{Deserialize, Serialize};

const DEFAULT_API: &str = "https://news.example.com";

#[derive(Serialize, Deserialize)]
struct Headline {
    id: u32,
    title: String,
}

#[derive(Serialize, Deserialize)]
struct Article {
    id: u32,
    title: String,
    body: String,
}

#[derive(Default)]
struct News {
    api: String,
    /// The request `index:fetch` sent last.
    sending: Option<RequestTask>,
}

fn get_json<T: serde::de::DeserializeOwned>(url: &str) -> Result<T> {
    http::get(url)?.error_for_status()?.json()
}

/// Show a failed call on the current page.
fn show_error(error: &Error) -> Result<()> {
    view::set_data(json!({ "error": error.to_string(), "error_kind": error.kind() }))
}

impl News {
    fn load_headlines(&self) -> Result<()> {
        match get_json::<Vec<Headline>>(&format!("{}/headlines.json", self.api)) {
            Ok(headlines) => view::set_data(json!({ "headlines": headlines, "error": null })),
            Err(e) => {
                view::set("headlines", json!([]))?;
                show_error(&e)
            }
        }
    }

    /// Fill the article page being loaded with article `id`.
    fn load_article(&self, id: Option<&str>) -> Result<()> {
        let Some(id) = id.and_then(|id| id.parse::<u32>().ok()) else {
            return show_error(&Error::app("this page names no article"));
        };
        match get_json::<Article>(&format!("{}/articles/{id}.json", self.api)) {
            Ok(article) => view::set_data(json!({ "article": article, "error": null })),
            Err(e) => show_error(&e),
        }
    }
}

/// Start `GET url` for each of the event's `urls` at once; when all have
/// answered, show their bodies in order as `both`.
fn fetch_all(event: &Event) -> Result<()> {
    let urls: Option<Vec<&str>> = (event.detail["urls"].as_array())
        .and_then(|urls| urls.iter().map(|url| url.as_str()).collect());
    let urls = urls.ok_or_else(|| Error::app("fetch-both needs `urls`, a list of URLs"))?;
    let mut fetches = Vec::new();
    for url in urls {
        match http::get_async(url) {
            Ok(fetch) => fetches.push(fetch),
            // Refused at once: the requests already sent end with `fetches`.
            Err(e) => return show_error(&e),
        }
    }
    task::spawn(async move {
        let mut bodies = Vec::new();
        for fetch in fetches {
            match fetch.await {
                Ok(response) => bodies.push(response.text()),
                Err(e) => return show_error(&e),
            }
        }
        view::set("both", bodies)
    });
    Ok(())
}

/// The event's `url`.
fn detail_url(event: &Event) -> Result<&str> {
    (event.detail["url"].as_str()).ok_or_else(|| Error::app("fetch needs `url`, a URL"))
}

/// Send the event's `url` (with its `timeout_ms`, if any) as `wx.request`
/// does: `fetched` shows the status and size, or `error` why not;
/// `fetch_complete` that it ended either way.
fn fetch_with_callbacks(event: &Event) -> Result<RequestTask> {
    let url = detail_url(event)?;
    let mut request = Request::new(Method::Get, url);
    if let Some(ms) = event.detail["timeout_ms"].as_u64() {
        let ms = u32::try_from(ms).map_err(|_| Error::app("`timeout_ms` is over u32"))?;
        request = request.timeout_ms(ms);
    }
    view::set("fetch_complete", false)?;
    let sending = http::request(request)
        .success(|response| {
            let fetched = json!({ "status": response.status, "bytes": response.body.len() });
            view::set("fetched", fetched)
        })
        .fail(|e| show_error(&e))
        .complete(|| view::set("fetch_complete", true))
        .send();
    Ok(sending)
}

/// Send `GET` the event's `url` from the article page, and log how it ended
/// (`cancelled: page unloaded` if the reader went back first).
fn fetch_from_article(event: &Event) -> Result<()> {
    let url = detail_url(event)?;
    let fetch = http::get_async(url)?;
    task::spawn(async move {
        match fetch.await {
            Ok(response) => log::info(format!("article fetch got {}", response.status)),
            Err(e) => log::info(format!("article fetch ended: {e}")),
        }
        Ok(())
    });
    Ok(())
}

impl App for News {
    fn on_launch(&mut self, launch: &Launch) -> Result<()> {
        let api = launch.query("api").unwrap_or(DEFAULT_API);
        self.api = api.trim_end_matches('/').to_owned();
        self.load_headlines()
    }

    fn on_load(&mut self, page: &PageLoad) -> Result<()> {
        match page.route.as_str() {
            "article" => self.load_article(page.query("id")),
            _ => Ok(()),
        }
    }

    fn on_event(&mut self, event: &Event) -> Result<()> {
        match (event.page.as_str(), event.handler.as_str()) {
            ("index", "refresh") => self.load_headlines(),
            ("index", "open") => {
                // The article page loads the article itself (`on_load`).
                let id = event.id()?;
                if let Err(e) = nav::navigate_to(&format!("article?id={id}")) {
                    show_error(&e)?;
                }
                Ok(())
            }
            ("index", "locate") => match miniapp_sdk::location::get() {
                // Local news: where the reader is (asks for `user-location` consent).
                Ok(position) => {
                    view::set_data(json!({ "position": position, "location_error": null }))
                }
                Err(e) => view::set_data(json!({ "location_error": e.kind() })),
            },
            ("index", "fetch-both") => fetch_all(event),
            ("index", "fetch") => {
                self.sending = Some(fetch_with_callbacks(event)?);
                Ok(())
            }
            ("index", "abort") => {
                if let Some(sending) = self.sending.take() {
                    sending.abort();
                }
                view::set("aborted", true)
            }
            ("index", "tap") => view::set("tapped", true),
            ("article", "fetch") => fetch_from_article(event),
            ("article", "back") => nav::navigate_back(1),
            (page, handler) => Err(Error::app(format!("unknown handler {page}:{handler}"))),
        }
    }
}

miniapp_sdk::export_app!(News);
