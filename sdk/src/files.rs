//! Files: download into the app's temp area, upload from it, read it
//! (WeChat's `wx.downloadFile`, `wx.uploadFile` and the
//! `FileSystemManager`'s `readFile` and `unlink` of a temp file). Needs the
//! `http` capability and the URL's origin in the manifest's `origins`, as
//! a request does.
//!
//! A download is sent at once and `.await`ed in a task, as
//! [`http::Request::start`](crate::http::Request::start) is; the body goes
//! to a new temp file, named `wxfile://tmp/...` by the host (WeChat's
//! `tempFilePath`). A temp file is this instance's alone: it goes when the
//! instance ends (and after an hour), and the app's temp files together are
//! bounded by the host (`temp_bytes`, `temp_files`): remove those it no
//! longer needs. [`Transfer::on_progress_update`] looks at a transfer's
//! progress on a timer (the host pushes none).
//!
//! ```ignore
//! use miniapp_sdk::{files, task, view};
//!
//! task::spawn(async {
//!     let photo = files::download_file("https://shop.example.com/p/1.jpg")?.await?;
//!     if photo.status != 200 {
//!         return view::set("error", format!("status {}", photo.status));
//!     }
//!     let bytes = files::read_temp_file(&photo.temp_path)?;
//!     view::set("size", bytes.len())?;
//!     let reply = files::upload_file(&files::Upload {
//!         url: "https://shop.example.com/reviews".into(),
//!         temp_path: photo.temp_path.clone(),
//!         field_name: "photo".into(),
//!         form_data: vec![("order".into(), "42".into())],
//!         headers: Vec::new(),
//!         timeout_ms: None,
//!     })?
//!     .await?;
//!     files::remove_temp_file(&photo.temp_path)?;
//!     view::set("uploaded", reply.status)
//! });
//! ```

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::bindings::miniapp::host::http as host;
use crate::callbacks::Callbacks;
use crate::http::Response;
use crate::task::{self, Answer, TaskId, answer};
use crate::timer;
use crate::{Error, Result};

// The host API's own records (their docs are the WIT's).
pub use host::{Download, Progress, Upload};

/// Download `url` into a new temp file (`wx.downloadFile`): sent now;
/// `.await` the [`Download`] (its `status` and `temp_path`) in a task. A
/// refusal (an origin not allowed, a quota) is the `Err` of this call; a
/// failure on the way (a timeout, the app's `temp_bytes`) the future's.
#[doc(alias = "downloadFile")]
pub fn download_file(url: &str) -> Result<Transfer<Download>> {
    download_file_with(url, Vec::new(), None)
}

/// [`download_file`] with request `headers` and a timeout (capped by the
/// host's).
pub fn download_file_with(
    url: &str,
    headers: Vec<(String, String)>,
    timeout_ms: Option<u32>,
) -> Result<Transfer<Download>> {
    let id = host::download_file_start(url, &headers, timeout_ms)?;
    Ok(Transfer(answer(id, |id| {
        host::take_download(id).map_err(Error::from)
    })))
}

/// Send a temp file as a `multipart/form-data` POST (`wx.uploadFile`):
/// sent now; `.await` the server's [`Response`] in a task. A refusal is
/// the `Err` of this call, as for [`download_file`].
#[doc(alias = "uploadFile")]
pub fn upload_file(upload: &Upload) -> Result<Transfer<Response>> {
    let id = host::upload_file_start(upload)?;
    Ok(Transfer(answer(id, crate::http::take_response)))
}

/// [`download_file`] with WeChat's callbacks (`wx.downloadFile`): add
/// them, then [`send`](Callbacks::send) it.
///
/// ```ignore
/// files::download(url)
///     .success(|file| view::set("photo", file.temp_path))
///     .fail(|error| view::set("error", error.to_string()))
///     .complete(|| view::set("loading", false))
///     .send();
/// ```
pub fn download(url: &str) -> Callbacks<Download> {
    let url = url.to_owned();
    Callbacks::new(move || {
        let started = download_file(&url);
        Box::pin(async move { started?.await })
    })
}

/// [`upload_file`] with WeChat's callbacks (`wx.uploadFile`): add them,
/// then [`send`](Callbacks::send) it, as a request's.
pub fn upload(upload: Upload) -> Callbacks<Response> {
    Callbacks::new(move || {
        let started = upload_file(&upload);
        Box::pin(async move { started?.await })
    })
}

impl Callbacks<Download> {
    /// Start the download now ([`download_file`]); the callbacks run when
    /// it ends, in the completion that ends it (a refusal: right after the
    /// current handler). If its page leaves the stack first, it ends with
    /// it and none of the callbacks is called.
    pub fn send(self) -> DownloadTask {
        DownloadTask(self.start())
    }
}

/// A download sent by [`Callbacks::send`] (WeChat's `DownloadTask`).
#[derive(Debug)]
pub struct DownloadTask(TaskId);

impl DownloadTask {
    /// Abort the download (`DownloadTask.abort`): the host ends it, its
    /// file half written is removed, and none of its callbacks is called.
    pub fn abort(&self) {
        task::abort(self.0);
    }
}

/// The bytes of temp file `temp_path` (`FileSystemManager.readFile`).
#[doc(alias = "readFile")]
pub fn read_temp_file(temp_path: &str) -> Result<Vec<u8>> {
    Ok(host::read_temp_file(temp_path)?)
}

/// Remove temp file `temp_path` (`FileSystemManager.unlink`).
#[doc(alias = "unlink")]
pub fn remove_temp_file(temp_path: &str) -> Result<()> {
    Ok(host::remove_temp_file(temp_path)?)
}

/// A download, upload or request ([`http::Fetch`](crate::http::Fetch))
/// under way: a future of its answer. Dropped before it resolves, it
/// cancels the call (the host ends it; a file half written is removed).
#[must_use = "dropped at once, the call is cancelled; .await it in a task"]
pub struct Transfer<T>(pub(crate) Answer<T>);

impl<T> Transfer<T> {
    /// How far it has come (bytes sent and received, and the totals), while
    /// it is under way; `None` once it has ended.
    pub fn progress(&self) -> Option<Progress> {
        host::transfer_progress(self.0.id())
    }

    /// Call `f` with its [`Progress`] every `ms` milliseconds while it is
    /// under way, when it has moved since the last call (WeChat's
    /// `onProgressUpdate`). Each look is a timer firing (a callback with an
    /// event's budget, within the app's `timers`); the looks end with the
    /// transfer, or with its page, or at `f`'s first error.
    pub fn on_progress_update(&self, ms: u32, mut f: impl FnMut(Progress) -> Result<()> + 'static) {
        let id = self.0.id();
        task::spawn(async move {
            let mut last = None;
            loop {
                timer::sleep(ms).await?;
                let Some(now) = host::transfer_progress(id) else {
                    return Ok(());
                };
                let moved = (now.sent, now.received, now.to_receive);
                if last != Some(moved) {
                    last = Some(moved);
                    f(now)?;
                }
            }
        });
    }
}

impl<T> Future for Transfer<T> {
    type Output = Result<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<T>> {
        Pin::new(&mut self.get_mut().0).poll(cx)
    }
}

impl<T> std::fmt::Debug for Transfer<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transfer").finish_non_exhaustive()
    }
}
