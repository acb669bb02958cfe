//! `usingComponents` resolved against the package: each entry of app.json,
//! a page's json and a component's own json names a component folder by
//! path (`/components/card/card` from the package's root, `./card` and
//! `../item/item` from the json's folder, `card` from the json's folder
//! too), whose files are `X.json` (saying `"component": true`), `X.wxml`
//! and optionally `X.wxss`, or the same under `X/index`. Every definition
//! reached is read once; a component may use itself (the render bounds
//! the nesting). Errors are at the entry's `file:line:col`.

use std::collections::BTreeMap;
use std::sync::Arc;

use miniapp_config::using::Using;
use miniapp_config::{AppConfig, ComponentConfig, ConfigError, PageConfig};
use miniapp_view::component::{Definition, Options, StyleIsolation};

/// Most component definitions a package holds.
pub const MAX_DEFINITIONS: usize = 512;

/// The package's components, as its json files declare them.
#[derive(Debug, Clone, Default)]
pub struct Components {
    /// Each definition reached from a declaration, by path
    /// (`components/card/card`): its template, its tags, the
    /// `styleIsolation` its json sets (properties, data and the rest come
    /// from the logic's meta).
    pub definitions: BTreeMap<Arc<str>, Definition>,
    /// The tags each page's template may use (its json's over app.json's),
    /// by route.
    pub pages: BTreeMap<String, BTreeMap<String, Arc<str>>>,
    /// The tags app.json declares for every template.
    pub app: BTreeMap<String, Arc<str>>,
    /// Where each definition was first declared (for its errors).
    pub declared: BTreeMap<Arc<str>, Using>,
}

impl Components {
    /// Whether template `file` may use `tag`: a page's or component's
    /// template its own declarations, any other file any declaration.
    pub fn declares(&self, file: &str, tag: &str) -> bool {
        // A main page's template is `pages/ROUTE.wxml`, a subpackage
        // page's `ROUTE.wxml`.
        let stem = file.strip_suffix(".wxml");
        let route = stem.map(|f| {
            (f.strip_prefix("pages/"))
                .filter(|r| self.pages.contains_key(*r))
                .unwrap_or(f)
        });
        if let Some(using) = route.and_then(|route| self.pages.get(route)) {
            return using.contains_key(tag);
        }
        if let Some(definition) = self.definitions.values().find(|d| d.template == file) {
            return definition.using.contains_key(tag);
        }
        self.app.contains_key(tag)
            || self.pages.values().any(|using| using.contains_key(tag))
            || self.definitions.values().any(|d| d.using.contains_key(tag))
    }
}

/// The text of `file` in `assets`, if it has one.
fn text<'a>(
    assets: &'a BTreeMap<String, Vec<u8>>,
    file: &str,
) -> Result<Option<&'a str>, ConfigError> {
    let Some(bytes) = assets.get(file) else {
        return Ok(None);
    };
    std::str::from_utf8(bytes)
        .map(Some)
        .map_err(|_| ConfigError {
            file: file.into(),
            line: 1,
            col: 1,
            message: "the file is not UTF-8".into(),
        })
}

/// Resolve the `usingComponents` of `assets`' app.json, the json of each
/// page of `routes` and of every component they reach.
pub fn resolve(
    routes: &[String],
    assets: &BTreeMap<String, Vec<u8>>,
) -> Result<Components, ConfigError> {
    let mut components = Components::default();
    // A json that does not parse is the config check's to refuse (at its
    // place, with the rest of its keys): here it declares nothing.
    let app_using = match text(assets, "app.json")? {
        Some(text) => AppConfig::parse(text).map_or_else(|_| Vec::new(), |c| c.using),
        None => Vec::new(),
    };
    let packages = super::sub_packages::of(assets);
    let declare = |entries: &[Using], pending: &mut Vec<(Arc<str>, Using)>| {
        declare(entries, assets, pending, &packages)
    };
    let mut pending: Vec<(Arc<str>, Using)> = Vec::new();
    components.app = declare(&app_using, &mut pending)?;
    for route in routes {
        let stem = super::page_stem(route, |path| assets.contains_key(path));
        let file = format!("{stem}.json");
        let own = match text(assets, &file)? {
            Some(text) => PageConfig::parse(&file, text).map_or_else(|_| Vec::new(), |c| c.using),
            None => Vec::new(),
        };
        let mut tags = components.app.clone();
        tags.extend(declare(&own, &mut pending)?);
        components.pages.insert(route.clone(), tags);
    }
    while let Some((path, entry)) = pending.pop() {
        if components.definitions.contains_key(&path) {
            continue;
        }
        if components.definitions.len() >= MAX_DEFINITIONS {
            return Err(entry.error(format!(
                "the package has more than {MAX_DEFINITIONS} components"
            )));
        }
        let json = format!("{path}.json");
        let Some(source) = text(assets, &json)? else {
            return Err(entry.error(format!("`{}`: {json} is missing", entry.path)));
        };
        let config = ComponentConfig::parse(&json, source)?;
        let template = format!("{path}.wxml");
        if !assets.contains_key(&template) {
            return Err(entry.error(format!(
                "`{}`: the component has no template {template}",
                entry.path
            )));
        }
        let mut using = components.app.clone();
        using.extend(declare(&config.using, &mut pending)?);
        let style_isolation = config
            .style_isolation
            .as_deref()
            .and_then(StyleIsolation::named)
            .unwrap_or_default();
        let scope = scope_of(&path);
        if let Some(other) = (components.definitions.values()).find(|d| *d.scope == *scope) {
            return Err(entry.error(format!(
                "`{}`: its class scope `{scope}` is also component `{}`'s (their paths \
                 differ only in `/`, `_` or other punctuation), so each one's styles would \
                 reach the other's elements; rename one of them",
                entry.path, other.path
            )));
        }
        components.definitions.insert(
            path.clone(),
            Definition {
                scope: scope.into(),
                path: path.clone(),
                template,
                data: serde_json::json!({}),
                // Named slots as the template has them until the logic's
                // meta says otherwise.
                options: Options {
                    style_isolation,
                    multiple_slots: true,
                    ..Options::default()
                },
                using,
                ..Definition::default()
            },
        );
        components.declared.insert(path, entry);
    }
    Ok(components)
}

/// The tags `entries` declare, each resolved to its definition's path;
/// definitions not read yet are added to `pending`. A subpackage's
/// component declared outside that subpackage is refused, as on WeChat.
fn declare(
    entries: &[Using],
    assets: &BTreeMap<String, Vec<u8>>,
    pending: &mut Vec<(Arc<str>, Using)>,
    packages: &miniapp_config::sub_packages::SubPackages,
) -> Result<BTreeMap<String, Arc<str>>, ConfigError> {
    let mut tags = BTreeMap::new();
    for entry in entries {
        if miniapp_view::builtins::builtin(&entry.tag).is_some() {
            return Err(entry.error(format!(
                "`{}` is a built-in component's name; give the custom one another",
                entry.tag
            )));
        }
        let path: Arc<str> = target(entry, assets)?.into();
        if let Some(owner) = packages.foreign(&entry.file, &path) {
            return Err(entry.error(format!(
                "`{}` is subpackage `{}`'s component, which only its own pages and components may use (move it to the main package to share it)",
                entry.path,
                owner.label()
            )));
        }
        pending.push((path.clone(), entry.clone()));
        tags.insert(entry.tag.clone(), path);
    }
    Ok(tags)
}

/// The definition path `entry` names: `X` whose `X.json` exists, else
/// `X/index` whose `X/index.json` does.
fn target(entry: &Using, assets: &BTreeMap<String, Vec<u8>>) -> Result<String, ConfigError> {
    let base = miniapp_view::render::package_path(&entry.file, &entry.path)
        .ok_or_else(|| entry.error(format!("`{}` leads out of the package", entry.path)))?;
    for candidate in [base.clone(), format!("{base}/index")] {
        if assets.contains_key(&format!("{candidate}.json")) {
            return Ok(candidate);
        }
    }
    let npm = match entry.path.starts_with(['.', '/']) {
        true => "",
        false => "; npm components (miniprogram_npm) are not supported yet",
    };
    Err(entry.error(format!(
        "`{}`: no component there (looked for {base}.json and {base}/index.json){npm}",
        entry.path
    )))
}

/// The class prefix of definition `path`: `c-`, its path with `/` as `_`,
/// then `--` (`components/card/card` scopes `title` as
/// `c-components_card_card--title`).
pub fn scope_of(path: &str) -> String {
    let mut scope = String::from("c-");
    scope.extend(path.chars().map(|c| match c {
        c if c.is_ascii_alphanumeric() || c == '-' || c == '_' => c,
        _ => '_',
    }));
    scope.push_str("--");
    scope
}

/// Put what `meta` declares of each component into its definition: its
/// properties, own data, external classes and options (its json's
/// `styleIsolation` kept over the logic's default).
pub fn apply(components: &mut Components, meta: &miniapp_config::Meta) {
    use miniapp_config::meta::{PropertyType, StyleIsolation as Isolation};
    use miniapp_view::component::{Kind, Property};
    let kind = |t: PropertyType| match t {
        PropertyType::String => Kind::String,
        PropertyType::Number => Kind::Number,
        PropertyType::Boolean => Kind::Boolean,
        PropertyType::Object => Kind::Object,
        PropertyType::Array => Kind::Array,
        PropertyType::Any => Kind::Any,
    };
    for (path, definition) in &mut components.definitions {
        let Some(declared) = meta.component(path) else {
            continue;
        };
        definition.properties = (declared.properties.iter())
            .map(|p| Property {
                name: p.name.clone(),
                kind: kind(p.kind),
                optional: p.optional_types.iter().map(|t| kind(*t)).collect(),
                default: Some(p.initial()),
            })
            .collect();
        definition.data = match &declared.data {
            serde_json::Value::Object(_) => declared.data.clone(),
            _ => serde_json::json!({}),
        };
        definition.external_classes = declared.external_classes.clone();
        let options = &declared.options;
        let isolation = match options.style_isolation {
            Isolation::Isolated | Isolation::PageIsolated => StyleIsolation::Isolated,
            Isolation::ApplyShared | Isolation::PageApplyShared => StyleIsolation::ApplyShared,
            Isolation::Shared | Isolation::PageShared => StyleIsolation::Shared,
        };
        definition.options = Options {
            multiple_slots: options.multiple_slots,
            style_isolation: match definition.options.style_isolation {
                StyleIsolation::Isolated => isolation,
                from_json => from_json,
            },
            add_global_class: options.add_global_class,
            virtual_host: options.virtual_host,
        };
    }
}
