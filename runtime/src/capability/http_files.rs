//! `http`'s files (WeChat's `wx.downloadFile`, `wx.uploadFile` and the
//! `FileSystemManager` reads of their temp files): a download streams its
//! body into the app's temp area ([`super::temp_area`]), an upload sends a
//! temp file as a `multipart/form-data` POST; both are checked and run as
//! `fetch-start` runs a request (origins, address rules, slots, the
//! minute's budget, `pending_calls`), each a pending call.

use super::http::{BodySink, HttpCtx, Received};
use super::temp_area::{Incoming, TempFile};
use super::{CallError, CallResult, Granted, View, context};
use crate::bindings::http;

/// Bytes of the form fields of one upload at most, names and values.
const MAX_FORM_BYTES: usize = 64 * 1024;

impl BodySink for Incoming {
    async fn take(&mut self, chunk: bytes::Bytes) -> CallResult<()> {
        self.write(chunk).await
    }

    fn len(&self) -> u64 {
        Incoming::len(self)
    }
}

/// A finished download, held until the app takes it.
struct Downloaded {
    status: u16,
    file: TempFile,
}

impl View<'_, Granted<HttpCtx>> {
    /// `download-file-start`: a GET of `url` whose body goes to a new temp
    /// file of this instance.
    pub(super) fn start_download(
        &mut self,
        url: String,
        headers: Vec<(String, String)>,
        timeout_ms: Option<u32>,
    ) -> CallResult<u64> {
        let ctx = context(self.ctx)?;
        let temp = ctx.temp.clone();
        // Refused before the request spends one of the minute's.
        self.call.pending.room_for(false)?;
        let exchange = self.prepare(http::Request {
            method: http::Method::Get,
            url,
            headers,
            body: None,
            timeout_ms: timeout_ms.or(self.call.app.grants.network_timeout.download_file),
        })?;
        let file = temp.create()?;
        let progress = exchange.progress();
        let id = self.call.pending.start(async move {
            let Received { status, body, .. } = exchange.run_into(file).await?;
            let file = body.finish().await?;
            let answer = Downloaded { status, file };
            Ok(Some(Box::new(answer) as super::pending::Answer))
        });
        self.track(id, progress)
    }

    /// `take-download`: the file of download `id`, during its completion.
    pub(super) fn take_downloaded(&mut self, id: u64) -> CallResult<http::Download> {
        context(self.ctx)?;
        match self.call.pending.take_answer::<Downloaded>(id) {
            Some(Downloaded { status, file }) => Ok(http::Download {
                status,
                temp_path: file.keep(),
            }),
            None => Err(CallError::invalid(format!(
                "call {id} has no file to take: take it once, in the `on-complete` of a `download-file-start` that succeeded"
            ))),
        }
    }

    /// `upload-file-start`: the temp file as a form's field, POSTed.
    pub(super) async fn start_upload(&mut self, upload: http::Upload) -> CallResult<u64> {
        let ctx = context(self.ctx)?;
        let limit = self.call.app.grants.quotas.http_response_bytes;
        let size = ctx.temp.size(&upload.temp_path)?;
        if size > limit {
            return Err(CallError::quota(format!(
                "{} is over the {limit} bytes one upload may send (quota `http_response_bytes`)",
                upload.temp_path
            )));
        }
        if (upload.headers.iter()).any(|(name, _)| name.eq_ignore_ascii_case("content-type")) {
            return Err(CallError::invalid(
                "an upload's `content-type` is the host's (multipart/form-data): leave it out of its headers",
            ));
        }
        let form = Form::new()?;
        // The file read and the form built from it are both in memory
        // until the request holds the form (and charges it) alone: charged
        // before a byte is read, so an upload over budget reads nothing.
        let memory = self.call.pending.host_memory();
        let building =
            (memory.hold(2 * size, "an upload's file and its form")).map_err(CallError::quota)?;
        let file = ctx.temp.read(&upload.temp_path, size).await?;
        let body = form.body(&upload.field_name, &upload.form_data, &file)?;
        drop((file, building));
        let mut headers = upload.headers;
        headers.push(("content-type".into(), form.content_type()));
        self.call.pending.room_for(false)?;
        let exchange = self.prepare(http::Request {
            method: http::Method::Post,
            url: upload.url,
            headers,
            body: Some(body),
            timeout_ms: (upload.timeout_ms).or(self.call.app.grants.network_timeout.upload_file),
        })?;
        let progress = exchange.progress();
        let id = self.call.pending.start(async move {
            let response = exchange.run().await?;
            Ok(Some(Box::new(response) as super::pending::Answer))
        });
        self.track(id, progress)
    }

    /// `read-temp-file`: the bytes of a temp file of this instance,
    /// charged to `host_memory_bytes` while read (before a byte is, as
    /// `get-image-info`'s and an upload's reads are).
    pub(super) async fn read_temp(&mut self, path: &str) -> CallResult<Vec<u8>> {
        let ctx = context(self.ctx)?;
        let limit = self.call.app.grants.quotas.http_response_bytes;
        let memory = self.call.pending.host_memory();
        let (bytes, _held) = (ctx.temp.read_held(path, limit, memory, "a temp file read")).await?;
        Ok(bytes)
    }

    /// `remove-temp-file`: remove a temp file of this instance.
    pub(super) fn remove_temp(&mut self, path: &str) -> CallResult<()> {
        let ctx = context(self.ctx)?;
        ctx.temp.remove(path)
    }
}

/// A `multipart/form-data` body's boundary.
struct Form {
    boundary: String,
}

impl Form {
    fn new() -> CallResult<Form> {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes).map_err(|e| CallError::failed(e.to_string()))?;
        Ok(Form {
            boundary: format!("miniapp-{}", hex::encode(bytes)),
        })
    }

    fn content_type(&self) -> String {
        format!("multipart/form-data; boundary={}", self.boundary)
    }

    /// The body: each of `fields`, then `file` in field `name`.
    fn body(&self, name: &str, fields: &[(String, String)], file: &[u8]) -> CallResult<Vec<u8>> {
        let form_bytes: usize = fields.iter().map(|(k, v)| k.len() + v.len()).sum();
        if form_bytes + name.len() > MAX_FORM_BYTES {
            return Err(CallError::quota(format!(
                "an upload's form fields are limited to {MAX_FORM_BYTES} bytes"
            )));
        }
        let mut body = Vec::with_capacity(file.len() + form_bytes + 512);
        for (field, value) in fields {
            self.part(&mut body, field, None)?;
            body.extend_from_slice(value.as_bytes());
            body.extend_from_slice(b"\r\n");
        }
        self.part(&mut body, name, Some("file"))?;
        body.extend_from_slice(file);
        body.extend_from_slice(format!("\r\n--{}--\r\n", self.boundary).as_bytes());
        Ok(body)
    }

    /// A part's head: field `name`, and a file name if it is the file.
    fn part(&self, body: &mut Vec<u8>, name: &str, file: Option<&str>) -> CallResult<()> {
        let bad = |c: char| c == '"' || c == '\\' || c.is_control();
        if name.is_empty() || name.chars().any(bad) {
            return Err(CallError::invalid(format!(
                "`{}` is not a form field name (one or more characters, no quote, backslash or control character)",
                crate::text::cut(name, 80)
            )));
        }
        let head = match file {
            Some(file) => format!(
                "--{}\r\ncontent-disposition: form-data; name=\"{name}\"; filename=\"{file}\"\r\ncontent-type: application/octet-stream\r\n\r\n",
                self.boundary
            ),
            None => format!(
                "--{}\r\ncontent-disposition: form-data; name=\"{name}\"\r\n\r\n",
                self.boundary
            ),
        };
        body.extend_from_slice(head.as_bytes());
        Ok(())
    }
}
