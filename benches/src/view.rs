//! The view-layer phases: the todo page with 1,000 items rendered whole
//! (`render_first`), one item toggled and diffed (`render_toggle`), and a
//! tap resolved through the rendered page to the app and back to operations
//! (`event_through_view`). Each beside a baseline measured in the same run.

use std::collections::BTreeMap;

use miniapp_runtime::view::deps::Changes;
use miniapp_runtime::view::diff::{diff, max_id};
use miniapp_runtime::view::events::ViewEvent;
use miniapp_runtime::view::render::{Context, RenderLimits, VNode, render, render_changed};
use miniapp_runtime::view::{Limits, html, parse};
use miniapp_runtime::{Event, LaunchOptions, Policy, Runtime};
use serde_json::{Value, json};

use crate::phases::{time_n, time_n_async};
use crate::report::PhaseReport;

/// Items on the benchmarked page.
const ITEMS: usize = 1000;

fn todo_data(done: Option<usize>) -> Value {
    let todos: Vec<Value> = (0..ITEMS)
        .map(|i| json!({"id": i + 1, "title": format!("todo number {i}"), "done": Some(i) == done}))
        .collect();
    json!({"todos": todos, "left": ITEMS})
}

/// `render_first`: the todo page with 1,000 items rendered to HTML.
pub fn render_first(n: usize) -> anyhow::Result<PhaseReport> {
    Ok(render_phases(n, false)?.remove(0))
}

/// `render_toggle`: one item of 1,000 toggled, rendered and diffed.
pub fn render_toggle(n: usize) -> anyhow::Result<PhaseReport> {
    Ok(render_phases(n, true)?.remove(0))
}

/// `render_first` (or, with `toggle`, `render_toggle`) on the todo
/// example's page template.
fn render_phases(n: usize, toggle: bool) -> anyhow::Result<Vec<PhaseReport>> {
    let package = crate::example("todo")?;
    let source = package
        .assets
        .get("pages/index.wxml")
        .ok_or_else(|| anyhow::anyhow!("the todo example has no pages/index.wxml"))?;
    let template = parse(
        "pages/index.wxml",
        std::str::from_utf8(source)?,
        &Limits::default(),
    )
    .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let files = BTreeMap::new();
    let context = Context::new(&files, &[], RenderLimits::default());
    let data = todo_data(None);
    if toggle {
        return Ok(vec![toggle_report(&template, &context, &data, n)?]);
    }
    // render_first: the whole page to HTML, beside serializing its data to
    // JSON (what any host does at least to ship the data to a renderer).
    let first = time_n(n, || {
        let tree = render(&template, &data, &context).map_err(|e| anyhow::anyhow!("{e}"))?;
        std::hint::black_box(html::to_html(&tree));
        Ok(())
    })?;
    let json = time_n(n, || {
        std::hint::black_box(serde_json::to_string(&data)?);
        Ok(())
    })?;
    Ok(vec![PhaseReport::timed(
        "demo.todo",
        "render_first",
        first,
        Some(("serialize-data", json)),
    )])
}

fn toggle_report(
    template: &miniapp_runtime::view::ast::Template,
    context: &Context<'_>,
    data: &Value,
    n: usize,
) -> anyhow::Result<PhaseReport> {
    // render_toggle: one item's `done` patched, the page rendered again from
    // the previous render and the changed path (as the runtime does after a
    // set-data) and diffed against it, the operations written as JSON;
    // beside serializing the whole page's data (what resending the page
    // costs at least). The next fresh id is kept beside the tree, as the
    // runtime's page view keeps it.
    let old = render(template, data, context).map_err(|e| anyhow::anyhow!("{e}"))?;
    let next_id = max_id(&old) + 1;
    let changes = Changes::from_keys(["todos[500].done"]);
    let mut ops_bytes = 0;
    let mut toggled = data.clone();
    let toggle = time_n(n, || {
        toggled["todos"][500]["done"] = json!(true);
        let mut new = render_changed(template, &toggled, context, &old, &changes)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let mut next = next_id;
        let ops = diff(&old, &mut new, &mut next);
        ops_bytes = serde_json::to_string(&ops)?.len();
        toggled["todos"][500]["done"] = json!(false);
        Ok(())
    })?;
    let page = time_n(n, || {
        std::hint::black_box(serde_json::to_string(data)?);
        Ok(())
    })?;
    let mut report = PhaseReport::timed(
        "demo.todo",
        "render_toggle",
        toggle,
        Some(("serialize-data", page)),
    );
    report.note = Some(format!(
        "{ops_bytes} bytes of operations (JSON) for one toggled item of {ITEMS}"
    ));
    Ok(report)
}

/// `event_through_view`: a tap on an item of the todo page (1,000 items),
/// resolved through the rendered page to the app's `toggle`, rendered and
/// diffed; beside the same toggle dispatched straight to the app (which is
/// rendered and diffed too).
pub fn event_through_view(n: usize) -> anyhow::Result<PhaseReport> {
    let package = crate::example("todo")?;
    let dir = tempfile::tempdir()?;
    let mut policy = Policy::default();
    policy.grant_declared(&package.manifest);
    let runtime = Runtime::builder(dir.path()).policy(policy).build()?;
    let app = runtime.load(package)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let mut instance = app.launch(LaunchOptions::default()).await?;
        for i in 0..ITEMS {
            let add = Event::tap("index", "add").with_detail(json!({"title": format!("todo {i}")}));
            instance.dispatch(&add).await?;
        }
        let tree = instance
            .view_tree()
            .ok_or_else(|| anyhow::anyhow!("the todo page did not render"))?;
        let item = item_node(&tree.nodes, 500).ok_or_else(|| anyhow::anyhow!("no item 500"))?;
        let tap = ViewEvent {
            node: item,
            kind: "tap".into(),
            detail: json!({}),
        };
        let samples = (n / 10).max(10);
        let through = time_n_async(samples, async || {
            instance.dispatch_view(&tap).await?;
            std::hint::black_box(instance.take_view_ops());
            Ok(())
        })
        .await?;
        let direct_event = Event::tap("index", "toggle").with_detail(json!({"id": 501}));
        let direct = time_n_async(samples, async || {
            instance.dispatch(&direct_event).await?;
            std::hint::black_box(instance.take_view_ops());
            Ok(())
        })
        .await?;
        anyhow::Ok(PhaseReport::timed(
            "demo.todo",
            "event_through_view",
            through,
            Some(("event-straight-to-app", direct)),
        ))
    })
}

/// The node id of the `index`-th keyed item (a todo row).
fn item_node(nodes: &[VNode], index: usize) -> Option<u32> {
    fn keyed(nodes: &[VNode], out: &mut Vec<u32>) {
        for node in nodes {
            if let VNode::Element(e) = node {
                if e.key.is_some() {
                    out.push(e.id);
                }
                keyed(&e.children, out);
            }
        }
    }
    let mut items = Vec::new();
    keyed(nodes, &mut items);
    items.get(index).copied()
}
