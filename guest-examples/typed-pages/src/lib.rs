//! Typed pages: each page is a Rust type, and each page on the stack is a
//! value of its own. The home page opens counter pages; a counter page
//! opens another above it, and each keeps its own count (the SDK makes a
//! `Counter` when a counter page loads and drops it when it unloads), shows
//! how often it came on top (`on_show`), and tells the app when it
//! unloads. `later` adds 10 from a callback after the handler, through
//! `page::with_page`.

use miniapp_sdk::{
    App, Error, Event, PageData, PageLoad, Patch, Path, Result, Tap, json, log, nav, page, set,
    task, view, with_app,
};
use serde::{Deserialize, Serialize};

/// The app: the labels of the counter pages that unloaded (app-wide).
#[derive(Default)]
struct TypedPages {
    unloaded: Vec<String>,
}

/// The `plain` page, which is not a typed page: the app's own hooks.
impl App for TypedPages {
    fn on_load(&mut self, page: &PageLoad) -> Result<()> {
        view::set_data(json!({ "greeting": "", "route": page.route }))
    }

    fn on_event(&mut self, event: &Event) -> Result<()> {
        match (event.page.as_str(), event.handler.as_str()) {
            ("plain", "greet") => view::set("greeting", "hello from the app"),
            ("plain", "stock") => stock(),
            (page, handler) => Err(Error::app(format!("unknown handler {page}:{handler}"))),
        }
    }
}

/// The plain page's goods: six, then twelve more appended by index in one
/// patch (`goods[6]` to `goods[17]`, applied in the order set, as WeChat
/// applies setData's keys); then a key over an earlier one under it, where
/// the later wins as written.
fn stock() -> Result<()> {
    let goods = Path::<Vec<String>>::root("goods");
    view::set(
        goods.as_str(),
        (0..6).map(|i| format!("good {i}")).collect::<Vec<_>>(),
    )?;
    let mut more = Patch::new();
    for i in 6..18 {
        more = more.set(goods.clone().at(i), format!("good {i}"))?;
    }
    more.apply()?;
    view::set_data(json!({ "note.text": "first", "note": "whole" }))
}

#[derive(Default, Serialize, PageData)]
struct IndexData {
    opened: u32,
}

/// The home page.
#[derive(Default)]
struct Index {
    opened: u32,
}

/// An element's `data-label`.
#[derive(Deserialize)]
struct Label {
    label: String,
}

#[page("index", data = IndexData)]
impl Index {
    fn on_load(&mut self, _query: &page::Query) -> Result<()> {
        view::set_data(IndexData::default())
    }

    #[handler]
    fn open(&mut self, tap: Tap<Label>) -> Result<()> {
        self.opened += 1;
        set(IndexData::opened(), self.opened)?;
        nav::navigate_to(&format!("counter?label={}", tap.dataset.label))
    }
}

#[derive(Default, Serialize, PageData)]
struct CounterData {
    label: String,
    count: u32,
    shown: u32,
    /// Labels of counters unloaded so far (the app's state).
    unloaded: Vec<String>,
}

/// A counter page: its own label and count.
#[derive(Default)]
struct Counter {
    label: String,
    count: u32,
    shown: u32,
}

#[page("counter", data = CounterData)]
impl Counter {
    fn on_load(&mut self, query: &page::Query) -> Result<()> {
        self.label = query.get("label").unwrap_or("?").to_string();
        let unloaded = with_app(|app: &mut TypedPages| app.unloaded.clone())?;
        view::set_data(CounterData {
            label: self.label.clone(),
            unloaded,
            ..CounterData::default()
        })
    }

    fn on_show(&mut self) -> Result<()> {
        self.shown += 1;
        let unloaded = with_app(|app: &mut TypedPages| app.unloaded.clone())?;
        (Patch::new().set(CounterData::shown(), self.shown)?)
            .set(CounterData::unloaded(), unloaded)?
            .apply()
    }

    fn on_unload(&mut self) -> Result<()> {
        log::info(format!("unload counter {}", self.label));
        let label = self.label.clone();
        with_app(|app: &mut TypedPages| app.unloaded.push(label))
    }

    #[handler]
    fn bump(&mut self, _tap: Tap) -> Result<()> {
        self.count += 1;
        set(CounterData::count(), self.count)
    }

    #[handler]
    fn later(&mut self) -> Result<()> {
        task::next_tick(|| {
            let count = page::with_page(|counter: &mut Counter| {
                counter.count += 10;
                counter.count
            })?;
            set(CounterData::count(), count)
        });
        Ok(())
    }

    #[handler]
    fn open(&mut self, tap: Tap<Label>) -> Result<()> {
        nav::navigate_to(&format!("counter?label={}", tap.dataset.label))
    }

    #[handler]
    fn back(&mut self) -> Result<()> {
        nav::navigate_back(1)
    }
}

miniapp_sdk::export_app!(TypedPages, pages = [Index, Counter]);
