//! The instance's view: the top page rendered from its template and data,
//! what the embedder reads of it, events the renderer reports (turned into
//! the handlers they call), host patches of the data and template reloads.

use super::{AppInstance, Chain};
use crate::app::App;
use crate::audit::AuditEvent;
use crate::capability::log::{LogLevel, LogSource};
use crate::capability::nav::{DataTarget, NavCtx};
use crate::capability::page_meta;
use crate::error::Error;
use crate::event::Event;
use crate::usage::UsageCounters;
use miniapp_view::events::{
    Dispatch, EventError, Resolved, ViewEvent, model_patch, resolve_with_form_fields,
};
use miniapp_view::render::Host;

impl AppInstance {
    /// Render the top page from its template and data, if it has a template:
    /// from its previous render and the data paths changed since, when the
    /// view holds one of this page.
    pub(super) fn render(&mut self) {
        let Some(live) = &mut self.live else {
            self.view.clear();
            return;
        };
        let state = live.store.data_mut();
        let depth = state.nav.pages.pages().len();
        let from = RenderedFrom::of(state, depth);
        if state.rendered_from == Some(from) && self.view_is_current(&from) {
            // Nothing it is made from changed: the same tree, no operation.
            return;
        }
        // The host's rendering and diffing are the app's CPU too (bounded
        // per render by the render limits).
        let start = std::time::Instant::now();
        let Some(live) = &mut self.live else {
            return;
        };
        let state = live.store.data_mut();
        state.rendered_from = None;
        let budget = &state.host_memory;
        let (top, _) = state.nav.pages.top_mut();
        let previous = (self.view.previous(&top.route, depth)).map(|tree| (tree, &top.changes));
        let mut updated = false;
        let rendered = (self.app).render_with(&top.route, &top.data, previous, &top.components);
        match rendered {
            Some(rendered) => {
                if self.view.update(&top.route, depth, rendered, budget) {
                    top.rendered();
                    updated = true;
                }
            }
            None => self.view.clear(),
        }
        let shown = self.view.tree.as_ref().map(|tree| &tree.nodes[..]);
        live.store.data_mut().selector_query.rendered(shown);
        let serial = live.store.data().nav.pages.top().serial;
        (live.store.data_mut().nav.components).rendered(serial, self.view.tree.as_ref());
        if updated {
            self.compare_instances();
        }
        self.scopes_to_queries();
        let meta_drawn = self.apply_page_meta();
        if let Some(live) = &mut self.live {
            let state = live.store.data_mut();
            // A render that failed, a comparison that failed or a page-meta
            // that was refused is done again (and reported) next time.
            let clean = updated && meta_drawn && state.nav.components.failed.is_none();
            state.rendered_from = clean.then_some(from);
        }
        UsageCounters::add(&self.app.usage.cpu_ns, start.elapsed().as_nanos() as u64);
    }

    /// Whether the view holds a render of the top page that a render now
    /// would give again, node for node: made from the same inputs
    /// (`from`, checked by the caller), and no data path of the page or of
    /// its component instances changed since (the render took every one).
    fn view_is_current(&self, from: &RenderedFrom) -> bool {
        let Some(live) = &self.live else {
            return false;
        };
        let top = live.store.data().nav.pages.top();
        top.changes.is_empty()
            && top.serial == from.serial
            && self.view.error.is_none()
            && self.view.previous(&top.route, from.depth).is_some()
    }

    /// Tell the selector queries the top page's serial and its instances
    /// (after the comparison gave the new ones their ids).
    fn scopes_to_queries(&mut self) {
        let Some(live) = &mut self.live else {
            return;
        };
        let state = live.store.data_mut();
        let top = state.nav.pages.top();
        let ids = (top.components.keys()).map(|(id, key)| (id, key.clone()));
        state.selector_query.scopes(top.serial, ids.collect());
    }

    /// Set the host's navigation bar by the top page's `<page-meta>`
    /// `<navigation-bar>` as last rendered, sending only what changed since
    /// that page's previous render ([`page_meta`]); a value WeChat's calls
    /// would refuse is not drawn, and the app's log says why.
    /// Returns `false` if a value was refused (and logged).
    fn apply_page_meta(&mut self) -> bool {
        let Some(live) = &self.live else {
            return true;
        };
        let top = live.store.data().nav.pages.top();
        let page = (top.route.clone(), live.store.data().nav.pages.pages().len());
        let Some(tree) = self.view.previous(&page.0, page.1) else {
            return true;
        };
        let window = self.app.windows.get(&page.0).cloned().unwrap_or_default();
        let before = (self.view.meta.as_ref()).and_then(|(at, bar)| (*at == page).then_some(bar));
        let width = page_meta::window_width(&live.store.data().device);
        match page_meta::read(tree, &window, width) {
            Ok(Some(bar)) => {
                let host_ui = &self.app.services.providers.host_ui;
                for ui in page_meta::changes(before, &bar) {
                    host_ui.show(&self.app.manifest.id, ui);
                }
                self.view.meta = Some((page, bar));
                true
            }
            Ok(None) => {
                self.view.meta = None;
                true
            }
            Err(why) => {
                let log = &live.store.data().log;
                let mut log = log.lock().unwrap_or_else(|e| e.into_inner());
                let _ = log.push(
                    LogLevel::Warn,
                    LogSource::Host,
                    &format!("page-meta: {why}"),
                );
                false
            }
        }
    }

    /// The top page's window as shown: [`window`](Self::window) with what
    /// its `<page-meta>`'s `<navigation-bar>` set at its last render (its
    /// title and colours, as WeChat's window keys).
    pub fn shown_window(&self) -> miniapp_config::Window {
        let mut window = self.window();
        let depth = self.pages().len();
        if let (Some(top), Some(((route, at), bar))) = (self.pages().last(), &self.view.meta)
            && (route, *at) == (&top.route, depth)
        {
            bar.onto(&mut window);
        }
        window
    }

    /// The top page as HTML, as last rendered (`None` if it has no
    /// template, or while a trap has discarded the instance).
    pub fn view_html(&self) -> Option<String> {
        self.view.tree.as_ref().map(miniapp_view::html::to_html)
    }

    /// The top page's stylesheet (`app.wxss` and its own, compiled and made
    /// safe at load), if it has one. Written for a view drawn apart from the
    /// embedder's own UI (a shadow root or a frame): its selectors are not
    /// scoped.
    pub fn view_style(&self) -> Option<&str> {
        let top = self.pages().last()?;
        self.app.styles.get(&top.route).map(String::as_str)
    }

    /// The top page's view tree, as last rendered.
    pub fn view_tree(&self) -> Option<&miniapp_view::render::Tree> {
        self.view.tree.as_ref()
    }

    /// Why the last render of the top page failed (a render limit), if it did;
    /// the view then stays as it was.
    pub fn view_error(&self) -> Option<&str> {
        self.view.error.as_deref()
    }

    /// The diff operations since the last call, which turn the view the
    /// embedder has into the current one; `None` when it must paint the
    /// whole page again ([`view_html`](Self::view_html)): the first render,
    /// or another page.
    pub fn take_view_ops(&mut self) -> Option<Vec<miniapp_view::diff::Op>> {
        self.view.take_ops()
    }

    /// Dispatch an event the renderer reports (node, type, detail): the host
    /// finds the handlers bound on that node in its own tree and calls them
    /// in WeChat's order (capture phase root first, then bubbling innermost
    /// first), after setting the data path of a `model:` binding on the
    /// target to the event's value. An event for a node not on the page, or of a type
    /// nothing on its way binds, is refused ([`Error::BadRequest`]) and never
    /// reaches the app.
    pub async fn dispatch_view(&mut self, event: &ViewEvent) -> Result<(), Error> {
        self.tape_drive(crate::replay::Drive::View {
            node: event.node,
            kind: event.kind.as_str().into(),
            detail: std::borrow::Cow::Borrowed(&event.detail),
        });
        let refused = |reason: String| Error::BadRequest {
            app: self.app.manifest.id.clone(),
            reason,
        };
        let tree = self
            .view
            .tree
            .as_ref()
            .ok_or_else(|| refused("the page has no rendered view".into()))?;
        let route = self
            .pages()
            .last()
            .map(|p| p.route.clone())
            .unwrap_or_default();
        // What the user types is the renderer's state, kept for a form
        // submit whether or not the app listens to the input.
        let typed = event.kind == "input"
            && miniapp_view::events::element(tree, event.node)
                .is_some_and(|e| matches!(e.tag, "input" | "textarea"));
        if typed {
            let text = match &event.detail["value"] {
                serde_json::Value::String(text) => text.clone(),
                _ => {
                    let why = "an input event's detail needs a string `value`";
                    self.audit_refused_detail(why);
                    return Err(refused(why.into()));
                }
            };
            let limit = miniapp_view::events::MAX_DETAIL_BYTES;
            if text.len() > limit {
                let why = format!(
                    "an input event's value of {} bytes is over {limit} bytes",
                    text.len()
                );
                self.audit_refused_detail(&why);
                return Err(refused(why));
            }
            self.view.keep_typed(event.node, &text).map_err(refused)?;
        }
        let tree = self.view.tree.as_ref().expect("checked above");
        // A `model:` binding's data path is set (as the app's set-data
        // would, within its quotas) before any handler runs, resolved on
        // the tree the user acted on.
        let model = match model_patch(tree, event) {
            Ok(model) => model,
            // A value not of the bound element's kind: a detail refused.
            Err(e) => {
                self.audit_refused_detail(&e.to_string());
                return Err(refused(e.to_string()));
            }
        };
        let regions = &self.app.services.regions;
        // In a block: a borrow of the whole instance held across the
        // awaits below would make this future need it `Sync`.
        let resolving = {
            let form_field = |host: &Host| self.form_field(host);
            resolve_with_form_fields(tree, event, &self.view.typed, regions, &form_field)
        };
        let resolved = match resolving {
            Err(EventError::NotBound { .. }) if typed || model.is_some() => None,
            Err(e @ (EventError::Detail(_) | EventError::DetailTooLarge { .. })) => {
                self.audit_refused_detail(&e.to_string());
                return Err(refused(e.to_string()));
            }
            resolved => Some(resolved.map_err(|e| refused(e.to_string()))?),
        };
        if let Some(patch) = model {
            self.patch_data(&patch.to_string())?;
        }
        let Some(calls) = resolved else {
            return Ok(());
        };
        let calls = match calls {
            Resolved::Handlers(calls) => calls,
            Resolved::Navigate {
                url,
                open_type,
                delta,
            } => return self.navigate_from_view(&url, &open_type, delta).await,
            Resolved::Share { target, taps } => {
                if self.taps_before_flow(taps, &route).await? {
                    self.share_from_button(target).await?;
                }
                return Ok(());
            }
            Resolved::OpenType {
                taps,
                open_type,
                results,
                card,
            } => {
                if !self.taps_before_flow(taps, &route).await? {
                    return Ok(());
                }
                let results = self.open_type_flow(open_type, results, card).await?;
                return self.dispatch_calls(results, route).await;
            }
        };
        self.dispatch_calls(calls, route).await
    }

    /// The name and value the component instance at `host` on the shown
    /// page gives a form's submit, if its meta marks it a form field
    /// (WeChat's `wx://form-field`: its data's `name` and `value`).
    fn form_field(&self, host: &Host) -> Option<(String, serde_json::Value)> {
        let meta = self.app.meta.as_deref()?.component(&host.definition)?;
        if !meta.form_field {
            return None;
        }
        let components = &self.pages().last()?.components;
        let data = &components.get(components.id_of(&host.key)?)?.data;
        let name = data["name"].as_str().unwrap_or_default().to_string();
        Some((name, data["value"].clone()))
    }

    /// Audit a view event refused for its detail as the app's refused calls
    /// are ([`crate::capability::record_refusal`]): within a call's disk
    /// budget and the day's budget for refusals, so that a client forging
    /// details leaves a trace but cannot silence the host's own records.
    fn audit_refused_detail(&self, why: &str) {
        let Some(live) = &self.live else {
            return;
        };
        let audit = &live.store.data().call.audit;
        let to = self.app.audit_target();
        audit.start_event();
        let message = why.to_string();
        let mut lost = audit.record(&to, AuditEvent::EventRefused { message });
        lost += audit.flush(&to);
        UsageCounters::add(&self.app.usage.audit_dropped, lost);
    }

    /// Call `taps`, the handlers a tap on a share or open-type button
    /// reached, before the button's flow (WeChat runs both, the tap's
    /// handlers first): whether the flow still runs, that is whether the
    /// page the user tapped is still the top one.
    async fn taps_before_flow(&mut self, taps: Vec<Dispatch>, route: &str) -> Result<bool, Error> {
        if taps.is_empty() {
            return Ok(true);
        }
        let top = self.stack().last().map(|page| page.0);
        self.dispatch_calls(taps, route.to_string()).await?;
        Ok(self.live.is_some() && self.stack().last().map(|page| page.0) == top)
    }

    /// Call the handlers `calls` one event resolved to on page `route`, in
    /// order, as one user action.
    pub(in crate::instance) async fn dispatch_calls(
        &mut self,
        calls: Vec<Dispatch>,
        route: String,
    ) -> Result<(), Error> {
        // An app with components takes its components' handlers (and,
        // without `page-events`, its pages') through `handlers`.
        let mut handlers = self.handlers_of(&calls)?.map(Vec::into_iter);
        let top = self.stack().last().map(|page| page.0);
        let mut outcome = Ok(());
        for (i, call) in calls.into_iter().enumerate() {
            // A handler that changed the page ends the chain: the rest were
            // bound on a page the user no longer sees.
            if i > 0 && self.stack().last().map(|page| page.0) != top {
                break;
            }
            self.chain = if i == 0 { Chain::First } else { Chain::Later };
            if let Some(handler) = handlers.as_mut().and_then(Iterator::next).flatten() {
                outcome = self.dispatch_handler(handler).await;
                if outcome.is_err() {
                    break;
                }
                continue;
            }
            let dataset = call
                .dataset
                .into_iter()
                .map(|(name, value)| match value {
                    serde_json::Value::String(text) => (name, text),
                    other => (name, other.to_string()),
                })
                .collect();
            let event = Event {
                page: route.clone(),
                handler: call.handler,
                detail: call.detail,
                dataset,
                gesture: call.gesture,
            };
            outcome = self.dispatch_event(&event).await;
            if outcome.is_err() {
                break;
            }
        }
        self.chain = Chain::Off;
        if let Some(live) = &mut self.live {
            live.store.data_mut().call.gesture.start_event(false);
        }
        outcome
    }

    /// Patch the top page's data from the host (a simulator's data editor):
    /// the same paths, checks and quotas as the app's `set-data`, then one
    /// render. The app is not called.
    pub fn patch_data(&mut self, patch: &str) -> Result<(), Error> {
        let app = self.app.manifest.id.clone();
        let Some(live) = self.live.as_mut() else {
            return Err(self.discarded());
        };
        let state = live.store.data_mut();
        state.nav.data_target = DataTarget::Top;
        let mut view = crate::capability::view_of::<_, NavCtx>(state);
        crate::bindings::view::Host::set_data(&mut view, patch.to_string()).map_err(|e| {
            Error::BadRequest {
                app,
                reason: e.message(),
            }
        })?;
        self.render();
        Ok(())
    }

    /// Take the templates and stylesheets of `app`, a reload of this
    /// instance's app from a package with the same component (the caller,
    /// which built both, knows) and the same manifest: a developer saved a
    /// template. The instance keeps its data and page stack, and its page is
    /// rendered again in full. Refused for another manifest (relaunch then).
    pub fn reload_views(&mut self, app: &App) -> Result<(), Error> {
        if app.shared.manifest != self.app.manifest {
            return Err(Error::BadRequest {
                app: self.app.manifest.id.clone(),
                reason: "the reloaded app has another manifest; relaunch it".into(),
            });
        }
        self.app = app.shared.clone();
        self.view.clear();
        self.render();
        Ok(())
    }
}

/// What a render of the top page is made from besides its data and
/// templates: which page (its serial and depth on the stack) and the
/// window's width (read by its `<page-meta>`). The instance keeps it after
/// a render that succeeded whole, and forgets it before the next; a data
/// change is told by the page's changed paths, a template reload clears
/// the view, and a relaunched instance starts without it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RenderedFrom {
    serial: u64,
    depth: usize,
    width: u32,
}

impl RenderedFrom {
    fn of(state: &crate::instance::InstanceState, depth: usize) -> RenderedFrom {
        RenderedFrom {
            serial: state.nav.pages.top().serial,
            depth,
            width: page_meta::window_width(&state.device),
        }
    }
}
