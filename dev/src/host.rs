//! What the simulator shows the developer beside the app: audit records
//! and HTTP calls, in the page's panels. (The host UI the page answers,
//! consent prompts, the payment sheet and login, is the protocol's:
//! `miniapp_protocol::prompts`.)

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;
use tokio::sync::broadcast;

/// Audit records: written to the data directory's `audit.jsonl`, as any
/// runtime does, and shown in the page's Audit panel.
pub struct PageAudit {
    file: miniapp_runtime::audit::JsonLinesAudit,
    frames: broadcast::Sender<String>,
    /// Records sent to the page in the current second, and when it began.
    rate: Mutex<(std::time::Instant, u32)>,
}

/// Audit records sent to the page per second; past that, one frame says how
/// many more there were (the file gets them all).
const AUDIT_FRAMES_PER_SECOND: u32 = 50;

impl PageAudit {
    /// Records appended to `data_dir/audit.jsonl` and sent on `frames`.
    pub fn open(
        data_dir: &std::path::Path,
        frames: broadcast::Sender<String>,
    ) -> Result<Arc<PageAudit>, String> {
        std::fs::create_dir_all(data_dir)
            .map_err(|e| format!("cannot create {}: {e}", data_dir.display()))?;
        let path = data_dir.join("audit.jsonl");
        let file = miniapp_runtime::audit::JsonLinesAudit::open(&path)
            .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
        let rate = Mutex::new((std::time::Instant::now(), 0));
        Ok(Arc::new(PageAudit { file, frames, rate }))
    }
}

impl miniapp_runtime::audit::AuditSink for PageAudit {
    fn record(&self, record: &miniapp_runtime::audit::AuditRecord) {
        self.file.record(record);
        let mut rate = self.rate.lock().unwrap_or_else(|e| e.into_inner());
        if rate.0.elapsed() >= Duration::from_secs(1) {
            let suppressed = rate.1.saturating_sub(AUDIT_FRAMES_PER_SECOND);
            if suppressed > 0 {
                let note = json!({ "type": "audit", "entry": {
                    "kind": "suppressed", "count": suppressed,
                    "message": format!("{suppressed} more audit records in one second (see audit.jsonl)"),
                }});
                let _ = self.frames.send(note.to_string());
            }
            *rate = (std::time::Instant::now(), 0);
        }
        rate.1 += 1;
        if rate.1 <= AUDIT_FRAMES_PER_SECOND {
            let _ = self
                .frames
                .send(json!({ "type": "audit", "entry": record }).to_string());
        }
    }
}

/// Every HTTP call of the app, for the page's Network panel.
pub struct PageNetwork {
    frames: broadcast::Sender<String>,
}

impl PageNetwork {
    /// Calls sent as `network` frames on `frames`.
    pub fn new(frames: broadcast::Sender<String>) -> Arc<PageNetwork> {
        Arc::new(PageNetwork { frames })
    }
}

impl miniapp_runtime::HttpObserver for PageNetwork {
    fn exchange(&self, exchange: &miniapp_runtime::HttpExchange) {
        let _ = self
            .frames
            .send(json!({ "type": "network", "entry": exchange }).to_string());
    }
}
