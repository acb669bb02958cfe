//! A new store and guest instance of an app, refused for a quarantined app
//! or at capacity.

use std::sync::Arc;

use wasmtime::Store;

use super::completions::CompleteHook;
use super::components::ComponentHooks;
use super::metering::{at_epoch_tick, timed};
use super::page_events::{NotFound, PageEventHooks};
use super::pages::PageHooks;
use super::{GuestPre, InstanceState, Live};
use crate::app_shared::AppShared;
use crate::capability::nav::parse_url;
use crate::epoch::EPOCH_TICK;
use crate::error::Error;
use crate::event::LaunchOptions;
use crate::trap::{explain, trapped};

fn check_quarantine(app: &AppShared) -> Result<(), Error> {
    let reason = app
        .services
        .quarantine
        .reason(&app.manifest.id)
        .map_err(|e| {
            Error::Setup(format!(
                "cannot read the quarantine record of {}: {e}",
                app.manifest.id
            ))
        })?;
    match reason {
        Some(reason) => Err(Error::Quarantined {
            app: app.manifest.id.clone(),
            reason,
        }),
        None => Ok(()),
    }
}

/// A new store and instance of `app`, with its quotas in force.
#[cfg(feature = "bench-hooks")]
pub(crate) async fn instantiate(
    app: &Arc<AppShared>,
    pre: &GuestPre,
    options: &LaunchOptions,
) -> Result<Live, Error> {
    instantiate_taped(app, pre, options, &crate::replay::Tape::default()).await
}

/// [`instantiate`], what the instance sees going through `tape`.
pub(crate) async fn instantiate_taped(
    app: &Arc<AppShared>,
    pre: &GuestPre,
    options: &LaunchOptions,
    tape: &crate::replay::Tape,
) -> Result<Live, Error> {
    check_quarantine(app)?;
    let manifest = &app.manifest;
    let live = app.live.acquire().ok_or_else(|| Error::Capacity {
        app: manifest.id.clone(),
        live: app.live.cap(),
    })?;
    let path = options
        .path
        .clone()
        .unwrap_or_else(|| manifest.home_page().to_string());
    let bad_request = |reason| Error::BadRequest {
        app: manifest.id.clone(),
        reason,
    };
    let (page, not_found) = match parse_url(manifest, &path) {
        Ok(page) => (page, None),
        Err(reason) => {
            let missing = NotFound::of(app, &path, reason).map_err(bad_request)?;
            let home = parse_url(manifest, manifest.home_page()).map_err(bad_request)?;
            (home, Some(missing))
        }
    };
    // The device facts are the client's: untrusted.
    let device = options.device.as_ref().map(|facts| facts.check());
    device.transpose().map_err(bad_request)?;
    let state = InstanceState::new(app, options, page, live, tape).map_err(bad_request)?;
    let mut store = Store::new(&app.engine, state);
    store.limiter(|s| &mut s.limiter);
    store.data_mut().call.deadline.start_call();
    store.epoch_deadline_callback(at_epoch_tick);
    store.set_epoch_deadline(1);
    let _ = store.set_fuel(app.grants.quotas.fuel_per_event);
    let meters = (store.data().cpu.clone(), store.data().slot.clone());
    let limit = store.data().call.deadline.left() + EPOCH_TICK;
    let instance = timed(
        &meters,
        limit,
        pre.instance_pre().instantiate_async(&mut store),
    )
    .await
    .0;
    let live = instance.and_then(|instance| {
        let guest = pre.lifecycle(&mut store, &instance)?;
        let pages = match &app.page_hooks {
            Some(indices) => Some(PageHooks::load(indices, &mut store, &instance)?),
            None => None,
        };
        let complete = match app.on_complete {
            Some(index) => Some(CompleteHook::load(index, &mut store, &instance)?),
            None => None,
        };
        let events = match &app.page_events {
            Some(indices) => Some(PageEventHooks::load(indices, &mut store, &instance)?),
            None => None,
        };
        let components = match &app.component_hooks {
            Some(indices) => Some(ComponentHooks::load(indices, &mut store, &instance)?),
            None => None,
        };
        Ok((guest, pages, complete, events, components))
    });
    let trap = match live {
        Ok((guest, pages, complete, page_events, components)) => {
            return Ok(Live {
                store,
                guest,
                pages,
                complete,
                page_events,
                not_found,
                components,
            });
        }
        // The pooling allocator is full, or the host could not map memory
        // (the process's mappings or address space are exhausted): a
        // capacity refusal, not the app's fault, and no trap on its record.
        Err(e)
            if e.downcast_ref::<wasmtime::PoolConcurrencyLimitError>()
                .is_some()
                || e.chain()
                    .any(|c| c.downcast_ref::<std::io::Error>().is_some()) =>
        {
            return Err(Error::Capacity {
                app: manifest.id.clone(),
                live: app.live.cap(),
            });
        }
        Err(trap) => explain(&trap, store.data().trap_site()),
    };
    Err(trapped(&app.core, "instantiation", trap))
}
