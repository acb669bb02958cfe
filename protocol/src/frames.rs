//! The frames the host sends (`docs/protocol.md`, "Host to client"): the
//! view frames, a full `page` and the `ops` that patch it, built from an
//! instance's rendered view; the app's `log` lines; the `result` of a
//! client frame and the `error` for one the host could not take. Shared by
//! the simulator and `miniapp serve`, which differ only in where package
//! files and remote images are served ([`Served`]).

use miniapp_runtime::view::diff::Op;
use miniapp_runtime::view::dom;
use miniapp_runtime::{App, AppInstance};
use serde_json::{Value, json};

/// Where a client gets what a page names: package files (`src` and the
/// stylesheet's `url()`) under `assets`, remote images through `remote`
/// (`None`: the URL as the app wrote it, fetched by the client).
#[derive(Debug, Clone)]
pub struct Served {
    /// Prefix of package files, ending in `/` (`/assets/`).
    pub assets: String,
    /// Prefix of remote images, followed by the URL percent-encoded
    /// (`/remote?url=`).
    pub remote: Option<String>,
    /// Prefix of the app's temp files (a download's or a chooser's
    /// `wxfile://tmp/...`, which the view lets an image show), followed by
    /// the path percent-encoded (`/temp?path=`); `None`: the path as the
    /// app wrote it (this server gives a client no way to its bytes).
    pub temp: Option<String>,
}

/// `k=v&...`, each part percent-encoded.
pub fn url_encode(query: &[(String, String)]) -> String {
    query
        .iter()
        .map(|(k, v)| format!("{}={}", url_encode_part(k), url_encode_part(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// `route?k=v&...`, the page a navigation or a launch opens (`route` alone
/// without a query).
pub fn page_url(route: &str, query: &[(String, String)]) -> String {
    match query.is_empty() {
        true => route.to_string(),
        false => format!("{route}?{}", url_encode(query)),
    }
}

/// The page url a launch (`POST /v1/sessions`, a relaunch) opens: `path`
/// as sent; with query pairs, its route followed by them (they replace a
/// query written in `path`); `None`, the home page, for neither.
pub fn launch_url(path: Option<&str>, query: &[(String, String)]) -> Option<String> {
    match (path, query.is_empty()) {
        (path, true) => path.map(str::to_string),
        (path, false) => {
            let route = path.unwrap_or("").split('?').next().unwrap_or("");
            Some(page_url(route, query))
        }
    }
}

/// `text` percent-encoded for a query part.
fn url_encode_part(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The page stack as the protocol sends it.
pub fn stack_json(instance: &AppInstance) -> Value {
    instance
        .pages()
        .iter()
        .map(|p| json!({ "route": p.route, "query": p.query }))
        .collect()
}

/// A full paint of the top page.
pub fn page_frame(served: &Served, app: &App, instance: Option<&AppInstance>) -> Value {
    let Some(instance) = instance else {
        return blank_page_frame(&app.manifest().name);
    };
    let mut nodes = serde_json::to_value(instance.view_tree().map(dom::nodes).unwrap_or_default())
        .unwrap_or_default();
    assets_served_here(served, &mut nodes);
    let route = instance.pages().last().map(|p| p.route.clone());
    json!({
        "type": "page",
        "stack": stack_json(instance),
        // The shown page's window (app.json's, overridden by its json and
        // by its page-meta's navigation-bar).
        "window": route.as_ref().map(|_| instance.shown_window()),
        "tab_bar": tab_bar_json(served, instance),
        "route": route,
        "title": app.manifest().name,
        "nodes": nodes,
        // The compiled stylesheet names package files as `url("PATH")`.
        "style": instance.view_style().map(|css| css.replace("url(\"", &format!("url(\"{}", served.assets))),
        "view_error": instance.view_error(),
    })
}

/// A `subpackage` frame for each subpackage the instance sent its clients
/// since the last call (all it sent so far when `full`: a client that
/// connects later is told them all): its root, name, why (`navigation`
/// or `preload`), the page that sent it, and the URLs of the files under
/// its root a client fetches.
pub fn sub_package_frames(served: &Served, instance: &mut AppInstance, full: bool) -> Vec<Value> {
    let new = instance.take_package_loads();
    let loads = match full {
        true => instance.package_loads().to_vec(),
        false => new,
    };
    (loads.into_iter())
        .map(|load| {
            let files: Vec<String> = (load.files.iter())
                .map(|path| format!("{}{path}", served.assets))
                .collect();
            json!({ "type": "subpackage", "root": load.root, "name": load.name, "by": load.by,
                "page": load.page, "files": files, "bytes": load.bytes })
        })
        .collect()
}

/// A page with no view (no instance runs), titled `title`.
pub fn blank_page_frame(title: &str) -> Value {
    json!({ "type": "page", "stack": [], "route": null, "window": null, "tab_bar": null,
        "title": title, "nodes": [], "style": null, "view_error": null })
}

/// The tab bar as the protocol sends it (app.json's `tabBar`, WeChat's
/// names, with `selected`, `hidden`, `badges`, `dots`), its icons named as
/// this server serves package files; null for an app without one.
pub fn tab_bar_json(served: &Served, instance: &AppInstance) -> Value {
    let Some(bar) = instance.tab_bar() else {
        return Value::Null;
    };
    let mut json = serde_json::to_value(bar).unwrap_or_default();
    if let Some(Value::Array(tabs)) = json.get_mut("list") {
        for tab in tabs.iter_mut().filter_map(Value::as_object_mut) {
            for key in ["iconPath", "selectedIconPath"] {
                if let Some(Value::String(path)) = tab.get_mut(key) {
                    *path = format!("{}{path}", served.assets);
                }
            }
        }
    }
    json
}

/// The view's operations as the protocol sends them: inserted nodes as
/// data, attributes by their HTML names; `None` if one cannot be sent (a
/// node inserted and removed again since), so the page is painted whole.
pub fn ops_frame(served: &Served, instance: &AppInstance, ops: &[Op]) -> Option<Value> {
    let tree = instance.view_tree()?;
    let mut out = Vec::with_capacity(ops.len());
    for op in ops {
        out.push(match op {
            Op::Insert {
                parent, index, id, ..
            } => {
                let mut node = serde_json::to_value(dom::node(dom::find(tree, *id)?)).ok()?;
                assets_served_here(served, &mut node);
                json!({ "op": "insert", "parent": parent, "index": index, "node": node })
            }
            Op::SetAttr { id, name, value } => match dom::attribute_name(tree, *id, name) {
                Some(html) => {
                    let value = value.as_deref().map(|v| served_here(served, html, v));
                    json!({ "op": "set-attr", "id": id, "name": html, "value": value })
                }
                // Kept host-side (or its element is gone again): nothing to paint.
                None => continue,
            },
            other => serde_json::to_value(other).ok()?,
        });
    }
    Some(json!({ "type": "ops", "ops": out, "view_error": instance.view_error() }))
}

/// The view after a callback: `None` if it did not change; its `ops`, or
/// the whole `page` when `full` or when the ops cannot be sent.
pub fn view_frame(
    served: &Served,
    app: &App,
    instance: &mut AppInstance,
    full: bool,
) -> Option<Value> {
    let ops = instance.take_view_ops();
    match ops.filter(|_| !full) {
        Some(ops) if ops.is_empty() => None,
        Some(ops) => Some(
            ops_frame(served, instance, &ops)
                .unwrap_or_else(|| page_frame(served, app, Some(instance))),
        ),
        None => Some(page_frame(served, app, Some(instance))),
    }
}

/// The lines the app logged since the last call, as a `log` frame; `None`
/// if there are none.
pub fn log_frame(instance: &mut AppInstance) -> Option<Value> {
    let records: Vec<Value> = (instance.drain_logs().into_iter())
        .map(|r| json!({ "level": r.level, "source": r.source, "message": r.message }))
        .collect();
    (!records.is_empty()).then(|| json!({ "type": "log", "records": records }))
}

/// The `result` of the client frame `id`: ok without an `error`.
pub fn result_frame(id: u64, error: Option<impl Into<Value>>) -> Value {
    let error = error.map(Into::into);
    json!({ "type": "result", "id": id, "ok": error.is_none(), "error": error })
}

/// The answer to a client frame: its `result` if it has an `id`; without
/// one, an `error` frame if it failed and nothing if it was done.
pub fn reply_frame(id: Option<u64>, outcome: Result<(), impl Into<Value>>) -> Option<Value> {
    match (id, outcome) {
        (Some(id), outcome) => Some(result_frame(id, outcome.err())),
        (None, Err(message)) => Some(error_frame(message)),
        (None, Ok(())) => None,
    }
}

/// The `error` frame: a client frame the host could not take (one without
/// an `id` to answer).
pub fn error_frame(message: impl Into<Value>) -> Value {
    json!({ "type": "error", "message": message.into() })
}

/// Package files named by `src` attributes, as this server serves them
/// (`/assets/PATH`); URLs of the app's origins stay as they are.
fn assets_served_here(served: &Served, nodes: &mut Value) {
    match nodes {
        Value::Array(items) => items.iter_mut().for_each(|n| assets_served_here(served, n)),
        Value::Object(node) => {
            if let Some(Value::Array(attrs)) = node.get_mut("attrs") {
                for attr in attrs.iter_mut() {
                    if let Some([Value::String(name), Value::String(value)]) =
                        attr.as_array_mut().map(Vec::as_mut_slice)
                    {
                        *value = served_here(served, name, value);
                    }
                }
            }
            if let Some(children) = node.get_mut("children") {
                assets_served_here(served, children);
            }
        }
        _ => {}
    }
}

/// An attribute's value as this page needs it: a `src` (or a video's
/// `poster`, an audio's `data-poster`) naming a package
/// file is served at `/assets/PATH`, one at the app's origins through
/// `/remote?url=...` (the runtime fetches it, with the app's egress checks),
/// a temp file of the app at `/temp?path=...`.
fn served_here(served: &Served, name: &str, value: &str) -> String {
    if !matches!(name, "src" | "poster" | "data-poster") {
        return value.to_string();
    }
    if value.starts_with("wxfile://") {
        return match &served.temp {
            Some(temp) => format!("{temp}{}", url_encode_part(value)),
            None => value.to_string(),
        };
    }
    match value.starts_with("https://") || value.starts_with("http://") {
        true => match &served.remote {
            Some(remote) => format!("{remote}{}", url_encode_part(value)),
            None => value.to_string(),
        },
        false => format!("{}{}", served.assets, value.trim_start_matches('/')),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn served(remote: Option<&str>) -> Served {
        Served {
            assets: "/assets/".into(),
            remote: remote.map(String::from),
            temp: remote.map(|_| "/temp?path=".into()),
        }
    }

    #[test]
    fn a_query_is_percent_encoded_part_by_part() {
        let query = [
            ("q".to_string(), "a b&c=d".to_string()),
            ("ñ".to_string(), "~ok-_.".to_string()),
        ];
        assert_eq!(url_encode(&query), "q=a%20b%26c%3Dd&%C3%B1=~ok-_.");
        assert_eq!(url_encode(&[]), "");
        assert_eq!(
            page_url("pages/item", &query[..1]),
            "pages/item?q=a%20b%26c%3Dd"
        );
        assert_eq!(page_url("pages/item", &[]), "pages/item");
        let pairs = [("id".to_string(), "3".to_string())];
        assert_eq!(launch_url(Some("item?id=1"), &pairs).unwrap(), "item?id=3");
        assert_eq!(launch_url(Some("item?id=1"), &[]).unwrap(), "item?id=1");
        assert_eq!(launch_url(None, &[]), None);
    }

    #[test]
    fn package_files_and_remote_images_are_named_as_this_server_serves_them() {
        let mut nodes = json!([{ "id": 1, "tag": "img",
            "attrs": [["src", "/images/a.png"], ["class", "/not/a/src"]],
            "children": [{ "id": 2, "tag": "img", "attrs": [["src", "https://cdn.example/b.png?x=1"]],
                "children": [] }, { "id": 3, "text": "hi" }] }]);
        assets_served_here(&served(Some("/remote?url=")), &mut nodes);
        assert_eq!(nodes[0]["attrs"][0], json!(["src", "/assets/images/a.png"]));
        assert_eq!(nodes[0]["attrs"][1], json!(["class", "/not/a/src"]));
        assert_eq!(
            nodes[0]["children"][0]["attrs"][0][1],
            "/remote?url=https%3A%2F%2Fcdn.example%2Fb.png%3Fx%3D1"
        );
        assert_eq!(nodes[0]["children"][1], json!({ "id": 3, "text": "hi" }));
    }

    #[test]
    fn without_a_remote_prefix_an_image_url_stays_as_the_app_wrote_it() {
        let url = "http://cdn.example/b.png";
        assert_eq!(served_here(&served(None), "src", url), url);
        assert_eq!(served_here(&served(None), "src", "a.png"), "/assets/a.png");
    }

    #[test]
    fn a_temp_file_is_named_as_this_server_serves_it_or_left_as_the_app_wrote_it() {
        let path = format!("wxfile://tmp/{}", "ab".repeat(16));
        assert_eq!(
            served_here(&served(Some("/remote?url=")), "src", &path),
            format!("/temp?path=wxfile%3A%2F%2Ftmp%2F{}", "ab".repeat(16))
        );
        assert_eq!(served_here(&served(None), "src", &path), path);
    }

    #[test]
    fn a_blank_page_has_every_field_of_a_page() {
        assert_eq!(
            blank_page_frame("Todo"),
            json!({ "type": "page", "stack": [], "route": null, "window": null, "tab_bar": null,
                "title": "Todo", "nodes": [], "style": null, "view_error": null })
        );
    }

    #[test]
    fn a_result_is_ok_exactly_when_it_carries_no_error() {
        assert_eq!(
            result_frame(7, None::<String>),
            json!({ "type": "result", "id": 7, "ok": true, "error": null })
        );
        let refused = json!({ "kind": "busy", "message": "later" });
        assert_eq!(
            result_frame(8, Some(refused.clone())),
            json!({ "type": "result", "id": 8, "ok": false, "error": refused })
        );
        assert_eq!(
            error_frame("not a protocol frame"),
            json!({ "type": "error", "message": "not a protocol frame" })
        );
    }

    #[test]
    fn a_reply_without_an_id_is_an_error_or_nothing() {
        let failed: Result<(), &str> = Err("the session ended");
        assert_eq!(
            reply_frame(Some(2), failed),
            Some(result_frame(2, Some("the session ended")))
        );
        assert_eq!(
            reply_frame(None, failed),
            Some(error_frame("the session ended"))
        );
        assert_eq!(reply_frame(None, Ok::<(), String>(())), None);
        let done = reply_frame(Some(3), Ok::<(), String>(())).unwrap();
        assert_eq!(done["ok"], true);
    }
}
