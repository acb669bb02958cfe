//! The page lifecycle (`miniapp:host/page`: `on-load`, `on-ready`,
//! `on-unload`). Optional: a component built before it does not export it
//! and keeps working, so the host finds these hooks by name instead of
//! requiring them through the generated world.

use wasmtime::component::{Instance, TypedFunc};
use wasmtime::{AsContextMut, Store};

use super::{AppInstance, Hook, InstanceState};
use crate::app_shared::PageHookIndices;
use crate::error::Error;

/// A page's query.
type Query = Vec<(String, String)>;

/// A hook that takes a route.
type RouteHook = TypedFunc<(String,), (Result<(), String>,)>;

/// The page hooks of one live instance.
#[derive(Clone, Copy)]
pub(crate) struct PageHooks {
    pub on_load: TypedFunc<(String, Query), (Result<(), String>,)>,
    pub on_ready: RouteHook,
    pub on_unload: RouteHook,
}

impl PageHooks {
    /// The hooks of `instance`, typed (a hook whose type does not match the
    /// WIT fails here, as the app lifecycle's hooks do).
    pub fn load(
        indices: &PageHookIndices,
        mut store: impl AsContextMut,
        instance: &Instance,
    ) -> wasmtime::Result<PageHooks> {
        Ok(PageHooks {
            on_load: instance.get_typed_func(&mut store, indices.on_load)?,
            on_ready: instance.get_typed_func(&mut store, indices.on_ready)?,
            on_unload: instance.get_typed_func(&mut store, indices.on_unload)?,
        })
    }

    /// Call the page hook `hook` (of `route`, with `query` for `on-load`).
    pub async fn call(
        self,
        store: &mut Store<InstanceState>,
        hook: &Hook<'_>,
        route: &str,
        query: &[(String, String)],
    ) -> wasmtime::Result<Result<(), String>> {
        let route = route.to_string();
        let (result,) = match hook {
            Hook::Load { .. } => {
                let args = (route, query.to_vec());
                self.on_load.call_async(store, args).await?
            }
            Hook::Ready(_) => self.on_ready.call_async(store, (route,)).await?,
            _ => self.on_unload.call_async(store, (route,)).await?,
        };
        Ok(result)
    }
}

/// Rounds of page hooks one callback may cause (each round: the hooks for
/// what the previous one changed on the stack).
pub(super) const MAX_PAGE_ROUNDS: usize = 16;

pub(super) use crate::capability::nav::StackEntry;

impl AppInstance {
    /// The page stack as the host compares it (empty while discarded).
    pub(super) fn stack(&self) -> Vec<StackEntry> {
        match &self.live {
            Some(live) => live.store.data().nav.pages.serials(),
            None => Vec::new(),
        }
    }

    /// After a callback that changed the page stack from `before`: the
    /// page hooks it calls for, `on-unload` of every page that left (top
    /// first), then `on-load` of every page it gained (bottom first); again
    /// for what those hooks changed, at most [`MAX_PAGE_ROUNDS`] times.
    /// They run within the budget of the callback that led to them. An
    /// app's error in one hook does not stop the others; the first is
    /// returned.
    pub(super) async fn settle_pages(&mut self, mut before: Vec<StackEntry>) -> Result<(), Error> {
        let mut outcome = self.pull_down_asked().await;
        for _ in 0..MAX_PAGE_ROUNDS {
            let Some(live) = &mut self.live else {
                return outcome;
            };
            if live.store.data().nav.pages.same_serials(&before) {
                // The same pages in the same order: nothing to call (most
                // callbacks), and nothing to copy to find that out.
                return outcome;
            }
            let after = live.store.data().nav.pages.serials();
            let on_stack = |stack: &[StackEntry], serial| stack.iter().any(|p| p.0 == serial);
            let unloaded: Vec<(u64, String)> = (before.iter().rev())
                .filter(|p| !on_stack(&after, p.0))
                .map(|p| (p.0, p.1.clone()))
                .collect();
            let loaded: Vec<StackEntry> = (after.iter())
                .filter(|p| !on_stack(&before, p.0))
                .cloned()
                .collect();
            for (serial, _) in &unloaded {
                // A page's pending calls end as it leaves, before its
                // `on-unload`.
                live.store.data_mut().call.pending.page_left(*serial);
            }
            let hooks = live.pages.is_some() || live.page_events.is_some();
            let top_moved = before.last().map(|p| p.0) != after.last().map(|p| p.0);
            if !hooks || (unloaded.is_empty() && loaded.is_empty() && !top_moved) {
                return outcome;
            }
            keep_first(&mut outcome, self.hide_covered(&before, &after).await);
            for (_, route) in unloaded {
                keep_first(&mut outcome, self.call(Hook::Unload(route)).await);
            }
            for (serial, route, query) in loaded {
                let hook = Hook::Load {
                    serial,
                    route,
                    query,
                };
                keep_first(&mut outcome, self.call(hook).await);
            }
            keep_first(&mut outcome, self.show_new_top(&before, &after).await);
            before = after;
        }
        if let Some(live) = &mut self.live {
            // The pages the last round's hooks removed get no `on-unload`,
            // but their calls end as every leaving page's do.
            let after = live.store.data().nav.pages.serials();
            for (serial, ..) in before.iter().filter(|p| !after.iter().any(|a| a.0 == p.0)) {
                live.store.data_mut().call.pending.page_left(*serial);
            }
        }
        keep_first(
            &mut outcome,
            Err(Error::AppFailed {
                app: self.app.manifest.id.clone(),
                hook: "on-load".into(),
                message: format!(
                    "the page hooks changed the page stack {MAX_PAGE_ROUNDS} times in a row; \
                     the host stopped calling them"
                ),
            }),
        );
        outcome
    }

    /// The route of the top page if its `on-ready` is due (it was rendered
    /// and has not had it), marking it ready.
    fn due_ready(&mut self) -> Option<String> {
        let live = self.live.as_mut()?;
        live.pages?;
        live.store.data_mut().nav.pages.make_top_ready()
    }

    /// What follows every callback the user sees, after the page hooks of
    /// its stack changes: one render of the top page, then `on-ready` of a
    /// top page rendered for the first time (with the hooks and render
    /// that follow it in turn).
    pub(super) async fn render_and_ready(&mut self) -> Result<(), Error> {
        let mut outcome = Ok(());
        self.render();
        // The component lifetimes of the render, before the page's `on-ready`.
        keep_first(&mut outcome, self.settle_components().await);
        for round in 0..=MAX_PAGE_ROUNDS {
            let Some(route) = self.due_ready() else {
                break;
            };
            if round == MAX_PAGE_ROUNDS {
                // Every on-ready opened another page: stop, by name, as for on-load.
                let message = format!(
                    "on-ready opened another page {MAX_PAGE_ROUNDS} times in a row; \
                     the host stopped calling it"
                );
                let app = self.app.manifest.id.clone();
                let hook = "on-ready".into();
                keep_first(&mut outcome, Err(Error::AppFailed { app, hook, message }));
                break;
            }
            let before = self.stack();
            keep_first(&mut outcome, self.call(Hook::Ready(route)).await);
            keep_first(&mut outcome, self.settle_pages(before).await);
            self.render();
            keep_first(&mut outcome, self.settle_components().await);
        }
        // The subpackages the page now on top needs.
        self.note_shown_page();
        outcome
    }

    /// A tap on a `navigator`: the host navigates (`navigate`, `redirect`,
    /// `switchTab`, `navigateBack` by `delta` or `reLaunch`), then calls the page hooks and renders
    /// as after any callback.
    pub(super) async fn navigate_from_view(
        &mut self,
        url: &str,
        open_type: &str,
        delta: u32,
    ) -> Result<(), Error> {
        let refused = |reason: String| Error::BadRequest {
            app: self.app.manifest.id.clone(),
            reason,
        };
        let before = self.stack();
        let fuel = self.app.grants.quotas.fuel_per_event;
        let Some(live) = self.live.as_mut() else {
            return Err(self.discarded());
        };
        // The host's navigation is a callback of its own: the page hooks
        // it leads to get a fresh budget, not what an earlier event left.
        super::enter(&mut live.store, super::Gesturing::Start(false), Some(fuel));
        let nav = &mut live.store.data_mut().nav;
        let (manifest, tabs) = (&self.app.manifest, self.app.tab_bar.as_ref());
        let moved = match open_type {
            "navigate" => nav.navigate_to(manifest, tabs, url),
            "redirect" => nav.redirect_to(manifest, tabs, url),
            "switchTab" => nav.switch_tab(manifest, tabs, url),
            "navigateBack" => nav.navigate_back(delta),
            "reLaunch" => nav.re_launch(manifest, url),
            other => {
                return Err(refused(format!(
                    "a navigator with open-type `{other}`: this host supports \
                     navigate, redirect, switchTab, navigateBack and reLaunch"
                )));
            }
        };
        moved.map_err(|e| refused(format!("a navigator ({open_type} {url}): {}", e.message())))?;
        let settled = self.settle_pages(before).await;
        settled.and(self.render_and_ready().await)
    }
}

/// Keep the first error of a sequence of calls.
pub(super) fn keep_first(outcome: &mut Result<(), Error>, next: Result<(), Error>) {
    if outcome.is_ok() {
        *outcome = next;
    }
}
