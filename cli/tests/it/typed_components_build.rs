//! Typed components: `miniapp build` reads a crate's `#[component]` impls
//! and `#[derive(Properties)]` structs from its sources and refuses,
//! before cargo runs, a component template binding a handler the
//! component lacks and a page passing a property it does not declare, at
//! their `file:line:col`.

use crate::cli::{examples, miniapp, new_counter, stderr};
use crate::pages::app;

/// A typed page `index` using a typed `stepper` (handlers `plus`, `minus`;
/// properties `value`, `max`), both exported.
const LIB: &str = r#"
use miniapp_sdk::{App, Instance, Properties, Result, Tap, component, page};

#[derive(Default)]
struct Shop;
impl App for Shop {}

#[derive(Default)]
struct Index;

#[page("index")]
impl Index {}

#[derive(serde::Deserialize, Properties)]
struct StepperProps {
    #[property(default = 1)]
    value: i64,
    max: i64,
}

#[derive(Default)]
struct Stepper;

#[component("components/stepper/stepper", properties = StepperProps)]
impl Stepper {
    #[handler]
    fn plus(&mut self, _this: &Instance<Self>, _tap: Tap) -> Result<()> { Ok(()) }
    #[handler]
    fn minus(&mut self, _this: &Instance<Self>) -> Result<()> { Ok(()) }
}

miniapp_sdk::export_app!(Shop, pages = [Index], components = [Stepper]);
"#;

/// `miniapp build` of the crate with `page` as the index template and
/// `stepper` as the stepper's, which must exit 2 before cargo ran (no
/// `target/` written): its stderr.
fn refused_before_cargo(page: &str, stepper: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let files = [
        ("src/lib.rs", LIB),
        (
            "pages/index.json",
            r#"{"usingComponents": {"stepper": "/components/stepper/stepper"}}"#,
        ),
        ("pages/index.wxml", page),
        ("components/stepper/stepper.json", r#"{"component": true}"#),
        ("components/stepper/stepper.wxml", stepper),
    ];
    let crate_dir = app(dir.path(), r#"["index"]"#, &files);
    let out = miniapp(&["build", &crate_dir]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    // cargo never ran: nothing was compiled.
    assert!(!std::path::Path::new(&crate_dir).join("target").exists());
    err
}

const STEPPER: &str = "<view>\n  <button bindtap=\"minus\">-</button>\n  <button bindtap=\"plsu\">+</button>\n</view>\n";

#[test]
fn a_component_template_naming_a_handler_its_impl_lacks_exits_2_before_cargo() {
    let err = refused_before_cargo("<stepper value=\"{{3}}\"/>", STEPPER);
    assert!(
        err.contains("components/stepper/stepper.wxml:3:3: no handler `plsu` on component")
            && err.contains("(did you mean `plus`?)"),
        "{err}"
    );
    assert!(!err.contains("`minus`"), "{err}");
}

#[test]
fn a_property_the_properties_struct_lacks_exits_2_before_cargo() {
    let fine = STEPPER.replace("plsu", "plus");
    let err = refused_before_cargo("<view>\n  <stepper valeu=\"3\"/>\n</view>\n", &fine);
    assert!(
        err.contains("pages/index.wxml:2:3: `<stepper>` has no property or external class `valeu` (did you mean `value`?)"),
        "{err}"
    );
}

#[test]
fn a_crate_the_scan_cannot_read_is_checked_with_its_built_meta_after_cargo() {
    let dir = tempfile::tempdir().unwrap();
    let (app, _) = new_counter(dir.path());
    // The badge's properties named through a `use ... as`, which the scan
    // does not follow and cargo does; its template binds `claer`.
    let lib = std::fs::read_to_string(app.join("src/lib.rs")).unwrap();
    let lib = (lib.replace("properties = BadgeProps", "properties = Shown"))
        + "\nuse self::BadgeProps as Shown;\n";
    std::fs::write(app.join("src/lib.rs"), lib).unwrap();
    let badge = app.join("components/badge/badge.wxml");
    let template = std::fs::read_to_string(&badge).unwrap();
    std::fs::write(
        &badge,
        template.replace("bindtap=\"clear\"", "bindtap=\"claer\""),
    )
    .unwrap();
    // Sharing the examples' target directory, so the SDK's dependencies
    // build once.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_miniapp"))
        .args(["build", app.to_str().unwrap()])
        .env("CARGO_TARGET_DIR", examples().join("target"))
        .output()
        .unwrap();
    let err = stderr(&out);
    // Refused after cargo (before: built, its package refused at load).
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("components/badge/badge.wxml:3:3: no handler `claer` on component")
            && err.contains("(did you mean `clear`?)"),
        "{err}"
    );
}
