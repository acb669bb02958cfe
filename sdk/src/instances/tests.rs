//! The registry without a host: instances made from the host's
//! properties, property notices and their observers, data observers by
//! path, handlers, and each refusal naming the instance.

use super::*;
use crate::bindings::exports::miniapp::host::lifetimes::{Created, PropertyChange};
use crate::bindings::miniapp::host::component::NodeRef;
use crate::{Properties, Tap, component};

#[derive(serde::Deserialize, Properties)]
struct ProbeProps {
    #[property(default = 2)]
    step: u32,
    title: String,
    tags: Vec<String>,
}

#[derive(Default)]
struct Probe {
    seen: Vec<String>,
    /// Whether its deep observer sets its data again (a loop).
    echo: bool,
}

#[crate::component("components/probe/probe", properties = ProbeProps)]
impl Probe {
    #[observer("step")]
    fn step_changed(&mut self, this: &Instance<Self>, old: &Value) -> Result<()> {
        let step = this.properties().step;
        self.seen.push(format!("step {old} -> {step}"));
        Ok(())
    }

    #[observer("list[1], obj.**")]
    fn deep(&mut self, this: &Instance<Self>) -> Result<()> {
        self.seen.push("deep".into());
        if self.echo {
            changed(this, "obj.x");
        }
        Ok(())
    }

    #[handler]
    fn hello(&mut self, this: &Instance<Self>, tap: Tap<Row>) -> Result<()> {
        let title = &this.properties().title;
        self.seen.push(format!("hello {} {title}", tap.dataset.row));
        Ok(())
    }
}

#[derive(serde::Deserialize)]
struct Row {
    row: u32,
}

#[derive(Default)]
struct Other;

#[crate::component("components/other/other")]
impl Other {}

/// What the instance's own setData of `path` would note (without a host).
fn changed<C: Component>(this: &Instance<C>, path: &str) {
    changed_to(this, path, Value::Null);
}

fn changed_to<C: Component>(this: &Instance<C>, path: &str, value: Value) {
    let change = Changed {
        path: path.into(),
        value,
        old: None,
    };
    this.changes.borrow_mut().push(change);
}

/// A probe with id 1 made from the host's `properties`, registered.
fn probe(properties: &str) -> Result<()> {
    let made = Made {
        id: 1,
        page: 7,
        properties,
    };
    let slot = Some(Mounted::<Probe>::open(&made)?);
    let entry = Entry {
        path: Probe::PATH,
        slot,
    };
    INSTANCES.with(|all| all.borrow_mut().insert(1, entry));
    Ok(())
}

fn seen() -> Vec<String> {
    component::with(1, |probe: &mut Probe, _| std::mem::take(&mut probe.seen)).unwrap()
}

#[test]
fn properties_are_the_defaults_with_the_hosts_values_over_them() {
    probe(r#"{"title": "Hi"}"#).unwrap();
    let read = component::with(1, |_: &mut Probe, this| {
        let p = this.properties();
        (p.step, p.title.clone(), p.tags.len(), this.page())
    });
    assert_eq!(read.unwrap(), (2, "Hi".to_string(), 0, 7));
    let err = probe(r#"{"step": "x"}"#).err().unwrap().to_string();
    assert!(
        err.starts_with(
            "invalid argument: component `components/probe/probe` (instance 1) properties:"
        ),
        "{err}"
    );
}

#[test]
fn a_property_change_reaches_its_observer_with_the_old_value_once_per_batch() {
    probe("{}").unwrap();
    let change = |value: &str, old: &str| {
        Notice::Properties(PropertyChange {
            id: 1,
            name: "step".into(),
            value: value.into(),
            old: old.into(),
        })
    };
    on_notices(vec![change("5", "2")]).unwrap();
    assert_eq!(seen(), ["step 2 -> 5"]);
    // Two changes in one batch: the observer once, with the first old value.
    on_notices(vec![change("6", "5"), change("8", "6")]).unwrap();
    assert_eq!(seen(), ["step 5 -> 8"]);
    // Its own setData of a property: the old value is the one it had.
    component::with(1, |_: &mut Probe, this| changed_to(this, "step", 9.into())).unwrap();
    assert_eq!(seen(), ["step 8 -> 9"]);
}

#[test]
fn data_observers_are_reached_by_path_and_a_loop_of_them_is_stopped() {
    probe("{}").unwrap();
    for (path, reached) in [("list", true), ("list[1]", true), ("list[2]", false)] {
        component::with(1, |_: &mut Probe, this| changed(this, path)).unwrap();
        assert_eq!(seen().len(), usize::from(reached), "{path}");
    }
    component::with(1, |_: &mut Probe, this| changed(this, "obj.a.b")).unwrap();
    assert_eq!(seen(), ["deep"]);
    let looped = component::with(1, |probe: &mut Probe, this| {
        probe.echo = true;
        changed(this, "obj");
    });
    let err = looped.unwrap_err().to_string();
    assert_eq!(
        err,
        "the observers of component `components/probe/probe` (instance 1) set data 16 rounds in a row"
    );
}

#[test]
fn handlers_get_typed_events_and_an_unknown_one_is_named() {
    probe(r#"{"title": "T"}"#).unwrap();
    let node = |dataset: &str| NodeRef {
        id: "b".into(),
        dataset: dataset.into(),
    };
    let event = |handler: &str| HandlerEvent {
        kind: "tap".into(),
        handler: handler.into(),
        target: node("{}"),
        current_target: node(r#"{"row": 3}"#),
        detail: "{}".into(),
        gesture: None,
    };
    on_handler(1, event("hello")).unwrap();
    assert_eq!(seen(), ["hello 3 T"]);
    let err = on_handler(1, event("bye")).unwrap_err().to_string();
    assert_eq!(
        err,
        "invalid argument: no handler `bye` on component `components/probe/probe` (it has `hello`)"
    );
    let err = on_handler(9, event("hello")).unwrap_err().to_string();
    assert_eq!(err, "component instance 9 is unknown");
}

#[test]
fn an_instance_is_reached_only_as_its_own_type_and_not_during_its_own_call() {
    probe("{}").unwrap();
    let err = component::with(1, |_: &mut Other, _| ()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "component instance 1 is a `components/probe/probe`, not a `components/other/other`"
    );
    let nested = component::with(1, |_: &mut Probe, _| {
        component::with(1, |_: &mut Probe, _| ())
    });
    let err = nested.unwrap().unwrap_err();
    assert_eq!(
        err.to_string(),
        "component `components/probe/probe` (instance 1) is running its own call"
    );
    // Detached: gone after its call.
    on_notices(vec![Notice::Detached(1)]).unwrap();
    let err = component::with(1, |_: &mut Probe, _| ()).unwrap_err();
    assert_eq!(err.to_string(), "component instance 1 is unknown");
}

#[derive(Default)]
struct NoApp;

impl App for NoApp {}

struct Registered;

impl Components for Registered {
    const PATHS: &'static [&'static str] = &[Probe::PATH, Other::PATH];
    fn open(_: &str, _: &Made<'_>) -> Opened {
        None
    }
}

#[test]
fn an_unregistered_definition_is_refused_naming_the_registered_ones() {
    install::<NoApp, Registered>();
    assert!(registers_components());
    let created = Notice::Created(Created {
        id: 4,
        page: 1,
        definition: "components/card/card".into(),
        parent: None,
        properties: "{}".into(),
    });
    let err = on_notices(vec![created]).unwrap_err().to_string();
    assert_eq!(
        err,
        "component `components/card/card` is not registered (the app registers \
         `components/probe/probe`, `components/other/other`)"
    );
}
