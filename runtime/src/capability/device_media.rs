//! `device-api.choose-media` (WeChat's `wx.chooseMedia`, and
//! `wx.chooseVideo` as one video): the user picks images and videos
//! through the host's device provider
//! ([`DeviceServices::choose_media`](crate::providers::DeviceServices::choose_media));
//! each file's kind, size in pixels and (a video's) length are read from
//! its header ([`super::device_files::image_info`],
//! [`super::video_info`]), and the files are written into the app's temp
//! area as [`super::device_files`] writes chosen images.

use super::device::DeviceCtx;
use super::device_files::{checked_choice, checked_count, image_info, written};
use super::pending::Answer;
use super::temp_area::TempFile;
use super::video_info::video_info;
use super::{CallError, CallResult, View};
use crate::bindings::device_api;
use crate::providers::{MediaTypes, PickedMedia};

/// A video's longest length the app may ask for, in seconds (WeChat's
/// `maxDuration`, 3 to 60).
const DURATIONS: std::ops::RangeInclusive<u32> = 3..=60;

/// What one picked file is, read from its header: its kind, length in
/// seconds (0 for an image), width and height.
type Header = (device_api::MediaType, f64, u32, u32);

/// The files a media picker wrote, with their headers, held until the app
/// takes them (dropped untaken, they are removed).
struct ChosenMedia(Vec<((TempFile, u64), Header)>);

/// Refuse no kind at all and a `max-duration` outside [`DURATIONS`].
fn checked_media(media: device_api::MediaTypes, max_duration: u32) -> CallResult<MediaTypes> {
    let media = MediaTypes {
        image: media.contains(device_api::MediaTypes::IMAGE),
        video: media.contains(device_api::MediaTypes::VIDEO),
    };
    if !media.image && !media.video {
        return Err(CallError::invalid(
            "choose-media needs at least one media type: image, video or both",
        ));
    }
    match DURATIONS.contains(&max_duration) {
        true => Ok(media),
        false => Err(CallError::invalid(format!(
            "choose-media's max-duration is {max_duration} seconds; it takes {} to {}",
            DURATIONS.start(),
            DURATIONS.end()
        ))),
    }
}

/// The header of picked file number `n` (from 1), `bytes`: refused when
/// it is neither a PNG, JPEG or GIF image nor an MP4 video, of a kind not
/// asked for, or a video longer than `max_duration` seconds.
fn header(n: usize, bytes: &[u8], media: MediaTypes, max_duration: u32) -> CallResult<Header> {
    use device_api::MediaType::{Image, Video};
    let what = |kind| format!("picked file {n} ({} bytes) is {kind}", bytes.len());
    // An image's header first: a video's is looked for only if it is none.
    let header = match image_info(bytes) {
        Some(i) => (Image, 0.0, i.width, i.height),
        None => match video_info(bytes) {
            Some(v) => (Video, v.duration, v.width, v.height),
            None => {
                return Err(CallError::failed(what(
                    "neither a PNG, JPEG or GIF image nor an MP4 video",
                )));
            }
        },
    };
    match header.0 {
        Image if !media.image => Err(CallError::failed(what("an image; videos were asked for"))),
        Video if !media.video => Err(CallError::failed(what("a video; images were asked for"))),
        Video if header.1 > f64::from(max_duration) => Err(CallError::failed(what(&format!(
            "a video of {} seconds, over the max-duration of {max_duration}",
            header.1
        )))),
        _ => Ok(header),
    }
}

impl View<'_, DeviceCtx> {
    /// `choose-media`: the picker opened within a tap; its files checked
    /// and written to the temp area when the user has picked.
    pub(super) fn start_choose_media(
        &mut self,
        count: u32,
        media: device_api::MediaTypes,
        sources: device_api::ImageSources,
        max_duration: u32,
    ) -> CallResult<u64> {
        let sources = checked_choice("choose-media", count, sources)?;
        let media = checked_media(media, max_duration)?;
        let device = &self.call.app.services.providers.device;
        if !(media.image && device.can_pick_images() || media.video && device.can_pick_videos()) {
            return Err(CallError::unsupported(
                "this host has no screen for the media picker",
            ));
        }
        self.call.pending.room_for(false)?;
        self.call.gesture.spend("choose-media")?;
        let app = &self.call.app;
        let max = app.grants.quotas.http_response_bytes;
        let asked = (app.services.providers.device).choose_media(
            &app.manifest.id,
            count,
            media,
            sources,
            max_duration,
        );
        let temp = self.ctx.temp.clone();
        self.call.pending.start(async move {
            let picked = asked.await.map_err(|e| CallError::failed(e.0))?;
            let picked = picked.ok_or_else(|| CallError::failed("cancel"))?;
            checked_count(&picked, count, "files")?;
            let headers = (picked.iter().enumerate())
                .map(|(at, PickedMedia(bytes))| header(at + 1, bytes, media, max_duration))
                .collect::<CallResult<Vec<_>>>()?;
            let bytes = picked.into_iter().map(|PickedMedia(bytes)| bytes).collect();
            let files = written(&temp, bytes, max).await?;
            let chosen = ChosenMedia(files.into_iter().zip(headers).collect());
            Ok(Some(Box::new(chosen) as Answer))
        })
    }

    /// `take-chosen-media`: the files of call `id`, during its completion.
    pub(super) fn chosen_media(&mut self, id: u64) -> CallResult<Vec<device_api::ChosenMedia>> {
        let Some(ChosenMedia(files)) = self.call.pending.take_answer::<ChosenMedia>(id) else {
            return Err(CallError::invalid(format!(
                "call {id} has no media to take: take them once, in the `on-complete` of a `choose-media` that succeeded"
            )));
        };
        let chosen = |((file, size), header): ((TempFile, u64), Header)| {
            let (file_type, duration, width, height) = header;
            device_api::ChosenMedia {
                temp_path: file.keep(),
                size,
                file_type,
                duration,
                width,
                height,
            }
        };
        Ok(files.into_iter().map(chosen).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOTH: MediaTypes = MediaTypes {
        image: true,
        video: true,
    };

    fn refusal(result: CallResult<impl std::fmt::Debug>) -> String {
        match result {
            Err(CallError::Guest(e)) => format!("{e:?}"),
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn no_kind_and_a_max_duration_off_wechat_s_range_are_refused_by_name() {
        let none = device_api::MediaTypes::empty();
        assert!(refusal(checked_media(none, 10)).contains("at least one media type"));
        let video = device_api::MediaTypes::VIDEO;
        assert!(refusal(checked_media(video, 2)).contains("max-duration is 2 seconds"));
        assert!(refusal(checked_media(video, 61)).contains("it takes 3 to 60"));
        assert!(checked_media(video, 60).unwrap().video);
    }

    #[test]
    fn a_file_that_is_no_image_or_video_is_refused_naming_it() {
        let text = refusal(header(2, b"hello", BOTH, 10));
        assert!(
            text.contains(
                "picked file 2 (5 bytes) is neither a PNG, JPEG or GIF image nor an MP4 video"
            ),
            "{text}"
        );
        let gif = b"GIF89a\x40\x01\xf0\x00";
        let only_video = MediaTypes {
            image: false,
            ..BOTH
        };
        let text = refusal(header(1, gif, only_video, 10));
        assert!(
            text.contains("is an image; videos were asked for"),
            "{text}"
        );
        let (kind, seconds, width, height) = header(1, gif, BOTH, 10).unwrap();
        assert_eq!(
            (kind, seconds, width, height),
            (device_api::MediaType::Image, 0.0, 320, 240)
        );
    }
}
