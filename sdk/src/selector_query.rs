//! Questions about the page's layout, as WeChat's
//! `wx.createSelectorQuery()`: [`create`] a query, [`select`](SelectorQuery::select)
//! one node or [`select_all`](SelectorQuery::select_all) of them, ask
//! [`bounding_client_rect`](NodesRef::bounding_client_rect),
//! [`scroll_offset`](NodesRef::scroll_offset) or
//! [`fields`](NodesRef::fields) of them, then [`exec`](SelectorQuery::exec).
//! The host answers from the page as last rendered (what its user sees):
//! a host with a screen (the simulator) measures the nodes where it draws
//! them, relative to the page's viewport; one without estimates their
//! layout: every element a block the window's width, its children
//! stacked; a text in lines 22 pixels high, 8 pixels per ASCII character
//! and 16 per other one, wrapped at the window's width; an `image` 320 by
//! 240; no style read, nothing scrolled. A screen that does not answer
//! within 5 s fails the query ([`Error::Failed`](crate::Error::Failed)).
//!
//! A query asks the nodes one template draws: [`create`] the current
//! page's; [`in_component`](SelectorQuery::in_component) (WeChat's
//! `.in(component)`) or a component's
//! [`this.create_selector_query()`](crate::Instance::create_selector_query)
//! an instance's own template. Neither reaches into the components a
//! template uses (their tags match, by the name the template gives them).
//!
//! ```ignore
//! use miniapp_sdk::{selector_query, task, view};
//!
//! task::spawn(async {
//!     let nodes = selector_query::create()
//!         .select("#total").bounding_client_rect()
//!         .select_all(".item").fields(selector_query::NodeFields::SIZE)
//!         .exec()
//!         .await?;
//!     let total = nodes[0].first().and_then(|n| n.rect);
//!     view::set("totalTop", total.map(|(_, top, _, _)| top))
//! });
//! ```

use crate::Result;
use crate::bindings::miniapp::host::component::Target;
use crate::bindings::miniapp::host::selector_query as host;
use crate::task;

// The host API's own types (the WIT is their one definition).
pub use host::{NodeFields, NodeInfo, NodeRequest};

/// A query being built (`wx.createSelectorQuery()`).
#[derive(Debug, Default)]
#[must_use = "a query asks nothing until it is executed"]
pub struct SelectorQuery {
    requests: Vec<NodeRequest>,
    /// The component instance whose template it asks (`None`: the page's).
    scope: Option<u32>,
}

/// A new, empty query.
#[doc(alias = "createSelectorQuery")]
pub fn create() -> SelectorQuery {
    SelectorQuery::default()
}

/// The nodes a query selected, waiting to be told what to ask of them.
#[derive(Debug)]
#[must_use = "say what to ask of the nodes: bounding_client_rect, scroll_offset or fields"]
pub struct NodesRef {
    query: SelectorQuery,
    selector: String,
    all: bool,
}

impl SelectorQuery {
    /// Ask among the nodes component instance `id`'s own template draws
    /// (WeChat's `.in(component)`); the instance must be on the page
    /// shown, else `exec` fails naming it.
    #[doc(alias = "in")]
    pub fn in_component(mut self, id: u32) -> SelectorQuery {
        self.scope = Some(id);
        self
    }

    /// The first node `selector` matches (`select`): `#id`, `.class`
    /// (`.a.b`), a tag, joined by ` ` or `>`, alternatives by `,`.
    pub fn select(self, selector: &str) -> NodesRef {
        self.nodes(selector, false)
    }

    /// Every node `selector` matches, in document order (`selectAll`).
    pub fn select_all(self, selector: &str) -> NodesRef {
        self.nodes(selector, true)
    }

    fn nodes(self, selector: &str, all: bool) -> NodesRef {
        NodesRef {
            query: self,
            selector: selector.to_owned(),
            all,
        }
    }

    /// Ask the host (`exec`): one list per selection, in order, of what it
    /// asked of each node (an empty list for a `select` that matched
    /// nothing). A query of no selection, or of more than 32, or a
    /// selector the host does not take, is
    /// [`Error::InvalidArgument`](crate::Error::InvalidArgument).
    pub async fn exec(self) -> Result<Vec<Vec<NodeInfo>>> {
        let id = match self.scope {
            Some(instance) => host::query_start_in(Target::Component(instance), &self.requests)?,
            None => host::query_start(&self.requests)?,
        };
        task::completion(id).await?;
        Ok(host::take_nodes(id)?)
    }
}

impl NodesRef {
    /// Its id, dataset, rect and size (`boundingClientRect`).
    pub fn bounding_client_rect(self) -> SelectorQuery {
        let asked = NodeFields::ID | NodeFields::DATASET | NodeFields::RECT | NodeFields::SIZE;
        self.fields(asked)
    }

    /// Its id, dataset and scroll offset (`scrollOffset`).
    pub fn scroll_offset(self) -> SelectorQuery {
        self.fields(NodeFields::ID | NodeFields::DATASET | NodeFields::SCROLL_OFFSET)
    }

    /// The `fields` asked (`fields({id, dataset, rect, size, scrollOffset})`).
    pub fn fields(self, fields: NodeFields) -> SelectorQuery {
        let mut query = self.query;
        query.requests.push(NodeRequest {
            selector: self.selector,
            all: self.all,
            fields,
        });
        query
    }
}
