//! The view phases of the benches crate (`render_first`, `render_toggle`)
//! reproduced on the todo example's page with 1,000 items, timed with
//! `Instant`, each beside serializing the page's data (the baseline the
//! benches report beside `render_first`).
//!
//! The same list drawn as 1,000 custom components (`<todo-item>`), one
//! property of one changed: a full render and diff beside `render_changed`
//! (which takes every other item's subtree from the previous tree).
//!
//! Run: `cargo bench -p miniapp-view --bench render [-- SAMPLES] [first]`
//! (`first`: only `render_first`, `toggle`: only `render_changed`'s toggle,
//! for a profiler).

/// The allocator `miniapp` ships (cli/src/main.rs), so that the harness
/// measures the render the bench phases measure.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use std::sync::Arc;

use miniapp_view::ast::Template;
use miniapp_view::component::{Definition, Kind, Property};
use miniapp_view::diff::{Op, diff, max_id};
use miniapp_view::render::{Changes, Context, RenderLimits, Tree, render, render_changed};
use miniapp_view::{Limits, html, parse};
use serde_json::{Value, json};

/// Items on the page.
const ITEMS: usize = 1000;

/// The item toggled.
const TOGGLED: usize = 500;

/// The page's data: `ITEMS` todos, none done.
fn todo_data() -> Value {
    let todos: Vec<Value> = (0..ITEMS)
        .map(|i| json!({"id": i + 1, "title": format!("todo number {i}"), "done": false}))
        .collect();
    json!({"todos": todos, "left": ITEMS})
}

/// Percentiles of a run of samples.
struct Stats {
    p50: Duration,
    p90: Duration,
}

/// Time `n` calls of `f` (after a few to warm up).
fn time_n(n: usize, mut f: impl FnMut()) -> Stats {
    for _ in 0..n.div_ceil(10) {
        f();
    }
    let mut samples: Vec<Duration> = (0..n)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    samples.sort_unstable();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    Stats {
        p50: at(0.5),
        p90: at(0.9),
    }
}

fn report(name: &str, stats: &Stats, baseline: &Stats) {
    println!(
        "{name:<28} p50 {:>8.1}µs  p90 {:>8.1}µs  p50/baseline {:>6.2}",
        stats.p50.as_secs_f64() * 1e6,
        stats.p90.as_secs_f64() * 1e6,
        stats.p50.as_secs_f64() / baseline.p50.as_secs_f64()
    );
}

fn render_page(template: &Template, data: &Value, context: &Context<'_>) -> Tree {
    render(template, data, context).expect("the todo page renders")
}

/// Render `toggled` in full and diff it against `old`. The next fresh id
/// is known, as the runtime keeps it beside its tree (`max_id` walks the
/// whole tree).
fn full_toggle(
    template: &Template,
    (old, mut next): (&Tree, u32),
    toggled: &Value,
    context: &Context<'_>,
) -> Vec<Op> {
    let mut new = render_page(template, toggled, context);
    diff(old, &mut new, &mut next)
}

/// Render `toggled` from `old` and the toggled path, and diff (`next`:
/// as above).
fn changed_toggle(
    template: &Template,
    (old, mut next): (&Tree, u32),
    toggled: &Value,
    context: &Context<'_>,
    changes: &Changes,
) -> Vec<Op> {
    let mut new = render_changed(template, toggled, context, old, changes).expect("it renders");
    diff(old, &mut new, &mut next)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let samples: usize = args.iter().find_map(|a| a.parse().ok()).unwrap_or(1000);
    // `first`: only render_first (for a profiler).
    let only_first = args.iter().any(|a| a == "first");
    let only_toggle = args.iter().any(|a| a == "toggle");
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../guest-examples/todo/pages/index.wxml"
    );
    let source = std::fs::read_to_string(path).expect("the todo example's template");
    let template = parse("pages/index.wxml", &source, &Limits::default()).expect("it parses");
    let files = BTreeMap::new();
    let context = Context::new(&files, &[], RenderLimits::default());
    let data = todo_data();
    let mut toggled = data.clone();
    toggled["todos"][TOGGLED]["done"] = json!(true);

    let baseline = time_n(samples, || {
        black_box(serde_json::to_string(&data).expect("JSON"));
    });
    let changes = Changes::from_keys([format!("todos[{TOGGLED}].done")]);
    if only_toggle {
        let old = render_page(&template, &data, &context);
        let old = (&old, max_id(&old) + 1);
        let changed = time_n(samples, || {
            black_box(changed_toggle(&template, old, &toggled, &context, &changes));
        });
        report("toggle: render_changed+diff", &changed, &baseline);
        return;
    }
    let first = time_n(samples, || {
        black_box(html::to_html(&render_page(&template, &data, &context)));
    });
    if only_first {
        report("render_first: render+HTML", &first, &baseline);
        return;
    }
    let old = render_page(&template, &data, &context);
    let old = (&old, max_id(&old) + 1);
    let full = time_n(samples, || {
        black_box(full_toggle(&template, old, &toggled, &context));
    });
    let ops = full_toggle(&template, old, &toggled, &context);
    let ops_bytes = serde_json::to_string(&ops).expect("JSON").len();
    let changed = time_n(samples, || {
        black_box(changed_toggle(&template, old, &toggled, &context, &changes));
    });
    let changed_ops = changed_toggle(&template, old, &toggled, &context, &changes);
    assert_eq!(
        changed_ops, ops,
        "render_changed gives the full render's operations"
    );
    let changed_bytes = serde_json::to_string(&changed_ops).expect("JSON").len();

    println!("{ITEMS} items, {samples} samples each");
    report("serialize data (baseline)", &baseline, &baseline);
    report("render_first: render+HTML", &first, &baseline);
    report("toggle: full render+diff", &full, &baseline);
    report("toggle: render_changed+diff", &changed, &baseline);
    println!(
        "toggle ops: {} ops, {ops_bytes} bytes of JSON (render_changed: {changed_bytes} bytes)",
        ops.len()
    );
    components(samples, &data, &toggled, &changes, &baseline);
}

/// The list as `ITEMS` `<todo-item>` components: a full render and diff,
/// and `render_changed`, after one item's `done` changed.
fn components(samples: usize, data: &Value, toggled: &Value, changes: &Changes, baseline: &Stats) {
    let limits = Limits {
        custom_components: true,
        ..Limits::default()
    };
    let item = r#"<view class="todo"><switch checked="{{done}}"/><text class="{{done ? 'done' : ''}}">{{title}}</text></view>"#;
    let page = r#"<view class="list"><todo-item wx:for="{{todos}}" wx:key="id" title="{{item.title}}" done="{{item.done}}"/></view>"#;
    let file = "components/item/item.wxml".to_string();
    let mut files = BTreeMap::new();
    files.insert(
        file.clone(),
        parse(&file, item, &limits).expect("it parses"),
    );
    let template = parse("pages/index.wxml", page, &limits).expect("it parses");
    let path: Arc<str> = "components/item/item".into();
    let property = |name: &str, kind| Property {
        name: name.into(),
        kind,
        optional: Vec::new(),
        default: None,
    };
    let definition = Definition {
        path: path.clone(),
        template: file,
        properties: vec![
            property("title", Kind::String),
            property("done", Kind::Boolean),
        ],
        data: json!({}),
        ..Definition::default()
    };
    let definitions = BTreeMap::from([(path.clone(), definition)]);
    let using = BTreeMap::from([("todo-item".to_string(), path)]);
    let context = Context {
        components: &definitions,
        using: &using,
        ..Context::new(&files, &[], RenderLimits::default())
    };
    let old = render_page(&template, data, &context);
    let old = (&old, max_id(&old) + 1);
    let full = time_n(samples, || {
        black_box(full_toggle(&template, old, toggled, &context));
    });
    let changed = time_n(samples, || {
        black_box(changed_toggle(&template, old, toggled, &context, changes));
    });
    let ops = changed_toggle(&template, old, toggled, &context, changes);
    assert_eq!(ops, full_toggle(&template, old, toggled, &context));
    report("components: full render+diff", &full, baseline);
    report("components: render_changed", &changed, baseline);
    println!("components toggle ops: {}", ops.len());
}
