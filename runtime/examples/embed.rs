//! Host mini-programs from your own Rust program: a policy, a consent
//! prompt of your own, one app launched and driven by events, and what it
//! started delivered as it completes.
//!
//! Run: `cargo run -p miniapp-runtime --example embed -- PACKAGE [PAGE:HANDLER]...`

use std::sync::Arc;

use miniapp_runtime::providers::{ConsentProvider, ConsentRequest, Simulator};
use miniapp_runtime::{Event, LaunchOptions, Policy, Providers, Runtime};

/// Your consent UI: here, grant location and nothing else.
struct MyConsentPrompt;

#[async_trait::async_trait]
impl ConsentProvider for MyConsentPrompt {
    async fn ask(&self, request: &ConsentRequest) -> bool {
        println!(
            "{} asks for {}: {}",
            request.app_name, request.scope, request.reason
        );
        request.scope == miniapp_runtime::Scope::UserLocation
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let package = args.next().expect("usage: embed PACKAGE [PAGE:HANDLER]...");
    let policy = Policy::from_toml(
        r#"
        [host]
        name = "MyHost"
        [defaults]
        permissions = ["storage"]
        "#,
        "inline policy",
    )?;
    let providers = Providers {
        consent: Arc::new(MyConsentPrompt),
        ..Providers::simulated(Simulator::default())
    };
    let runtime = Runtime::builder("./miniapp-data")
        .policy(policy)
        .providers(providers)
        .build()?;
    let app = runtime.load_file(package.as_ref())?;
    let mut instance = app.launch(LaunchOptions::default()).await?;
    for event in args {
        let (page, handler) = event.split_once(':').expect("PAGE:HANDLER");
        instance.dispatch(&Event::new(page, handler)).await?;
    }
    // Timers and requests the app started complete between events, one
    // callback each: deliver them as they fall due, here for a second.
    let quiet = tokio::time::sleep(std::time::Duration::from_secs(1));
    tokio::pin!(quiet);
    loop {
        tokio::select! {
            () = instance.wake().wait() => {
                while let Some(done) = instance.complete_next().await {
                    done?;
                }
            }
            () = &mut quiet => break,
        }
    }
    println!("{}", instance.page_data());
    Ok(())
}
