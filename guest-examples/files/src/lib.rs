//! Files: download a file into the app's temp area, read it back, upload
//! it, remove it; every refusal shown as `error_kind` and `error`.
//!
//! Handlers take their arguments from the event's detail:
//! `index:download {"url", "ms"?}`, `index:read {"path"?}`,
//! `index:upload {"url", "path"?, "ms"?}`, `index:remove {"path"?}` (the
//! path defaults to the last file downloaded; with `ms`, the transfer's
//! progress is shown as `progress` every `ms` while it moves), and
//! `index:download-callbacks {"url"}`, the download in WeChat's callback
//! shape (`success`, `fail`, then `complete`, shown as `completed`).

use miniapp_sdk::{App, Error, Event, Launch, Result, files, json, task, view, with_app};

#[derive(Default)]
struct Files {
    /// The temp path of the last file downloaded.
    last: Option<String>,
}

/// Show `result`'s refusal, if it is one, as `error_kind` and `error`.
fn shown(result: Result<()>) -> Result<()> {
    match result {
        Err(e) => view::set_data(json!({ "error_kind": e.kind(), "error": e.message() })),
        Ok(()) => Ok(()),
    }
}

/// Show `transfer`'s progress every `ms`, if asked.
fn watch<T>(transfer: &files::Transfer<T>, ms: Option<u32>) {
    if let Some(ms) = ms {
        transfer.on_progress_update(ms, |p| {
            let progress = json!({
                "sent": p.sent,
                "to_send": p.to_send,
                "received": p.received,
                "to_receive": p.to_receive,
            });
            view::set("progress", progress)
        });
    }
}

/// `index:download`: fetch `url` into a temp file, awaited in a task.
fn download(url: &str, ms: Option<u32>) -> Result<()> {
    let transfer = files::download_file(url)?;
    watch(&transfer, ms);
    task::spawn(async move {
        shown(
            async {
                let file = transfer.await?;
                with_app(|app: &mut Files| app.last = Some(file.temp_path.clone()))?;
                view::set_data(json!({ "status": file.status, "path": file.temp_path }))
            }
            .await,
        )
    });
    Ok(())
}

/// `index:upload`: send `path` to `url` as the form field `photo`, with
/// the field `order`, awaited in a task.
fn upload(url: String, path: String, ms: Option<u32>) -> Result<()> {
    let transfer = files::upload_file(&files::Upload {
        url,
        temp_path: path,
        field_name: "photo".into(),
        form_data: vec![("order".into(), "42".into())],
        headers: Vec::new(),
        timeout_ms: None,
    })?;
    watch(&transfer, ms);
    task::spawn(async move {
        shown(
            async {
                let reply = transfer.await?;
                view::set_data(json!({ "uploaded": reply.status, "reply": reply.text() }))
            }
            .await,
        )
    });
    Ok(())
}

impl Files {
    /// The detail's string `key`, else the last file downloaded.
    fn path(&self, event: &Event) -> Result<String> {
        match event.detail.get("path").and_then(|p| p.as_str()) {
            Some(path) => Ok(path.to_owned()),
            None => (self.last.clone()).ok_or_else(|| Error::app("nothing downloaded yet")),
        }
    }
}

/// The detail's `ms`, if it has one.
fn ms(event: &Event) -> Option<u32> {
    let ms = event.detail.get("ms")?.as_u64()?;
    u32::try_from(ms).ok()
}

/// The detail's string `url`.
fn url(event: &Event) -> Result<String> {
    match event.detail.get("url").and_then(|u| u.as_str()) {
        Some(url) => Ok(url.to_owned()),
        None => Err(Error::InvalidArgument(format!(
            "{}:{} needs {{\"url\": \"...\"}}",
            event.page, event.handler
        ))),
    }
}

impl App for Files {
    fn on_launch(&mut self, _launch: &Launch) -> Result<()> {
        view::set_data(json!({ "path": "", "read": "", "uploaded": 0, "removed": false }))
    }

    fn on_event(&mut self, event: &Event) -> Result<()> {
        view::set_data(json!({ "error_kind": "", "error": "" }))?;
        match (event.page.as_str(), event.handler.as_str()) {
            ("index", "download-callbacks") => {
                view::set("completed", false)?;
                files::download(&url(event)?)
                    .success(|file| {
                        with_app(|app: &mut Files| app.last = Some(file.temp_path.clone()))?;
                        view::set_data(json!({ "status": file.status, "path": file.temp_path }))
                    })
                    .fail(|error| shown(Err(error)))
                    .complete(|| view::set("completed", true))
                    .send();
                Ok(())
            }
            ("index", "download") => shown(url(event).and_then(|url| download(&url, ms(event)))),
            ("index", "read") => shown(self.path(event).and_then(|path| {
                let bytes = files::read_temp_file(&path)?;
                view::set("read", String::from_utf8_lossy(&bytes))
            })),
            ("index", "upload") => {
                shown((self.path(event)).and_then(|path| upload(url(event)?, path, ms(event))))
            }
            ("index", "remove") => shown(self.path(event).and_then(|path| {
                files::remove_temp_file(&path)?;
                view::set("removed", true)
            })),
            (page, handler) => Err(Error::app(format!("unknown handler {page}:{handler}"))),
        }
    }
}

miniapp_sdk::export_app!(Files);
