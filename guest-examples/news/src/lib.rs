//! News: headlines and articles over HTTP; a refused or failed request is
//! shown to the user, not raised. The article page loads the article its
//! query names (`article?id=2`), whether a headline's navigator or the app
//! opened it.

use miniapp_sdk::{App, Error, Event, Launch, PageLoad, Result, json, nav, view};
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
            ("article", "back") => nav::navigate_back(1),
            (page, handler) => Err(Error::app(format!("unknown handler {page}:{handler}"))),
        }
    }
}

miniapp_sdk::export_app!(News);
