//! `miniapp new NAME|DIR/NAME`: scaffold a mini-program crate that builds and
//! runs on the first try, with nothing but this binary: the SDK and the host
//! API's WIT are embedded here and written into the crate (`vendor/`).

use std::path::Path;

use crate::{Failure, out};

const CARGO_TOML: &str = include_str!("../templates/app/Cargo.toml.tmpl");
const MANIFEST: &str = include_str!("../templates/app/miniapp.toml.tmpl");
const LIB_RS: &str = include_str!("../templates/app/src/lib.rs.tmpl");
const APP_JSON: &str = include_str!("../templates/app/app.json.tmpl");
/// The pages' templates and window configs (`pages/ROUTE.wxml`, `.json`),
/// and the component's (`components/badge/badge.wxml`, `.json`).
const PAGES: &[(&str, &str)] = &[
    (
        "pages/index.wxml",
        include_str!("../templates/app/pages/index.wxml.tmpl"),
    ),
    (
        "pages/index.json",
        include_str!("../templates/app/pages/index.json.tmpl"),
    ),
    (
        "pages/mine.wxml",
        include_str!("../templates/app/pages/mine.wxml.tmpl"),
    ),
    (
        "pages/mine.json",
        include_str!("../templates/app/pages/mine.json.tmpl"),
    ),
    (
        "components/badge/badge.wxml",
        include_str!("../templates/app/components/badge/badge.wxml.tmpl"),
    ),
    (
        "components/badge/badge.json",
        include_str!("../templates/app/components/badge/badge.json.tmpl"),
    ),
];
/// The tab bar's icons (app.json's `iconPath`s: 48x48 png, under
/// WeChat's 40 KB), as package files under `assets/`.
const TAB_ICONS: &[(&str, &[u8])] = &[
    (
        "assets/icons/home.png",
        include_bytes!("../templates/app/assets/icons/home.png"),
    ),
    (
        "assets/icons/home-on.png",
        include_bytes!("../templates/app/assets/icons/home-on.png"),
    ),
    (
        "assets/icons/mine.png",
        include_bytes!("../templates/app/assets/icons/mine.png"),
    ),
    (
        "assets/icons/mine-on.png",
        include_bytes!("../templates/app/assets/icons/mine-on.png"),
    ),
];
const CARGO_CONFIG: &str = include_str!("../templates/app/cargo-config.toml.tmpl");
const TOOLCHAIN: &str = include_str!("../../rust-toolchain.toml");
/// The versions the SDK's dependencies were tested with; cargo drops the
/// entries of the example apps when it first builds the new crate.
const CARGO_LOCK: &str = include_str!("../../guest-examples/Cargo.lock");

/// How the new crate's tests run: on this machine, since its cargo config
/// builds for `wasm32-wasip2`, whose test binaries cannot run here. Its
/// `src/lib.rs` says so too.
const TEST_COMMAND: &str = "cargo test --target host-tuple";

/// Where the SDK goes in the new crate. Its `wit_bindgen::generate!` reads
/// `../wit` relative to its own directory, as in the repository, so the WIT
/// goes to `vendor/wit/`.
const SDK_DIR: &str = "vendor/miniapp-sdk";
const WIT_FILE: &str = "vendor/wit/miniapp.wit";
const WIT: &str = include_str!("../../wit/miniapp.wit");
/// The SDK's manifest, and the guest workspace its `workspace = true` keys
/// are resolved against.
const SDK_CARGO_TOML: &str = include_str!("../../sdk/Cargo.toml");
/// Where the SDK's macros go: beside the SDK, which names them by the path
/// `../sdk-macros`, as in the repository.
const MACROS_DIR: &str = "vendor/sdk-macros";
const MACROS_CARGO_TOML: &str = include_str!("../../sdk-macros/Cargo.toml");
/// The macros' sources, by path under `sdk-macros/src/` (a test checks
/// this is all of them).
const MACROS_SOURCES: &[(&str, &str)] = &[
    (
        "component_grammar.rs",
        include_str!("../../sdk-macros/src/component_grammar.rs"),
    ),
    (
        "components.rs",
        include_str!("../../sdk-macros/src/components.rs"),
    ),
    (
        "grammar.rs",
        include_str!("../../sdk-macros/src/grammar.rs"),
    ),
    ("lib.rs", include_str!("../../sdk-macros/src/lib.rs")),
    (
        "property_grammar.rs",
        include_str!("../../sdk-macros/src/property_grammar.rs"),
    ),
];
const GUEST_WORKSPACE_TOML: &str = include_str!("../../guest-examples/Cargo.toml");

/// The SDK's sources, by path under `sdk/src/` (a test checks this is all of them).
macro_rules! sdk_sources {
    ($($file:literal),* $(,)?) => {
        &[$(($file, include_str!(concat!("../../sdk/src/", $file)))),*]
    };
}
const SDK_SOURCES: &[(&str, &str)] = sdk_sources!(
    "animation.rs",
    "callbacks.rs",
    "clipboard.rs",
    "component.rs",
    "data_path.rs",
    "details.rs",
    "device.rs",
    "device_api.rs",
    "error.rs",
    "export.rs",
    "feedback.rs",
    "files.rs",
    "frame.rs",
    "handler.rs",
    "http.rs",
    "identity.rs",
    "instances.rs",
    "instances/tests.rs",
    "lib.rs",
    "lifetimes.rs",
    "location.rs",
    "log.rs",
    "nav.rs",
    "observers.rs",
    "page.rs",
    "page_events.rs",
    "payment.rs",
    "pending.rs",
    "permission.rs",
    "quota.rs",
    "selector_query.rs",
    "socket.rs",
    "storage.rs",
    "system.rs",
    "task.rs",
    "task/answer.rs",
    "task/tests.rs",
    "timer.rs",
    "timer/tests.rs",
    "view.rs",
);

/// Scaffold a crate in the directory `path`; its last component is the crate name.
pub fn new(path: &str) -> Result<(), Failure> {
    let dir = Path::new(path);
    let Some(name) = dir.file_name().and_then(|n| n.to_str()) else {
        return Err(Failure::input(format!(
            "`{path}` does not end in a crate name"
        )));
    };
    let valid = !name.is_empty()
        && name.len() <= 64
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if !valid {
        return Err(Failure::input(format!(
            "`{name}` is not a crate name: use lowercase letters, digits, `-` and `_`, starting with a letter"
        )));
    }
    if dir.symlink_metadata().is_ok() {
        return Err(Failure::input(format!("{} already exists", dir.display())));
    }
    let id = format!("dev.{}", name.replace('_', "-"));
    let fill = |template: &str| template.replace("{{name}}", name).replace("{{id}}", &id);
    let mut files = vec![
        ("Cargo.toml".to_string(), fill(CARGO_TOML)),
        ("app.json".to_string(), fill(APP_JSON)),
        ("Cargo.lock".to_string(), CARGO_LOCK.to_string()),
        ("miniapp.toml".to_string(), fill(MANIFEST)),
        ("src/lib.rs".to_string(), fill(LIB_RS)),
        (".cargo/config.toml".to_string(), fill(CARGO_CONFIG)),
        ("rust-toolchain.toml".to_string(), TOOLCHAIN.to_string()),
        (".gitignore".to_string(), "/target\n".to_string()),
        (
            format!("{SDK_DIR}/Cargo.toml"),
            vendored_manifest(SDK_CARGO_TOML, "sdk/Cargo.toml"),
        ),
        (
            format!("{MACROS_DIR}/Cargo.toml"),
            vendored_manifest(MACROS_CARGO_TOML, "sdk-macros/Cargo.toml"),
        ),
        (WIT_FILE.to_string(), WIT.to_string()),
    ];
    // A page's `{{ }}` bindings are the app's, not the scaffold's: only its
    // window config is filled (the home page's title is the app's name).
    for (file, text) in PAGES {
        let text = if file.ends_with(".json") {
            fill(text)
        } else {
            text.to_string()
        };
        files.push((file.to_string(), text));
    }
    for (file, text) in SDK_SOURCES {
        files.push((format!("{SDK_DIR}/src/{file}"), text.to_string()));
    }
    for (file, text) in MACROS_SOURCES {
        files.push((format!("{MACROS_DIR}/src/{file}"), text.to_string()));
    }
    let mut files: Vec<(String, Vec<u8>)> = files
        .into_iter()
        .map(|(file, text)| (file, text.into_bytes()))
        .collect();
    for (file, png) in TAB_ICONS {
        files.push((file.to_string(), png.to_vec()));
    }
    let io_error = |path: &Path, e: std::io::Error| {
        Failure::input(format!("cannot write {}: {e}", path.display()))
    };
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| io_error(parent, e))?;
    }
    // Fails if the directory appeared since the check above.
    std::fs::create_dir(dir).map_err(|e| io_error(dir, e))?;
    for (file, text) in files {
        let path = dir.join(file);
        let write = || -> std::io::Result<()> {
            std::fs::create_dir_all(path.parent().expect("a parent"))?;
            std::fs::write(&path, text)
        };
        write().map_err(|e| io_error(&path, e))?;
    }
    let shown = dir.display();
    out::line(format!("created {shown}/ (app id {id})"));
    out::line(format!(
        "next:   miniapp build {shown} && miniapp run <package> --event index:tap --tab 1"
    ));
    out::line(format!("test:   cd {shown} && {TEST_COMMAND}"));
    Ok(())
}

/// The `Cargo.toml` of the SDK or its macros (`manifest`, the repository's
/// `what`), standalone: its `workspace = true` keys take the guest
/// workspace's values, and the `workspace` and `lints` keys go.
fn vendored_manifest(manifest: &str, what: &str) -> String {
    let parse = |text: &str, what: &str| -> toml::Table {
        text.parse()
            .unwrap_or_else(|e| panic!("{what} embedded in miniapp is not TOML: {e}"))
    };
    let mut sdk = parse(manifest, what);
    let workspace = parse(GUEST_WORKSPACE_TOML, "guest-examples/Cargo.toml");
    let inherited = |section: &str, key: &str| -> toml::Value {
        workspace["workspace"][section]
            .get(key)
            .unwrap_or_else(|| panic!("guest-examples/Cargo.toml has no workspace.{section}.{key}"))
            .clone()
    };
    sdk.remove("lints");
    if let Some(toml::Value::Table(package)) = sdk.get_mut("package") {
        package.remove("workspace");
        for (key, value) in package.iter_mut() {
            if is_inherited(value) {
                *value = inherited("package", key);
            }
        }
    }
    if let Some(toml::Value::Table(dependencies)) = sdk.get_mut("dependencies") {
        for (key, value) in dependencies.iter_mut() {
            if is_inherited(value) {
                *value = with_own_keys(inherited("dependencies", key), value);
            }
        }
    }
    // [package] first, then [lib], [dependencies], then anything else.
    let mut keys: Vec<String> = sdk.keys().cloned().collect();
    keys.sort_by_key(|key| match key.as_str() {
        "package" => 0,
        "lib" => 1,
        "dependencies" => 2,
        _ => 3,
    });
    let mut text = format!(
        "# {what} of the miniapp SDK {}, written by `miniapp new`.\n",
        env!("CARGO_PKG_VERSION")
    );
    for key in keys {
        let mut section = toml::Table::new();
        section.insert(key.clone(), sdk[&key].clone());
        text.push('\n');
        text.push_str(&toml::to_string(&section).expect("a TOML table serializes"));
    }
    text
}

/// `{ workspace = true }`, with nothing else that would need merging.
fn is_inherited(value: &toml::Value) -> bool {
    value
        .as_table()
        .is_some_and(|t| t.get("workspace").and_then(toml::Value::as_bool) == Some(true))
}

/// The workspace's dependency `from_workspace` with the keys the member
/// adds to it (`{ workspace = true, features = [..] }`), as cargo reads
/// them: its features added to the workspace's, any other key its own.
fn with_own_keys(from_workspace: toml::Value, own: &toml::Value) -> toml::Value {
    let Some(own) = own.as_table().filter(|t| t.len() > 1) else {
        return from_workspace;
    };
    let mut table = match from_workspace {
        toml::Value::String(version) => {
            toml::Table::from_iter([("version".into(), version.into())])
        }
        toml::Value::Table(table) => table,
        other => return other,
    };
    for (key, value) in own.iter().filter(|(key, _)| *key != "workspace") {
        match (table.get_mut(key), value) {
            (Some(toml::Value::Array(features)), toml::Value::Array(more)) if key == "features" => {
                features.extend(more.iter().cloned());
            }
            _ => {
                table.insert(key.clone(), value.clone());
            }
        }
    }
    toml::Value::Table(table)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Files under `dir`, as `/`-separated paths relative to it.
    fn files_under(dir: &Path, prefix: &str, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            let name = format!("{prefix}{}", entry.file_name().to_string_lossy());
            if entry.file_type().unwrap().is_dir() {
                files_under(&entry.path(), &format!("{name}/"), out);
            } else {
                out.push(name);
            }
        }
    }

    #[test]
    fn every_sdk_source_and_wit_file_is_embedded() {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut on_disk = Vec::new();
        files_under(&repo.join("sdk/src"), "", &mut on_disk);
        on_disk.sort();
        let mut embedded: Vec<String> = SDK_SOURCES.iter().map(|(f, _)| f.to_string()).collect();
        embedded.sort();
        assert_eq!(
            embedded, on_disk,
            "cli/src/new.rs must embed exactly the files of sdk/src/ (SDK_SOURCES)"
        );
        let mut macros = Vec::new();
        files_under(&repo.join("sdk-macros/src"), "", &mut macros);
        macros.sort();
        let embedded: Vec<&str> = MACROS_SOURCES.iter().map(|(f, _)| *f).collect();
        assert_eq!(
            embedded, macros,
            "cli/src/new.rs must embed exactly the files of sdk-macros/src/ (MACROS_SOURCES)"
        );
        assert!(
            SDK_CARGO_TOML.contains(r#"miniapp-sdk-macros = { path = "../sdk-macros" }"#),
            "the SDK finds its macros at ../sdk-macros, where `miniapp new` writes them ({MACROS_DIR})"
        );
        let mut wit = Vec::new();
        files_under(&repo.join("wit"), "", &mut wit);
        assert_eq!(
            wit,
            ["miniapp.wit"],
            "cli/src/new.rs embeds only wit/miniapp.wit"
        );
        assert!(
            SDK_SOURCES
                .iter()
                .any(|(file, text)| *file == "lib.rs" && text.contains(r#"path: "../wit""#)),
            "the SDK reads the WIT from ../wit, where `miniapp new` writes it ({WIT_FILE})"
        );
    }

    #[test]
    fn every_template_file_is_written() {
        let templates = Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/app");
        let mut on_disk = Vec::new();
        files_under(&templates, "", &mut on_disk);
        on_disk.sort();
        let mut written: Vec<String> = [
            "Cargo.toml.tmpl",
            "app.json.tmpl",
            "cargo-config.toml.tmpl",
            "miniapp.toml.tmpl",
            "src/lib.rs.tmpl",
        ]
        .map(String::from)
        .into_iter()
        .chain(PAGES.iter().map(|(file, _)| format!("{file}.tmpl")))
        .chain(TAB_ICONS.iter().map(|(file, _)| file.to_string()))
        .collect();
        written.sort();
        assert_eq!(
            written, on_disk,
            "cli/src/new.rs must write exactly the files of cli/templates/app/ (PAGES, TAB_ICONS)"
        );
    }

    #[test]
    fn the_vendored_sdk_manifest_stands_alone_with_the_sdks_dependencies() {
        let text = vendored_manifest(SDK_CARGO_TOML, "sdk/Cargo.toml");
        assert!(!text.contains("workspace"), "{text}");
        let manifest: toml::Table = text.parse().unwrap();
        assert_eq!(manifest["package"]["name"].as_str(), Some("miniapp-sdk"));
        assert_eq!(manifest["package"]["edition"].as_str(), Some("2024"));
        let dependencies = manifest["dependencies"].as_table().unwrap();
        let sdk: toml::Table = SDK_CARGO_TOML.parse().unwrap();
        let sdk_dependencies = sdk["dependencies"].as_table().unwrap();
        let mut names: Vec<&String> = dependencies.keys().collect();
        let mut sdk_names: Vec<&String> = sdk_dependencies.keys().collect();
        names.sort();
        sdk_names.sort();
        assert_eq!(names, sdk_names);
        assert_eq!(dependencies["wit-bindgen"], sdk_dependencies["wit-bindgen"]);
        // Inherited from the guest workspace: serde = { version = "1", features = ["derive"] }.
        assert_eq!(
            dependencies["serde"]["features"][0].as_str(),
            Some("derive")
        );
        // Inherited with a feature of its own: the workspace's version and
        // that feature.
        let serde_json: toml::Table = GUEST_WORKSPACE_TOML.parse().unwrap();
        let serde_json = &serde_json["workspace"]["dependencies"]["serde_json"];
        let version = serde_json.get("version").unwrap_or(serde_json);
        assert_eq!(dependencies["serde_json"]["version"], *version);
        let own = sdk_dependencies["serde_json"].get("features");
        let features = dependencies["serde_json"].get("features");
        assert!(
            own.is_none_or(|own| own
                .as_array()
                .unwrap()
                .iter()
                .all(|f| { features.is_some_and(|all| all.as_array().unwrap().contains(f)) })),
            "{text}"
        );
    }

    #[test]
    fn the_vendored_macros_manifest_stands_alone_as_a_proc_macro() {
        let text = vendored_manifest(MACROS_CARGO_TOML, "sdk-macros/Cargo.toml");
        assert!(!text.contains("workspace"), "{text}");
        let manifest: toml::Table = text.parse().unwrap();
        assert_eq!(
            manifest["package"]["name"].as_str(),
            Some("miniapp-sdk-macros")
        );
        assert_eq!(manifest["lib"]["proc-macro"].as_bool(), Some(true));
        assert_eq!(
            manifest["dependencies"]["syn"]["features"][0].as_str(),
            Some("full")
        );
    }
}
