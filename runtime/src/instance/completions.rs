//! Completions of pending calls (`miniapp:host/completions`: `on-complete`),
//! delivered between events. Each is a callback of its own, with a fresh
//! budget (time, CPU, fuel, log volume), its audit and its fair turn, as an
//! event has; the embedder asks when the next may be due ([`Wake`]) and
//! delivers them one at a time ([`AppInstance::complete_next`]). The export
//! is optional (a package built before it has none, and cannot import
//! `pending`), so the host finds it by name.

use std::time::Instant;

use wasmtime::component::{Component, ComponentExportIndex, Instance, TypedFunc};
use wasmtime::{AsContextMut, Store};

use super::{AppInstance, InstanceState};
use crate::capability::pending::{Completion, Outcome, Wake};
use crate::capability::{CallError, record_refusal};
use crate::error::Error;

/// `on-complete`, typed.
#[derive(Clone, Copy)]
pub(crate) struct CompleteHook(TypedFunc<(u64, Outcome), (Result<(), String>,)>);

impl CompleteHook {
    /// Where `component`, built against host API `version`, exports
    /// `on-complete`: `None` if it does not export `completions`. A
    /// component that imports `pending` must export it (its timers could
    /// never fire).
    pub fn find(
        component: &Component,
        version: &str,
        imports: &[String],
    ) -> Result<Option<ComponentExportIndex>, String> {
        let name = format!("miniapp:host/completions@{version}");
        let Some((_, interface)) = component.get_export(None, &name) else {
            let pending = format!("miniapp:host/pending@{version}");
            return match imports.contains(&pending) {
                true => Err(format!(
                    "it imports `{pending}` but does not export `{name}`: its timers and calls could never complete"
                )),
                false => Ok(None),
            };
        };
        (component.get_export_index(Some(&interface), "on-complete"))
            .map(Some)
            .ok_or_else(|| format!("it exports `{name}` without `on-complete`"))
    }

    /// The hook of `instance`, typed (a hook whose type does not match the
    /// WIT fails here, as the app lifecycle's hooks do).
    pub fn load(
        index: ComponentExportIndex,
        mut store: impl AsContextMut,
        instance: &Instance,
    ) -> wasmtime::Result<CompleteHook> {
        Ok(CompleteHook(instance.get_typed_func(&mut store, index)?))
    }

    /// Deliver completion `id` with `outcome`.
    pub async fn call(
        self,
        store: &mut Store<InstanceState>,
        id: u64,
        outcome: Outcome,
    ) -> wasmtime::Result<Result<(), String>> {
        if let Outcome::Failed(e) = &outcome {
            // A refusal that ends a call is counted and audited as one
            // returned from a call is, within this callback's budget.
            let call = &store.data().call;
            record_refusal(&call.app, &call.audit, CallError::Guest(e.clone()))?;
        }
        let (result,) = self.0.call_async(store, (id, outcome)).await?;
        Ok(result)
    }
}

impl AppInstance {
    /// When this instance may next have a completion to deliver (a timer
    /// falls due, a host call finishes): never while it is hidden or
    /// discarded. Ask again after every call into the instance.
    pub fn wake(&self) -> Wake {
        match &self.live {
            Some(live) => live.store.data().call.pending.wake(Instant::now()),
            None => Wake::never(),
        }
    }

    /// Deliver the next completion that is due, as a callback of its own
    /// (then the page hooks for the stack changes it made, one render):
    /// `None` if none is due (or the instance is hidden or discarded).
    pub async fn complete_next(&mut self) -> Option<Result<(), Error>> {
        let live = self.live.as_mut()?;
        let completion = live.store.data_mut().call.pending.next(Instant::now())?;
        Some(self.deliver(completion).await)
    }

    /// Deliver `completion` (due now, or recorded), as a callback of its own.
    pub(super) async fn deliver(&mut self, completion: Completion) -> Result<(), Error> {
        let (id, owner) = (completion.id, completion.owner);
        let outcome = std::borrow::Cow::Borrowed(&completion.outcome);
        self.tape_drive(crate::replay::Drive::Complete { id, outcome, owner });
        let before = self.stack();
        let outcome = (self.callback(Some(super::Hook::Complete(completion)), before)).await;
        if let Some(live) = &mut self.live {
            live.store.data_mut().call.pending.delivered();
        }
        outcome
    }
}
