//! News: headlines and articles over HTTP; a refused or failed request is
//! shown to the user, not raised.

use miniapp_sdk::{App, Error, Event, Launch, Result, json, nav, view};
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

#[derive(Deserialize)]
struct Open {
    id: u32,
}

#[derive(Default)]
struct News {
    api: String,
}

fn get_json<T: serde::de::DeserializeOwned>(url: &str) -> Result<T> {
    miniapp_sdk::http::get(url)?.error_for_status()?.json()
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

    fn open(&self, id: u32) -> Result<()> {
        let article = nav::navigate_to(&format!("article?id={id}"))
            .and_then(|()| get_json::<Article>(&format!("{}/articles/{id}.json", self.api)));
        match article {
            Ok(article) => view::set("article", article),
            Err(e) => show_error(&e),
        }
    }
}

impl App for News {
    fn on_launch(&mut self, launch: &Launch) -> Result<()> {
        let api = launch.query("api").unwrap_or(DEFAULT_API);
        self.api = api.trim_end_matches('/').to_owned();
        self.load_headlines()
    }

    fn on_event(&mut self, event: &Event) -> Result<()> {
        match (event.page.as_str(), event.handler.as_str()) {
            ("index", "refresh") => self.load_headlines(),
            ("index", "open") => {
                let Open { id } = event.detail_as()?;
                self.open(id)
            }
            ("index", "locate") => match miniapp_sdk::location::get() {
                // Local news: where the reader is (asks for `user-location` consent).
                Ok(position) => view::set_data(json!({ "position": position })),
                Err(e) => view::set_data(json!({ "location_error": e.kind() })),
            },
            ("article", "back") => nav::navigate_back(1),
            (page, handler) => Err(Error::app(format!("unknown handler {page}:{handler}"))),
        }
    }
}

miniapp_sdk::export_app!(News);
