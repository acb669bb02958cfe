//! `device-api`'s choosers that hand the app a file (WeChat's
//! `wx.chooseImage`, `wx.chooseMedia` for images): the user picks through
//! the host's device provider
//! ([`DeviceServices::choose_image`](crate::providers::DeviceServices::choose_image)),
//! and the picked bytes are written into the app's temp area
//! ([`super::temp_area`]) as this instance's files, counted by
//! `temp_bytes` and `temp_files` like a download's and given to the app
//! as `wxfile://tmp/...` paths.

use super::device::DeviceCtx;
use super::pending::Answer;
use super::temp_area::{InstanceTemp, TempFile};
use super::{CallError, CallResult, View};
use crate::bindings::device_api;
use crate::limits::Held;
use crate::providers::{ImageSources, PickedImage};
use miniapp_config::Scope;

/// The most files one `choose-image` or `choose-media` asks for
/// (WeChat's `count`).
const MOST_FILES: u32 = 9;

/// The images a chooser wrote, held until the app takes them (dropped
/// untaken, they are removed).
struct ChosenImages(Vec<(TempFile, u64)>);

/// Refuse a count outside 1 to [`MOST_FILES`] and no source at all
/// (`chooser`: the function asked).
pub(super) fn checked_choice(
    chooser: &str,
    count: u32,
    sources: device_api::ImageSources,
) -> CallResult<ImageSources> {
    if !(1..=MOST_FILES).contains(&count) {
        return Err(CallError::invalid(format!(
            "{chooser}'s count is {count}; it takes 1 to {MOST_FILES}"
        )));
    }
    let sources = ImageSources {
        album: sources.contains(device_api::ImageSources::ALBUM),
        camera: sources.contains(device_api::ImageSources::CAMERA),
    };
    match sources.album || sources.camera {
        true => Ok(sources),
        false => Err(CallError::invalid(format!(
            "{chooser} needs at least one source: album, camera or both"
        ))),
    }
}

/// Refuse more than `count` `things` (images, files) from the host's
/// picker.
pub(super) fn checked_count<T>(picked: &[T], count: u32, things: &str) -> CallResult<()> {
    match picked.len() as u64 > u64::from(count) {
        true => Err(CallError::failed(format!(
            "the host's picker gave {} {things} for a count of {count}",
            picked.len()
        ))),
        false => Ok(()),
    }
}

/// Write `picked` (each at most `max` bytes) into the instance's temp
/// area, one file each: each file and its size.
pub(crate) async fn written(
    temp: &InstanceTemp,
    picked: Vec<Vec<u8>>,
    max: u64,
) -> CallResult<Vec<(TempFile, u64)>> {
    let mut files = Vec::with_capacity(picked.len());
    for bytes in picked {
        let size = bytes.len() as u64;
        if size > max {
            return Err(CallError::quota(format!(
                "a picked file of {size} bytes is over the {max} one file may hold (quota `http_response_bytes`)"
            )));
        }
        let mut file = temp.create()?;
        file.write(bytes.into()).await?;
        files.push((file.finish().await?, size));
    }
    Ok(files)
}

/// The size and kind of the image `bytes` hold, from its header (PNG,
/// JPEG, GIF), or `None`.
pub(super) fn image_info(bytes: &[u8]) -> Option<device_api::ImageInfo> {
    let be16 = |at: usize| Some(u16::from_be_bytes(bytes.get(at..at + 2)?.try_into().ok()?));
    let info = |width: u32, height: u32, kind: &str| device_api::ImageInfo {
        width,
        height,
        kind: kind.into(),
    };
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") && bytes.get(12..16) == Some(b"IHDR") {
        let be32 = |at: usize| Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?));
        return Some(info(be32(16)?, be32(20)?, "png"));
    }
    if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        let le16 = |at: usize| Some(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?));
        return Some(info(le16(6)?.into(), le16(8)?.into(), "gif"));
    }
    if !bytes.starts_with(&[0xff, 0xd8]) {
        return None;
    }
    // JPEG: the segments up to the first start of frame (SOF0 to SOF15,
    // not DHT, JPG or DAC), which holds the height and the width.
    let mut at = 2;
    while *bytes.get(at)? == 0xff {
        let marker = *bytes.get(at + 1)?;
        if (0xc0..=0xcf).contains(&marker) && ![0xc4, 0xc8, 0xcc].contains(&marker) {
            return Some(info(be16(at + 7)?.into(), be16(at + 5)?.into(), "jpeg"));
        }
        at += 2 + usize::from(be16(at + 2)?);
    }
    None
}

impl View<'_, DeviceCtx> {
    /// `save-image-to-photos-album`: temp file `path` (at most
    /// `http_response_bytes`, read whole and charged to
    /// `host_memory_bytes` until saved) to the user's album, with the
    /// `album` consent; refused where there is no screen.
    pub(super) async fn save_to_album(&mut self, path: &str) -> CallResult<()> {
        self.call.needs_screen("the photo album")?;
        // A saved image is the host acting for the app, as a toast is.
        self.call
            .count_drawn("toasts, bar changes, vibrations, screen changes or saved images")?;
        // Held in memory until the host has saved it.
        let (bytes, _held) = self.read_held(path, "an image saved to the album").await?;
        if image_info(&bytes).is_none() {
            return Err(CallError::invalid(format!(
                "{path} is not a PNG, JPEG or GIF image: the album takes images"
            )));
        }
        self.call.consented(Scope::Album).await?;
        let app = &self.call.app;
        (app.services.providers.device)
            .save_to_album(&app.manifest.id, PickedImage(bytes))
            .map_err(|e| CallError::failed(e.0))
    }

    /// `get-image-info`: the size and kind of temp file `src`, read whole
    /// (charged to `host_memory_bytes` while read).
    pub(super) async fn image_info_of(&mut self, src: &str) -> CallResult<device_api::ImageInfo> {
        let (bytes, _held) = self.read_held(src, "an image read for its size").await?;
        image_info(&bytes)
            .ok_or_else(|| CallError::invalid(format!("{src} is not a PNG, JPEG or GIF image")))
    }

    /// Temp file `path` read whole (at most `http_response_bytes`), charged
    /// to `host_memory_bytes` as `what` while the hold returned lives:
    /// charged before a byte is read, so a file over the budget reads
    /// nothing.
    async fn read_held(&mut self, path: &str, what: &str) -> CallResult<(Vec<u8>, Held)> {
        let limit = self.call.app.grants.quotas.http_response_bytes;
        let memory = self.call.pending.host_memory();
        self.ctx.temp.read_held(path, limit, memory, what).await
    }

    /// `choose-image`: the picker opened within a tap; its images written
    /// to the temp area when the user has picked.
    pub(super) fn start_choose_image(
        &mut self,
        count: u32,
        sources: device_api::ImageSources,
    ) -> CallResult<u64> {
        let sources = checked_choice("choose-image", count, sources)?;
        if !self.call.app.services.providers.device.can_pick_images() {
            return Err(CallError::unsupported(
                "this host has no screen for the image picker",
            ));
        }
        self.call.pending.room_for(false)?;
        self.call.gesture.spend("choose-image")?;
        let app = &self.call.app;
        let max = app.grants.quotas.http_response_bytes;
        let asked = (app.services.providers.device).choose_image(&app.manifest.id, count, sources);
        let temp = self.ctx.temp.clone();
        self.call.pending.start(async move {
            let images = asked.await.map_err(|e| CallError::failed(e.0))?;
            let images = images.ok_or_else(|| CallError::failed("cancel"))?;
            checked_count(&images, count, "images")?;
            let bytes = images.into_iter().map(|PickedImage(bytes)| bytes).collect();
            let chosen = ChosenImages(written(&temp, bytes, max).await?);
            Ok(Some(Box::new(chosen) as Answer))
        })
    }

    /// `take-chosen-images`: the files of call `id`, during its completion.
    pub(super) fn chosen_images(&mut self, id: u64) -> CallResult<Vec<device_api::ChosenFile>> {
        match self.call.pending.take_answer::<ChosenImages>(id) {
            Some(ChosenImages(files)) => Ok(files
                .into_iter()
                .map(|(file, size)| device_api::ChosenFile {
                    temp_path: file.keep(),
                    size,
                })
                .collect()),
            None => Err(CallError::invalid(format!(
                "call {id} has no images to take: take them once, in the `on-complete` of a `choose-image` that succeeded"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::image_info;

    fn kind(bytes: &[u8]) -> Option<(u32, u32, String)> {
        image_info(bytes).map(|i| (i.width, i.height, i.kind))
    }

    #[test]
    fn png_gif_and_jpeg_headers_give_the_size_and_anything_else_nothing() {
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        png.extend_from_slice(&[0, 0, 1, 44, 0, 0, 0, 200]);
        assert_eq!(kind(&png), Some((300, 200, "png".into())));
        let gif = b"GIF89a\x40\x01\xf0\x00";
        assert_eq!(kind(gif), Some((320, 240, "gif".into())));
        // SOI, an APP0 of 4 bytes, then SOF0: precision 8, 480 high, 640 wide.
        let jpeg = [
            0xff, 0xd8, 0xff, 0xe0, 0, 4, 0, 0, 0xff, 0xc0, 0, 17, 8, 1, 0xe0, 2, 0x80,
        ];
        assert_eq!(kind(&jpeg), Some((640, 480, "jpeg".into())));
        assert_eq!(kind(&jpeg[..12]), None, "cut before its frame");
        assert_eq!(kind(b"hello"), None);
        assert_eq!(kind(&png[..20]), None, "cut inside its header");
    }
}
