//! Layout: a page that measures itself with WeChat's
//! `createSelectorQuery`. `index:measure` asks the title's bounding rect,
//! every item's size, the photo's scroll offset and what `selector` (in the
//! event's detail, if any) matches, and shows the answer as `measured`
//! (JSON); a refused query shows `refused` instead.
//! Its `attributes` page (no logic) uses the built-in components'
//! documented attributes and the inline `span`, `i` and `a`, as
//! `docs/components.md` lists them.

use miniapp_sdk::selector_query::{self, NodeFields, NodeInfo};
use miniapp_sdk::{App, Error, Event, Launch, Result, task, view};
use serde_json as json;

#[derive(Default)]
struct Layout;

/// One node's answer as JSON, WeChat's names.
fn node(info: &NodeInfo) -> json::Value {
    let mut node = json::Map::new();
    if let Some(id) = &info.id {
        node.insert("id".into(), id.clone().into());
    }
    if let Some(dataset) = &info.dataset {
        let dataset = json::from_str(dataset).unwrap_or(json::Value::Null);
        node.insert("dataset".into(), dataset);
    }
    if let Some((left, top, right, bottom)) = info.rect {
        node.insert("left".into(), left.into());
        node.insert("top".into(), top.into());
        node.insert("right".into(), right.into());
        node.insert("bottom".into(), bottom.into());
    }
    if let Some((width, height)) = info.size {
        node.insert("width".into(), width.into());
        node.insert("height".into(), height.into());
    }
    if let Some((left, top)) = info.scroll_offset {
        node.insert("scrollLeft".into(), left.into());
        node.insert("scrollTop".into(), top.into());
    }
    json::Value::Object(node)
}

/// `index:measure`: the query, answered in a later completion.
fn measure(extra: Option<String>) {
    let mut query = selector_query::create()
        .select("#title")
        .bounding_client_rect()
        .select_all(".list > .item")
        .fields(NodeFields::SIZE | NodeFields::DATASET)
        .select("#photo")
        .scroll_offset();
    if let Some(selector) = extra {
        query = query.select_all(&selector).fields(NodeFields::RECT);
    }
    task::spawn(async move {
        match query.exec().await {
            Ok(lists) => {
                let lists: Vec<json::Value> = (lists.iter())
                    .map(|nodes| nodes.iter().map(node).collect())
                    .collect();
                view::set("measured", json::Value::Array(lists).to_string())
            }
            Err(e) => view::set("refused", e.to_string()),
        }
    });
}

impl App for Layout {
    fn on_launch(&mut self, _launch: &Launch) -> Result<()> {
        view::set("items", ["apples", "pears", "plums"])
    }

    fn on_event(&mut self, event: &Event) -> Result<()> {
        match (event.page.as_str(), event.handler.as_str()) {
            ("index", "measure") => {
                let selector = event.detail.get("selector").and_then(|s| s.as_str());
                measure(selector.map(str::to_owned));
                Ok(())
            }
            (page, handler) => Err(Error::app(format!("unknown handler {page}:{handler}"))),
        }
    }
}

miniapp_sdk::export_app!(Layout);
