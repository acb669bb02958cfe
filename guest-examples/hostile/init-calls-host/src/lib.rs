//! Hostile: an init that calls the host. Its one-time setup reads storage,
//! which would freeze one user's data into the snapshot every instance
//! shares: the host refuses the package, naming `storage.get`.

use std::sync::OnceLock;

use miniapp_sdk::{App, Launch, Result, storage, view};

static GREETING: OnceLock<String> = OnceLock::new();

#[derive(Default)]
struct InitCallsHost;

impl App for InitCallsHost {
    fn init() -> Result<()> {
        let greeting = storage::get::<String>("greeting")?.unwrap_or_default();
        let _ = GREETING.set(greeting);
        Ok(())
    }

    fn on_launch(&mut self, _launch: &Launch) -> Result<()> {
        view::set("greeting", GREETING.get().cloned().unwrap_or_default())
    }
}

miniapp_sdk::export_app!(InitCallsHost);
