//! The rendered view of an instance's top page, kept by the host: after
//! every guest callback (however many `set-data` calls it made) the page is
//! rendered once from its template and data, and the diff from the previous
//! render is kept for the embedder to send to its renderer.

use miniapp_view::diff::{Op, diff, max_id};
use miniapp_view::render::Tree;

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
    /// Why the last render failed (a render limit), if it did.
    pub error: Option<String>,
}

impl PageView {
    /// Take a new render of page `route` at `depth`.
    pub fn update(&mut self, route: &str, depth: usize, rendered: Result<Tree, String>) {
        let mut tree = match rendered {
            Ok(tree) => tree,
            Err(error) => {
                self.error = Some(error);
                return;
            }
        };
        self.error = None;
        let same_page = self
            .page
            .as_ref()
            .is_some_and(|(r, d)| r == route && *d == depth);
        match (&self.tree, same_page) {
            (Some(old), true) => {
                let ops = diff(old, &mut tree, &mut self.next_id);
                if let Some(pending) = &mut self.ops {
                    pending.extend(ops);
                }
            }
            _ => {
                self.page = Some((route.to_string(), depth));
                self.next_id = max_id(&tree) + 1;
                self.ops = None;
            }
        }
        self.tree = Some(tree);
    }

    /// Forget the view (the instance is gone, or its page has no template).
    pub fn clear(&mut self) {
        *self = PageView::default();
    }

    /// The operations since the last call: `None` if the whole page must be
    /// painted again (a new page, or the first render).
    pub fn take_ops(&mut self) -> Option<Vec<Op>> {
        let ops = self.ops.replace(Vec::new());
        if self.tree.is_none() {
            self.ops = None;
        }
        ops
    }
}
