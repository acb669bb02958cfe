//! The build's scan and the SDK's macro agree: for every example with
//! typed pages, the meta the scan reads from its sources (before cargo)
//! is the one the macro wrote into its component (`miniapp:meta`).

use std::path::{Path, PathBuf};

use miniapp_build::scan;
use miniapp_runtime::PackageLimits;
use miniapp_runtime::config::meta::{Meta, SECTION};
use wasmparser::{Parser, Payload};

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../guest-examples")
}

/// The `miniapp:meta` sections of `component`, at any depth.
fn sections(component: &[u8]) -> Vec<Vec<u8>> {
    let mut found = Vec::new();
    for payload in Parser::new(0).parse_all(component) {
        if let Payload::CustomSection(section) = payload.unwrap()
            && section.name() == SECTION
        {
            found.push(section.data().to_vec());
        }
    }
    found
}

#[test]
fn the_scan_reads_the_meta_the_macro_writes_for_every_typed_example() {
    let mut typed = Vec::new();
    for entry in std::fs::read_dir(examples()).unwrap() {
        let dir = entry.unwrap().path();
        if !dir.join("miniapp.toml").is_file() {
            continue;
        }
        let Some(scanned) = scan::scan(&dir).unwrap() else {
            continue;
        };
        let built = miniapp_build::build(&dir, None, &PackageLimits::default())
            .unwrap_or_else(|e| panic!("building {}: {e}", dir.display()));
        let sections = sections(&built.package.component);
        assert_eq!(sections.len(), 1, "{}", dir.display());
        let written = Meta::parse(&sections[0]).unwrap();
        assert_eq!(written, scanned.meta, "{}", dir.display());
        assert!(!written.pages.is_empty(), "{}", dir.display());
        typed.push(dir.file_name().unwrap().to_string_lossy().into_owned());
    }
    typed.sort();
    // At least the two converted examples; more as examples become typed.
    for example in ["events", "todo", "components"] {
        assert!(typed.iter().any(|t| t == example), "{typed:?}");
    }
}
