//! An app built with the SDK exports the component lifetimes and handlers
//! (world `miniapp-sdk`): a package whose pages use custom components
//! loads with it, its page handlers still reach `on-event`, and an app
//! that registers no components refuses the host's notices naming the
//! component.

use miniapp_runtime::LaunchOptions;

use crate::common::{example, granting, repacked, runtime};

#[tokio::test]
async fn an_sdk_app_without_components_loads_a_package_using_them_and_refuses_them_by_name() {
    // components-raw's templates and jsons around the SDK's hello app.
    let with = example("components-raw");
    let hello = example("hello");
    let package = repacked(&hello, with.manifest.clone(), with.assets.clone());
    let dir = tempfile::tempdir().unwrap();
    let rt = runtime(dir.path(), granting(&package), Default::default());
    let app = rt
        .load(package)
        .expect("an SDK app exports lifetimes and handlers");
    let options = LaunchOptions {
        path: Some("index".into()),
        ..LaunchOptions::default()
    };
    let err = app
        .launch(options)
        .await
        .err()
        .expect("refused")
        .to_string();
    assert!(
        err.contains("component `components/")
            && err.contains("is not registered: the app registers no components"),
        "{err}"
    );
}
