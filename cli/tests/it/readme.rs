//! The README's code is the code that compiles: its embedding example is
//! `runtime/examples/embed.rs`, its first app is what `miniapp new` writes.

use std::path::Path;

fn repo_file(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path)).unwrap()
}

/// The ```rust blocks of the README.
fn rust_blocks() -> Vec<String> {
    let readme = repo_file("README.md");
    readme
        .split("```rust\n")
        .skip(1)
        .map(|rest| rest.split("```").next().unwrap().to_string())
        .collect()
}

#[test]
fn the_embedding_example_is_the_compiled_one() {
    let example = repo_file("runtime/examples/embed.rs");
    // The README shows the example without its leading doc comment.
    let code: String = example
        .lines()
        .skip_while(|l| l.starts_with("//!") || l.is_empty())
        .map(|l| format!("{l}\n"))
        .collect();
    assert!(
        rust_blocks().contains(&code),
        "README's embedding example differs from runtime/examples/embed.rs"
    );
}

#[test]
fn the_first_app_is_the_scaffolded_one() {
    let template = repo_file("cli/templates/app/src/lib.rs.tmpl").replace("{{name}}", "my-counter");
    assert!(
        rust_blocks().contains(&template),
        "README's first app differs from cli/templates/app/src/lib.rs.tmpl"
    );
}

#[test]
fn the_first_pages_are_the_scaffolded_ones() {
    let readme = repo_file("README.md");
    for page in ["index", "mine"] {
        let template = repo_file(&format!("cli/templates/app/pages/{page}.wxml.tmpl"));
        assert!(
            readme.contains(&format!("```xml\n{template}```")),
            "README's {page} page template differs from cli/templates/app/pages/{page}.wxml.tmpl"
        );
    }
}

#[test]
fn the_first_component_is_the_scaffolded_one() {
    let template = repo_file("cli/templates/app/components/badge/badge.wxml.tmpl");
    assert!(
        repo_file("README.md").contains(&format!("```xml\n{template}```")),
        "README's badge template differs from cli/templates/app/components/badge/badge.wxml.tmpl"
    );
}

#[test]
fn the_first_app_json_is_the_scaffolded_one() {
    let template = repo_file("cli/templates/app/app.json.tmpl").replace("{{name}}", "my-counter");
    assert!(
        repo_file("README.md").contains(&format!("```json\n{template}```")),
        "README's app.json differs from cli/templates/app/app.json.tmpl"
    );
}

/// The ```toml blocks of the README.
fn toml_blocks() -> Vec<String> {
    repo_file("README.md")
        .split("```toml\n")
        .skip(1)
        .map(|rest| rest.split("```").next().unwrap().to_string())
        .collect()
}

#[test]
fn the_manifest_and_policy_shown_are_valid() {
    let blocks = toml_blocks();
    let manifest = blocks
        .iter()
        .find(|b| b.starts_with("id = "))
        .expect("a manifest block");
    miniapp_runtime::Manifest::from_toml(manifest).unwrap();
    let policy = blocks
        .iter()
        .find(|b| b.starts_with("# policy.toml"))
        .expect("a policy block");
    miniapp_runtime::Policy::from_toml(policy, "README").unwrap();
}
