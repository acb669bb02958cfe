//! What the sessions send: each app's workload, a model of its view, and the next event.

use serde_json::{Value, json};

/// The app spinner sessions open.
pub(super) const SPIN_APP: &str = "hostile.spin";

/// What a mix of events drives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Workload {
    Todo,
    Game2048,
    Shop,
    /// `hostile.spin`: taps `#attack`, which spins until the server traps it.
    Spin,
}

impl Workload {
    pub(super) fn parse(name: &str) -> Result<Workload, String> {
        match name.trim() {
            "todo" | "demo.todo" => Ok(Workload::Todo),
            "game2048" | "demo.game2048" => Ok(Workload::Game2048),
            "shop" | "demo.shop" => Ok(Workload::Shop),
            other => Err(format!(
                "--apps: unknown app `{other}` (expected todo, game2048 or shop)"
            )),
        }
    }

    pub(super) fn app_id(self) -> &'static str {
        match self {
            Workload::Todo => "demo.todo",
            Workload::Game2048 => "demo.game2048",
            Workload::Shop => "demo.shop",
            Workload::Spin => SPIN_APP,
        }
    }
}

/// A small deterministic generator (xorshift), one per session.
pub(super) struct Rng(u64);

impl Rng {
    pub(super) fn new(seed: u64) -> Rng {
        Rng((seed + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// A number in `0..n`.
    fn below(&mut self, n: u64) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x % n
    }
}

/// One event to send: on the element `selector` names.
#[derive(Debug, Clone)]
pub(super) struct Action {
    pub(super) selector: &'static str,
    pub(super) kind: &'static str,
    pub(super) detail: Value,
}

impl Action {
    fn tap(selector: &'static str) -> Action {
        Action {
            selector,
            kind: "tap",
            detail: json!({}),
        }
    }
}

/// What a todo event does to the list.
#[derive(Debug, Clone, Copy)]
pub(super) enum TodoStep {
    Add,
    Toggle,
    Remove,
    Clear,
}

/// What a session knows of its app's view, to send only events that apply.
pub(super) enum Model {
    /// The todo items in order, `true` for done.
    Todo(Vec<bool>),
    Game,
    /// The shop's top page.
    Shop(String),
    Spin,
}

impl Model {
    pub(super) fn new(workload: Workload) -> Model {
        match workload {
            Workload::Todo => Model::Todo(Vec::new()),
            Workload::Game2048 => Model::Game,
            Workload::Shop => Model::Shop("index".into()),
            Workload::Spin => Model::Spin,
        }
    }

    /// Take in what a `page` frame shows: its top page's route and nodes.
    pub(super) fn on_page(&mut self, route: Option<&str>, nodes: &Value) {
        match self {
            Model::Todo(items) => {
                items.clear();
                todo_items(nodes, items);
            }
            Model::Shop(shown) => *shown = route.unwrap_or("").to_string(),
            Model::Game | Model::Spin => {}
        }
    }

    /// The next event, and for todo what it does to the list.
    pub(super) fn next(&self, rng: &mut Rng, serial: u64) -> (Action, Option<TodoStep>) {
        match self {
            Model::Todo(items) => {
                let step = todo_step(items, rng);
                (todo_action(step, serial), Some(step))
            }
            Model::Game => (game_action(rng), None),
            Model::Shop(route) => (shop_action(route, rng), None),
            Model::Spin => (Action::tap("#attack"), None),
        }
    }

    /// The event `step` was applied.
    pub(super) fn applied(&mut self, step: Option<TodoStep>) {
        let (Model::Todo(items), Some(step)) = (self, step) else {
            return;
        };
        match step {
            TodoStep::Add => items.push(false),
            TodoStep::Toggle => {
                if let Some(first) = items.first_mut() {
                    *first = !*first;
                }
            }
            TodoStep::Remove if !items.is_empty() => {
                items.remove(0);
            }
            TodoStep::Remove => {}
            TodoStep::Clear => items.retain(|done| !done),
        }
    }
}

/// The todo items under `node` (elements of class `item`; `done` too if done).
fn todo_items(node: &Value, items: &mut Vec<bool>) {
    if let Some(list) = node.as_array() {
        for child in list {
            todo_items(child, items);
        }
        return;
    }
    if !node.is_object() {
        return;
    }
    let class = (node["attrs"].as_array().into_iter().flatten())
        .find(|a| a[0] == "class")
        .and_then(|a| a[1].as_str())
        .unwrap_or("");
    if class.split_whitespace().any(|c| c == "item") {
        items.push(class.split_whitespace().any(|c| c == "done"));
    }
    todo_items(&node["children"], items);
}

/// Add, toggle the first, remove the first or clear the done ones, so that
/// the list stays short.
fn todo_step(items: &[bool], rng: &mut Rng) -> TodoStep {
    let any_done = items.iter().any(|done| *done);
    match (items.len(), rng.below(10)) {
        (0, _) => TodoStep::Add,
        (4.., pick) if any_done && pick < 3 => TodoStep::Clear,
        (4.., _) => TodoStep::Remove,
        (_, 0..=3) => TodoStep::Add,
        (_, 4..=6) => TodoStep::Toggle,
        (_, 9) if any_done => TodoStep::Clear,
        _ => TodoStep::Remove,
    }
}

fn todo_action(step: TodoStep, serial: u64) -> Action {
    match step {
        TodoStep::Add => Action {
            selector: "#new",
            kind: "confirm",
            detail: json!({ "value": format!("item {serial}") }),
        },
        TodoStep::Toggle => Action::tap(".item"),
        TodoStep::Remove => Action::tap(".remove"),
        TodoStep::Clear => Action::tap("#clear"),
    }
}

/// A random move, and a new game now and then.
fn game_action(rng: &mut Rng) -> Action {
    match rng.below(40) {
        0 => Action::tap("#restart"),
        n => Action::tap(["#up", "#down", "#left", "#right"][(n % 4) as usize]),
    }
}

/// Buy, pay (the payment prompt answered allow), back to the shop.
fn shop_action(route: &str, rng: &mut Rng) -> Action {
    match route {
        "checkout" => Action::tap("#pay"),
        "paid" => Action::tap("#back"),
        _ if rng.below(2) == 0 => Action::tap("#buy-tea"),
        _ => Action::tap("#buy-cake"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn todo_items_come_from_the_page_nodes() {
        let item = |class: &str| {
            let attrs = json!([["class", class]]);
            json!({ "id": 1, "tag": "div", "attrs": attrs, "children": [] })
        };
        let nodes = json!([{ "id": 0, "tag": "div", "attrs": [["class", "todo"]],
            "children": [item("item "), item("item done"), { "id": 5, "text": "x" }] }]);
        let mut model = Model::new(Workload::Todo);
        model.on_page(None, &nodes);
        assert!(matches!(&model, Model::Todo(items) if items == &[false, true]));
        model.applied(Some(TodoStep::Clear));
        assert!(matches!(&model, Model::Todo(items) if items == &[false]));
    }
}
