//! Where the page's nodes are on the user's screen, for `selector-query`
//! (WeChat's `createSelectorQuery`). The runtime matches the app's
//! selectors against the page as last rendered and asks the provider to
//! measure the nodes that matched, by node id; a host with a screen (the
//! simulator, a `miniapp serve` client) measures them where it draws them.
//! The default, [`EstimatedLayout`], answers the runtime's own estimate.
//! Whatever a provider answers is checked by the runtime before the app
//! sees it (finite numbers, sizes not negative, one answer per node asked),
//! and a provider that does not answer within [`MEASURE_TIMEOUT`] fails
//! the app's query.

use std::time::Duration;

use super::{Asked, ProviderError};

/// How long the runtime waits for a provider's measurement: past it the
/// app's query fails, saying the host did not measure the page in time (a
/// client that never answers holds a pending call this long at most).
pub const MEASURE_TIMEOUT: Duration = Duration::from_secs(5);

/// Where a node is: CSS pixels, its box relative to the top left corner of
/// the page's viewport (as WeChat's `boundingClientRect`), and how far its
/// own content is scrolled (`scrollOffset`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NodeLayout {
    /// Its left edge.
    pub left: f64,
    /// Its top edge.
    pub top: f64,
    /// Its width (not negative).
    pub width: f64,
    /// Its height (not negative).
    pub height: f64,
    /// How far its content is scrolled to the left.
    pub scroll_left: f64,
    /// How far its content is scrolled up.
    pub scroll_top: f64,
}

/// One node to measure.
#[derive(Debug, Clone, PartialEq)]
pub struct LayoutNode {
    /// Its node id in the rendered page (a client's `data-nid`).
    pub node: u32,
    /// The runtime's estimate of its layout (every element a block the
    /// window's width, stacked; nothing scrolled).
    pub estimate: NodeLayout,
}

/// Measures the nodes of an app's top page. Called during the app's call
/// (so a provider that needs the call's context, whose session it is, takes
/// it there); the measurement is made when the returned future is first
/// polled, after the call returned, and is dropped unanswered if the call
/// ends first (its page left).
pub trait LayoutProvider: Send + Sync {
    /// The layout of `nodes` of app `app_id`'s top page, one entry per node
    /// in their order: `None` for a node the screen does not show.
    fn measure(&self, app_id: &str, nodes: Vec<LayoutNode>) -> Asked<Vec<Option<NodeLayout>>>;
}

/// The default: a host with no screen answers the runtime's estimate.
#[derive(Debug, Clone, Copy, Default)]
pub struct EstimatedLayout;

impl LayoutProvider for EstimatedLayout {
    fn measure(&self, _app_id: &str, nodes: Vec<LayoutNode>) -> Asked<Vec<Option<NodeLayout>>> {
        let estimated = nodes.iter().map(|n| Some(n.estimate)).collect();
        Box::pin(std::future::ready(Ok::<_, ProviderError>(estimated)))
    }
}
