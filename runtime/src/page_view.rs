//! The rendered view of an instance's top page, kept by the host: after
//! every guest callback that can change what the user sees (however many
//! `set-data` calls it made) the page is rendered once from its template and
//! data, and the diff from the previous render is kept for the embedder to
//! send to its renderer. The tree is charged to the instance's host memory
//! budget, and so are the operations the embedder has not taken yet (past
//! their bound or the budget they are dropped for a whole repaint).

use std::sync::Arc;

use miniapp_view::diff::{Op, diff, max_id};
use std::collections::{BTreeMap, BTreeSet};

use miniapp_view::render::{Tree, VNode};

use crate::limits::HostMemory;

/// Bytes of pending operations (their HTML counted) past which they are
/// dropped and the embedder paints the whole page again instead.
const MAX_PENDING_OPS_BYTES: u64 = 1024 * 1024;

/// Bytes of text the user may have typed into a page's inputs and that the
/// host keeps for a form submit.
const MAX_TYPED_BYTES: usize = 256 * 1024;

/// The last render of the top page, and the operations since the embedder
/// last took them.
#[derive(Debug, Default)]
pub(crate) struct PageView {
    /// Which page the tree is of: its route and depth on the stack.
    page: Option<(String, usize)>,
    /// The last render.
    pub tree: Option<Tree>,
    /// Operations since they were last taken; `None` after a change of
    /// page (the embedder paints the whole page again).
    ops: Option<Vec<Op>>,
    /// The next fresh node id.
    next_id: u32,
    /// Bytes of the pending operations (an estimate).
    ops_bytes: u64,
    /// The budget the tree is charged to, and how much.
    charged: Option<(Arc<HostMemory>, u64)>,
    /// Why the last render failed (a render limit), if it did.
    pub error: Option<String>,
    /// What the user typed into the page's inputs, by node id (what a
    /// browser keeps in its form fields), for a form submit.
    pub typed: BTreeMap<u32, String>,
    /// What the page's `<page-meta>` last set (the bar, the background),
    /// and which page (route, depth) it is of.
    pub meta: Option<((String, usize), crate::capability::page_meta::PageMeta)>,
}

impl PageView {
    /// Take a new render of page `route` at `depth`, charging it to `budget`
    /// (a render the budget refuses is a failed render). Returns whether it
    /// was taken.
    pub fn update(
        &mut self,
        route: &str,
        depth: usize,
        rendered: Result<Tree, String>,
        budget: &Arc<HostMemory>,
    ) -> bool {
        if self
            .charged
            .as_ref()
            .is_some_and(|(charged_to, _)| !Arc::ptr_eq(charged_to, budget))
        {
            // A relaunched instance: a new budget, and a new page.
            self.clear();
        }
        let mut tree = match rendered {
            Ok(tree) => tree,
            Err(error) => {
                self.error = Some(error);
                return false;
            }
        };
        let held = tree.held_bytes();
        // What is charged now: the last tree, then the pending operations.
        let before = self.charged.as_ref().map_or(0, |(_, n)| *n) - self.ops_bytes;
        if held > before {
            if let Err(error) = budget.charge(held - before, "the rendered view") {
                self.error = Some(error);
                return false;
            }
        } else {
            budget.release(before - held);
        }
        self.charged = Some((budget.clone(), held + self.ops_bytes));
        self.error = None;
        let same_page = self
            .page
            .as_ref()
            .is_some_and(|(r, d)| r == route && *d == depth);
        match (&self.tree, same_page) {
            (Some(old), true) => {
                let ops = diff(old, &mut tree, &mut self.next_id);
                self.forget_typed(&ops, &tree);
                if self.ops.is_some() {
                    let added = ops.iter().map(op_bytes).sum::<u64>();
                    if self.charge_ops(self.ops_bytes + added) {
                        self.ops.get_or_insert_default().extend(ops);
                    } else {
                        // Nobody takes them, or the budget is full: a whole
                        // repaint holds nothing until it is asked for.
                        self.charge_ops(0);
                        self.ops = None;
                    }
                }
            }
            _ => {
                self.page = Some((route.to_string(), depth));
                self.typed.clear();
                self.next_id = max_id(&tree) + 1;
                self.charge_ops(0);
                self.ops = None;
            }
        }
        self.tree = Some(tree);
        true
    }

    /// The last render, if it is of page `route` at `depth`: what the next
    /// render of that page may start from.
    pub fn previous(&self, route: &str, depth: usize) -> Option<&Tree> {
        let same = (self.page.as_ref()).is_some_and(|(r, d)| r == route && *d == depth);
        self.tree.as_ref().filter(|_| same)
    }

    /// What the user typed gives way to a value the app sets on that input
    /// (the renderer shows the app's), and goes with its input.
    fn forget_typed(&mut self, ops: &[Op], tree: &Tree) {
        if self.typed.is_empty() {
            return;
        }
        for op in ops {
            if let Op::SetAttr { id, name, .. } = op
                && name == "value"
            {
                self.typed.remove(id);
            }
        }
        // One walk of the tree, not one per typed input.
        fn present(nodes: &[VNode], typed: &BTreeMap<u32, String>, out: &mut BTreeSet<u32>) {
            for node in nodes {
                if let VNode::Element(element) = node {
                    if typed.contains_key(&element.id) {
                        out.insert(element.id);
                    }
                    present(&element.children, typed, out);
                }
            }
        }
        let mut kept = BTreeSet::new();
        present(&tree.nodes, &self.typed, &mut kept);
        self.typed.retain(|id, _| kept.contains(id));
    }

    /// Keep `text`, typed into the input or textarea `node` of the page; an
    /// error if the page keeps more typed text than it may.
    pub fn keep_typed(&mut self, node: u32, text: &str) -> Result<(), String> {
        let others: usize = (self.typed.iter())
            .filter(|(id, _)| **id != node)
            .map(|(_, t)| t.len())
            .sum();
        if others + text.len() > MAX_TYPED_BYTES {
            return Err(format!(
                "the page's inputs would hold over {MAX_TYPED_BYTES} bytes of typed text"
            ));
        }
        self.typed.insert(node, text.to_string());
        Ok(())
    }

    /// Charge the pending operations at `bytes` (more or less than now) to
    /// the budget the tree is charged to; `false`, with nothing changed, if
    /// that is over the pending limit or the budget.
    fn charge_ops(&mut self, bytes: u64) -> bool {
        let Some((budget, held)) = &mut self.charged else {
            self.ops_bytes = 0;
            return bytes == 0;
        };
        if bytes > self.ops_bytes {
            let more = bytes - self.ops_bytes;
            if bytes > MAX_PENDING_OPS_BYTES
                || budget
                    .charge(more, "view operations not yet taken")
                    .is_err()
            {
                return false;
            }
            *held += more;
        } else {
            let less = self.ops_bytes - bytes;
            budget.release(less);
            *held -= less;
        }
        self.ops_bytes = bytes;
        true
    }

    /// Forget the view (the instance is gone, or its page has no template).
    pub fn clear(&mut self) {
        if let Some((budget, held)) = self.charged.take() {
            budget.release(held);
        }
        *self = PageView::default();
    }

    /// The operations since the last call: `None` if the whole page must be
    /// painted again (a new page, or the first render).
    pub fn take_ops(&mut self) -> Option<Vec<Op>> {
        self.charge_ops(0);
        let ops = self.ops.replace(Vec::new());
        if self.tree.is_none() {
            self.ops = None;
        }
        ops
    }
}

impl Drop for PageView {
    fn drop(&mut self) {
        if let Some((budget, held)) = self.charged.take() {
            budget.release(held);
        }
    }
}

/// An estimate of an operation's size, bytes.
fn op_bytes(op: &Op) -> u64 {
    match op {
        Op::Insert { html, .. } => 64 + html.len() as u64,
        Op::SetText { text, .. } => 48 + text.len() as u64,
        Op::SetAttr { name, value, .. } => {
            48 + (name.len() + value.as_ref().map_or(0, String::len)) as u64
        }
        Op::Remove { .. } | Op::Move { .. } => 32,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use miniapp_view::render::{Context, RenderLimits, render};
    use serde_json::json;

    use super::*;

    fn page(data: serde_json::Value) -> Tree {
        let source = r#"<input wx:if="{{show}}" name="who" value="{{who}}"/>"#;
        let template =
            miniapp_view::parse("pages/index.wxml", source, &Default::default()).unwrap();
        let files = BTreeMap::new();
        let context = Context::new(&files, &[], RenderLimits::default());
        render(&template, &data, &context).unwrap()
    }

    #[test]
    fn typed_text_gives_way_to_a_value_the_app_sets_and_goes_with_its_input() {
        let budget = HostMemory::new(1 << 20);
        let mut view = PageView::default();
        view.update(
            "index",
            1,
            Ok(page(json!({"show": true, "who": "a"}))),
            &budget,
        );
        let input = view.tree.as_ref().unwrap().nodes[0].id();
        view.keep_typed(input, "secret").unwrap();
        // A render that does not touch the value keeps what was typed.
        view.update(
            "index",
            1,
            Ok(page(json!({"show": true, "who": "a"}))),
            &budget,
        );
        assert_eq!(view.typed.get(&input).map(String::as_str), Some("secret"));
        // The app sets the value: the renderer shows it, the host forgets the typing.
        view.update(
            "index",
            1,
            Ok(page(json!({"show": true, "who": "cleared"}))),
            &budget,
        );
        assert!(view.typed.is_empty());
        // Text typed into an input that then leaves the page goes with it.
        view.keep_typed(input, "again").unwrap();
        view.update("index", 1, Ok(page(json!({"show": false}))), &budget);
        assert!(view.typed.is_empty());
    }

    #[test]
    fn operations_not_yet_taken_are_charged_until_taken_or_given_up() {
        let budget = HostMemory::new(1 << 20);
        let mut view = PageView::default();
        let shown = |who: &str| page(json!({"show": true, "who": who}));
        view.update("index", 1, Ok(shown("a")), &budget);
        assert_eq!(view.take_ops(), None, "a new page is painted whole");
        let tree = budget.used();
        assert_eq!(tree, view.tree.as_ref().unwrap().held_bytes());
        view.update("index", 1, Ok(shown("b")), &budget);
        view.update("index", 1, Ok(shown("c")), &budget);
        assert_eq!(budget.used(), tree + view.ops_bytes);
        assert!(view.ops_bytes > 0);
        assert_eq!(view.take_ops().map(|ops| ops.len()), Some(2));
        assert_eq!(budget.used(), tree);
        // No room for them: they are given up for a whole repaint, and
        // nothing stays charged for them.
        let tight = HostMemory::new(tree + 1);
        let mut view = PageView::default();
        view.update("index", 1, Ok(shown("a")), &tight);
        view.take_ops();
        assert!(view.update("index", 1, Ok(shown("b")), &tight));
        assert_eq!(tight.used(), tree);
        assert_eq!(view.take_ops(), None);
        drop(view);
        assert_eq!(tight.used(), 0);
    }
}
