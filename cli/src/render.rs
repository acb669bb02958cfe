//! `miniapp render`: a page of a mini-program as HTML, from the data given
//! or from the app's own data after its launch.

use std::path::PathBuf;

use clap::Args;
use miniapp_runtime::{LaunchOptions, Package, Policy, Runtime};
use serde_json::Value;

use crate::{Failure, out};

#[derive(Args)]
pub struct RenderArgs {
    /// The package file, or a mini-program crate directory to build first.
    package: PathBuf,
    /// The page's route (default: the home page).
    #[arg(long, value_name = "ROUTE")]
    page: Option<String>,
    /// The page's data as JSON (default: launch the app and render the
    /// data it sets).
    #[arg(long, value_name = "JSON")]
    data: Option<String>,
    /// Where storage persists, for the launch.
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Put the page's stylesheet (compiled WXSS) first, in a `<style>`
    /// element, so the output opens as a styled page in a browser.
    #[arg(long)]
    style: bool,
}

pub fn render(args: RenderArgs) -> Result<(), Failure> {
    let data = match &args.data {
        Some(text) => Some(
            serde_json::from_str::<Value>(text)
                .map_err(|e| Failure::input(format!("--data is not JSON: {e}")))?,
        ),
        None => None,
    };
    if data.as_ref().is_some_and(|d| !d.is_object()) {
        return Err(Failure::input("--data must be a JSON object"));
    }
    let package = if args.package.is_dir() {
        crate::build_package(&args.package, None)?.0
    } else {
        Package::read(&args.package, &Default::default())
            .map_err(|e| Failure::input(format!("package {}: {e}", args.package.display())))?
    };
    let route = match &args.page {
        Some(page) if package.manifest.has_page(page) => page.clone(),
        Some(page) => {
            return Err(Failure::input(format!(
                "page `{page}` is not declared in the manifest of app `{}`",
                package.manifest.id
            )));
        }
        None => package.manifest.home_page().to_string(),
    };
    let mut policy = Policy::default();
    policy.grant_declared(&package.manifest);
    let runtime = Runtime::builder(crate::run::data_dir(args.data_dir.clone()))
        .policy(policy)
        .build()
        .map_err(Failure::from_runtime)?;
    let app = runtime.load(package).map_err(Failure::from_runtime)?;
    let data = match data {
        Some(data) => data,
        None => {
            let tokio = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| Failure::app(format!("cannot start the async runtime: {e}")))?;
            let options = LaunchOptions {
                path: Some(route.clone()),
                ..LaunchOptions::default()
            };
            let instance = tokio
                .block_on(app.launch(options))
                .map_err(Failure::from_runtime)?;
            instance.page_data().clone()
        }
    };
    let html = app
        .render_html(&route, &data)
        .map_err(Failure::from_runtime)?;
    if args.style
        && let Some(style) = app.page_style(&route)
    {
        // The compiled stylesheet holds no `<` (refused at load), so it
        // cannot close the element early.
        out::line(format!("<style>{style}</style>"));
    }
    out::line(html);
    Ok(())
}
