//! `app.json`'s app-wide keys beyond pages and window: `miniapp build`
//! refuses each bad one before cargo runs, exit 2 at `app.json:L:C`.

use crate::cli::{miniapp, package, stderr, stdout};
use crate::pages::app;

/// `miniapp build` of an app with page `index`, `app_json`, and `toml`
/// added to its manifest: its exit code and stderr.
fn build(app_json: &str, toml: &str) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    let files = [("pages/index.wxml", "<view/>"), ("app.json", app_json)];
    let crate_dir = app(dir.path(), r#"["index"]"#, &files);
    let manifest = std::path::Path::new(&crate_dir).join("miniapp.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(&manifest, format!("{text}{toml}")).unwrap();
    let out = miniapp(&["build", &crate_dir]);
    (out.status.code(), stderr(&out))
}

#[test]
fn a_permission_scope_also_in_the_manifest_or_unknown_exits_2_naming_it() {
    let app_json = "{\n  \"permission\": {\n    \"scope.userLocation\": {\"desc\": \"Lockers near you\"}\n  }\n}";
    let toml = "permissions = [\"location\"]\n[scopes]\nuser-location = \"Shops near you\"\n";
    let (code, err) = build(app_json, toml);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains(
            "app.json:3:5: `scope.userLocation` is declared here and as `user-location` \
             in miniapp.toml's [scopes]: keep one"
        ),
        "{err}"
    );
    let typo = app_json.replace("userLocation", "userLocaton");
    let (code, err) = build(&typo, "");
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains(
            "app.json:3:5: unknown key `scope.userLocaton`: did you mean `scope.userLocation`?"
        ),
        "{err}"
    );
}

#[test]
fn a_bad_required_private_infos_or_network_timeout_exits_2_at_its_place() {
    for (app_json, expected) in [
        (
            "{\n  \"requiredPrivateInfos\": [\"getLocation\", \"getFuzzyLocation\"]\n}",
            "app.json:2:43: `getFuzzyLocation` and `getLocation` may not be declared together (as on WeChat): keep one",
        ),
        (
            "{\n  \"requiredPrivateInfos\": [\"chooseAdress\"]\n}",
            "app.json:2:28: `chooseAdress` is not one of WeChat's requiredPrivateInfos: did you mean `chooseAddress`?",
        ),
        (
            "{\n  \"networkTimeout\": {\"request\": -1}\n}",
            "app.json:2:33: `request` must be a whole number of milliseconds, 1 to 4294967295",
        ),
    ] {
        let (code, err) = build(app_json, "");
        assert_eq!(code, Some(2), "{err}");
        assert!(err.contains(expected), "{err}");
    }
}

#[test]
fn inspect_shows_app_json_s_permission_among_the_scopes() {
    let built = package("todo");
    let todo =
        miniapp_runtime::Package::read(std::path::Path::new(&built), &Default::default()).unwrap();
    let mut assets = todo.assets.clone();
    let app_json = r#"{"permission": {"scope.userInfo": {"desc": "Sign your lists"}}}"#;
    assets.insert("app.json".into(), app_json.as_bytes().to_vec());
    let limits = Default::default();
    let with =
        miniapp_runtime::Package::new(todo.manifest.clone(), todo.component, assets, &limits)
            .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("todo.miniapp");
    with.write(&path).unwrap();
    let out = miniapp(&["inspect", path.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let shown = stdout(&out);
    assert!(
        shown.contains("scopes       user-info (\"Sign your lists\")"),
        "{shown}"
    );
}
