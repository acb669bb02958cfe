//! The app's meta ([`miniapp_config::meta`]): what the host knows of its
//! pages' and components' logic without running it. A Rust app's SDK writes
//! it as the custom section [`SECTION`] of its core module; the host reads
//! it here, walking the component's nested modules, before anything runs.
//!
//! (Checked: a `#[used] #[link_section]` static survives `strip = true`,
//! wasm-ld and wit-component: `guest-examples/components-raw` carries one.)

use miniapp_config::Manifest;
use miniapp_config::meta::{MAX_META_BYTES, Meta, SECTION};
use wasmparser::{Parser, Payload};

/// The meta `component` carries, `None` if it has none; an error names
/// what is wrong (two sections, too large, not a valid meta, a page that
/// `manifest` does not declare).
pub(crate) fn read(component: &[u8], manifest: &Manifest) -> Result<Option<Meta>, String> {
    let mut found: Option<&[u8]> = None;
    for payload in Parser::new(0).parse_all(component) {
        let payload = payload.map_err(|e| format!("its component cannot be read: {e}"))?;
        let Payload::CustomSection(section) = payload else {
            continue;
        };
        if section.name() != SECTION {
            continue;
        }
        if found.is_some() {
            return Err(format!("its component has two `{SECTION}` sections"));
        }
        if section.data().len() > MAX_META_BYTES {
            return Err(format!(
                "its `{SECTION}` section is {} bytes, over the limit of {MAX_META_BYTES} bytes",
                section.data().len()
            ));
        }
        found = Some(section.data());
    }
    let Some(bytes) = found else {
        return Ok(None);
    };
    let meta = Meta::parse(bytes).map_err(|e| e.to_string())?;
    check_pages(&meta, manifest)?;
    Ok(Some(meta))
}

/// Check that every page `meta` describes is one `manifest` declares (a
/// meta for another app's pages, or a stale build, is refused naming it).
fn check_pages(meta: &Meta, manifest: &Manifest) -> Result<(), String> {
    match meta.pages.keys().find(|route| !manifest.has_page(route)) {
        Some(route) => Err(format!(
            "its `{SECTION}` section describes page `{route}`, which its manifest does not declare"
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A manifest declaring page `index`.
    fn manifest() -> Manifest {
        let text = "id = \"demo.x\"\nname = \"X\"\nversion = \"1.0.0\"\npages = [\"index\"]";
        Manifest::from_toml(text).unwrap()
    }

    /// The meta of `component` for [`manifest`].
    fn read_one(component: &[u8]) -> Result<Option<Meta>, String> {
        read(component, &manifest())
    }

    /// A component whose core module carries `sections` as `miniapp:meta`.
    fn component_with(sections: &[&str]) -> Vec<u8> {
        let customs: String = sections
            .iter()
            .map(|s| format!("(@custom \"{SECTION}\" \"{}\")", s.replace('"', "\\\"")))
            .collect();
        wat::parse_str(format!("(component (core module {customs}))")).unwrap()
    }

    #[test]
    fn reads_the_section_of_a_nested_module() {
        let meta = read_one(&component_with(&[
            r#"{"version":1,"pages":{"index":{"handlers":["add"]}}}"#,
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(meta.page_handlers("index").unwrap(), ["add"]);
        assert_eq!(read_one(&component_with(&[])).unwrap(), None);
    }

    #[test]
    fn describes_only_declared_pages() {
        let meta = |route: &str| format!(r#"{{"version":1,"pages":{{"{route}":{{}}}}}}"#);
        read_one(&component_with(&[&meta("index")]))
            .unwrap()
            .unwrap();
        let err = read_one(&component_with(&[&meta("cart")])).unwrap_err();
        assert!(
            err.contains("describes page `cart`, which its manifest does not declare"),
            "{err}"
        );
    }

    #[test]
    fn refuses_two_sections_or_a_bad_meta() {
        let one = r#"{"version":1}"#;
        let err = read_one(&component_with(&[one, one])).unwrap_err();
        assert!(err.contains("two `miniapp:meta` sections"), "{err}");
        let err = read_one(&component_with(&[r#"{"version":1,"pagez":{}}"#])).unwrap_err();
        assert!(err.contains("unknown field `pagez`"), "{err}");
        let big = format!(
            r#"{{"version":1,"pages":{{}}}}{}"#,
            " ".repeat(MAX_META_BYTES)
        );
        let err = read_one(&component_with(&[&big])).unwrap_err();
        assert!(err.contains("over the limit of 262144 bytes"), "{err}");
    }
}
