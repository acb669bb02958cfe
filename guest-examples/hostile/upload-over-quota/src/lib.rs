//! Hostile: fills its temp area, then uploads more than the host may hold
//! for it, and uploads files it was never given.
//!
//! - `index:fill` (detail `{"sizes": [N, ...]}`): downloads
//!   `<api>/bytes/N` for each size, one after another (a task awaits
//!   each), and reports each outcome in `fill` (`"ok"`, or the error's
//!   kind and message), then `filled: true`. The host must stop the temp
//!   area at the app's `temp_bytes` and `temp_files`, by name, and keep no
//!   part of a refused file.
//! - `index:attack` (detail `{"times": K}`): starts K uploads of every
//!   file it kept, all at once, to `<api>/hold` (a server that never
//!   answers), and reports `started` and the first refusal (`error_kind`,
//!   `error`). Each upload's body is held by the host while it is sent:
//!   the host must refuse past the instance's host-memory budget, by name.
//! - `index:forge`: uploads paths the host never gave it (a made-up name,
//!   `..`, an absolute path): each must be refused (`outcome: "refused"`).
//!
//! The manifest declares `http://127.0.0.1:18932`: a test declares its own
//! server's origin in the manifest it loads and passes it as the launch
//! query `api`.

use std::cell::RefCell;
use std::rc::Rc;

use hostile_fixture::{Attack, add_errors, query_or, ready, refusals, unknown_handler};
use miniapp_sdk::{Error, Event, Launch, Result, files, json, task, view};

const DEFAULT_API: &str = "http://127.0.0.1:18932";

#[derive(Default)]
struct UploadOverQuota {
    api: String,
    /// The temp paths of the files it downloaded.
    kept: Rc<RefCell<Vec<String>>>,
}

/// An upload of `temp_path` to `url`.
fn upload(url: &str, temp_path: &str) -> files::Upload {
    files::Upload {
        url: url.to_owned(),
        temp_path: temp_path.to_owned(),
        field_name: "file".into(),
        form_data: Vec::new(),
        headers: Vec::new(),
        timeout_ms: None,
    }
}

/// `"ok"`, or the error's kind and message.
fn outcome<T>(result: &Result<T>) -> String {
    match result {
        Ok(_) => "ok".into(),
        Err(e) => format!("{}: {}", e.kind(), e.message()),
    }
}

impl UploadOverQuota {
    fn fill(&mut self, event: &Event) -> Result<()> {
        let sizes: Vec<u64> = event
            .detail
            .get("sizes")
            .and_then(sizes_of)
            .ok_or_else(|| Error::InvalidArgument("fill needs {\"sizes\": [N, ...]}".into()))?;
        let (api, kept) = (self.api.clone(), self.kept.clone());
        task::spawn(async move {
            let mut fill = Vec::new();
            for size in sizes {
                let url = format!("{api}/bytes/{size}");
                let result = match files::download_file(&url) {
                    Ok(transfer) => transfer.await,
                    Err(e) => Err(e),
                };
                fill.push(outcome(&result));
                if let Ok(file) = result {
                    kept.borrow_mut().push(file.temp_path);
                }
                view::set("fill", &fill)?;
            }
            view::set("filled", true)
        });
        Ok(())
    }

    fn forge(&mut self) -> Result<()> {
        let url = format!("{}/hold", self.api);
        let forged = [
            ("made_up", "wxfile://tmp/00000000000000000000000000000000"),
            ("dot_dot", "wxfile://tmp/../../storage.redb"),
            ("absolute", "/etc/passwd"),
        ];
        let errors: Vec<(&str, Option<Error>)> = forged
            .iter()
            .map(|(name, path)| (*name, files::upload_file(&upload(&url, path)).err()))
            .collect();
        let report = refusals(
            Self::NAME,
            errors.iter().map(|(name, e)| (*name, e.as_ref())),
        );
        view::set_data(report)
    }
}

/// The sizes of a JSON array of whole numbers.
fn sizes_of(value: &miniapp_sdk::Value) -> Option<Vec<u64>> {
    value.as_array()?.iter().map(|n| n.as_u64()).collect()
}

impl Attack for UploadOverQuota {
    const NAME: &'static str = "upload-over-quota";

    fn launch(&mut self, launch: &Launch) -> Result<()> {
        self.api = query_or(launch, "api", DEFAULT_API)
            .trim_end_matches('/')
            .to_owned();
        ready(Self::NAME, json!({ "api": self.api }))
    }

    fn attack(&mut self, event: &Event) -> Result<()> {
        let times = event
            .detail
            .get("times")
            .and_then(|t| t.as_u64())
            .unwrap_or(1);
        let url = format!("{}/hold", self.api);
        let mut started = Vec::new();
        let mut refused = None;
        'all: for _ in 0..times {
            for path in self.kept.borrow().iter() {
                match files::upload_file(&upload(&url, path)) {
                    Ok(transfer) => started.push(transfer),
                    Err(e) => {
                        refused = Some(e);
                        break 'all;
                    }
                }
            }
        }
        let count = started.len();
        // The uploads go on after this event: a task holds them.
        task::spawn(async move {
            for transfer in started {
                let _ = transfer.await;
            }
            Ok(())
        });
        let mut data = json!({ "attack": Self::NAME, "started": count });
        add_errors(&mut data, [("", refused.as_ref())]);
        view::set_data(data)
    }

    fn other(&mut self, handler: &str, event: &Event) -> Result<()> {
        match handler {
            "fill" => self.fill(event),
            "forge" => self.forge(),
            _ => Err(unknown_handler()),
        }
    }
}

hostile_fixture::export_attack!(UploadOverQuota);
