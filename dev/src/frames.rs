//! The protocol's view frames (`docs/protocol.md`): a full `page`, and the
//! `ops` that patch it, built from an instance's rendered view. Shared by
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
}

/// `k=v&...`, each part percent-encoded.
pub fn url_encode(query: &[(String, String)]) -> String {
    query
        .iter()
        .map(|(k, v)| format!("{}={}", url_encode_part(k), url_encode_part(v)))
        .collect::<Vec<_>>()
        .join("&")
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
        return json!({ "type": "page", "stack": [], "route": null, "title": app.manifest().name,
            "nodes": [], "style": null, "view_error": null });
    };
    let mut nodes = serde_json::to_value(instance.view_tree().map(dom::nodes).unwrap_or_default())
        .unwrap_or_default();
    assets_served_here(served, &mut nodes);
    json!({
        "type": "page",
        "stack": stack_json(instance),
        "route": instance.pages().last().map(|p| p.route.clone()),
        "title": app.manifest().name,
        "nodes": nodes,
        // The compiled stylesheet names package files as `url("PATH")`.
        "style": instance.view_style().map(|css| css.replace("url(\"", &format!("url(\"{}", served.assets))),
        "view_error": instance.view_error(),
    })
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

/// An attribute's value as this page needs it: a `src` naming a package
/// file is served at `/assets/PATH`, one at the app's origins through
/// `/remote?url=...` (the runtime fetches it, with the app's egress checks).
fn served_here(served: &Served, name: &str, value: &str) -> String {
    if name != "src" {
        return value.to_string();
    }
    match value.starts_with("https://") || value.starts_with("http://") {
        true => match &served.remote {
            Some(remote) => format!("{remote}{}", url_encode_part(value)),
            None => value.to_string(),
        },
        false => format!("{}{}", served.assets, value.trim_start_matches('/')),
    }
}
