//! The component exports (`miniapp:host/lifetimes` and
//! `miniapp:host/handlers`) every SDK app has: the host sends them only
//! for instances of custom components (an SDK app's page handlers reach
//! `lifecycle.on-event`). An app that registers components
//! (`export_app!(A, pages = [..], components = [..])`) gives them to its
//! instances (`instances.rs`); one that registers none refuses each,
//! naming the component or instance the host spoke of.

use crate::bindings::exports::miniapp::host::handlers::{Guest as HandlersGuest, HandlerEvent};
use crate::bindings::exports::miniapp::host::lifetimes::{Guest as LifetimesGuest, Notice};
use crate::bindings::miniapp::host::component::Target;
use crate::export::Lifecycle;
use crate::handler::Typed;
use crate::instances::{self, Components};
use crate::page::Pages;
use crate::{App, task};

/// Why the host's notice cannot be taken: the app has no components.
fn refused(notice: &Notice) -> String {
    let unknown =
        |id: u32| format!("component instance {id} is unknown: the app registers no components");
    match notice {
        Notice::Created(created) => format!(
            "component `{}` is not registered: the app registers no components",
            created.definition
        ),
        Notice::Attached(id) | Notice::Ready(id) | Notice::Moved(id) | Notice::Detached(id) => {
            unknown(*id)
        }
        Notice::Properties(change) => unknown(change.id),
        Notice::PageLifetime((id, _, _)) => unknown(*id),
        Notice::Linked(r) | Notice::LinkChanged(r) | Notice::Unlinked(r) => unknown(r.id),
    }
}

/// The host's notices for an app without components: none is expected.
pub fn no_notices(notices: Vec<Notice>) -> Result<(), String> {
    match notices.first() {
        None => Ok(()),
        Some(notice) => Err(refused(notice)),
    }
}

/// A handler the host sent to `handlers` for an app without components.
pub fn no_handler(to: Target, event: &HandlerEvent) -> Result<(), String> {
    Err(match to {
        Target::Page(serial) => format!(
            "handler `{}` of page {serial} reached on-handler: an SDK app takes its \
             page handlers through on-event",
            event.handler
        ),
        Target::Component(id) => format!(
            "handler `{}` of component instance {id}: the app registers no components",
            event.handler
        ),
    })
}

impl<A: App> LifetimesGuest for Lifecycle<A> {
    fn on_notices(notices: Vec<Notice>) -> Result<(), String> {
        no_notices(notices)
    }
}

impl<A: App> HandlersGuest for Lifecycle<A> {
    fn on_handler(to: Target, event: HandlerEvent) -> Result<(), String> {
        no_handler(to, &event)
    }
}

impl<A: App, S: Pages, K: Components> LifetimesGuest for Typed<A, S, K> {
    fn on_notices(notices: Vec<Notice>) -> Result<(), String> {
        instances::install::<A, K>();
        if !instances::registers_components() {
            return no_notices(notices);
        }
        let handled = instances::on_notices(notices);
        task::finish(handled).map_err(|e| e.to_string())
    }
}

impl<A: App, S: Pages, K: Components> HandlersGuest for Typed<A, S, K> {
    fn on_handler(to: Target, event: HandlerEvent) -> Result<(), String> {
        instances::install::<A, K>();
        match to {
            Target::Component(id) if instances::registers_components() => {
                let handled = instances::on_handler(id, event);
                task::finish(handled).map_err(|e| e.to_string())
            }
            _ => no_handler(to, &event),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bindings::exports::miniapp::host::lifetimes::{Created, PropertyChange};
    use crate::bindings::miniapp::host::component::NodeRef;

    #[test]
    fn an_app_without_components_refuses_each_notice_naming_it() {
        assert_eq!(no_notices(Vec::new()), Ok(()));
        let created = Notice::Created(Created {
            id: 1,
            page: 1,
            definition: "components/card/card".into(),
            parent: None,
            properties: "{}".into(),
        });
        let err = no_notices(vec![created]).unwrap_err();
        assert!(
            err.contains("component `components/card/card` is not registered"),
            "{err}"
        );
        let change = Notice::Properties(PropertyChange {
            id: 4,
            name: "title".into(),
            value: "1".into(),
            old: "0".into(),
        });
        assert!(
            no_notices(vec![change])
                .unwrap_err()
                .contains("instance 4 is unknown")
        );
        assert!(
            no_notices(vec![Notice::Moved(9)])
                .unwrap_err()
                .contains("instance 9")
        );
    }

    #[test]
    fn an_app_without_components_refuses_handlers_naming_the_target() {
        let node = NodeRef {
            id: "x".into(),
            dataset: "{}".into(),
        };
        let event = HandlerEvent {
            kind: "tap".into(),
            handler: "add".into(),
            target: node.clone(),
            current_target: node,
            detail: "{}".into(),
            gesture: None,
        };
        let page = no_handler(Target::Page(3), &event).unwrap_err();
        assert!(
            page.contains("`add` of page 3 reached on-handler"),
            "{page}"
        );
        let component = no_handler(Target::Component(2), &event).unwrap_err();
        assert!(component.contains("component instance 2"), "{component}");
    }
}
