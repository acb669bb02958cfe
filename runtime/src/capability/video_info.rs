//! A video's length and picture size, read from its MP4 header (ISO base
//! media: `ftyp`, then `moov` holding `mvhd` and a `trak` whose
//! `mdia/hdlr` says `vide`, with its `tkhd`). Bounded: only the boxes on
//! that path are looked into, each read within the bytes held, so a
//! malformed file ends the walk with `None`, never a panic or a loop.

/// What an MP4 video's header says.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct VideoInfo {
    /// Its length in seconds (`mvhd`'s duration over its timescale).
    pub duration: f64,
    /// The video track's width in pixels (`tkhd`, before any rotation).
    pub width: u32,
    /// Its height in pixels.
    pub height: u32,
}

/// The boxes directly in `bytes`: each one's type and payload; the walk
/// stops at the first box whose size does not fit.
fn boxes(bytes: &[u8]) -> impl Iterator<Item = (&[u8], &[u8])> {
    let mut rest = bytes;
    std::iter::from_fn(move || {
        let size = u32::from_be_bytes(rest.get(0..4)?.try_into().ok()?);
        let kind = rest.get(4..8)?;
        let (header, size) = match size {
            0 => (8, rest.len()),
            1 => {
                let large = u64::from_be_bytes(rest.get(8..16)?.try_into().ok()?);
                (16, usize::try_from(large).ok()?)
            }
            n => (8, n as usize),
        };
        let payload = rest.get(header..size)?;
        rest = &rest[size..];
        Some((kind, payload))
    })
}

/// The payload of the first box of type `kind` directly in `bytes`.
fn child<'a>(bytes: &'a [u8], kind: &[u8; 4]) -> Option<&'a [u8]> {
    boxes(bytes)
        .find(|(k, _)| k == kind)
        .map(|(_, payload)| payload)
}

fn be32(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

fn be64(bytes: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_be_bytes(bytes.get(at..at + 8)?.try_into().ok()?))
}

/// The length in seconds `mvhd` holds (version 0 or 1).
fn duration(mvhd: &[u8]) -> Option<f64> {
    let (scale, length) = match mvhd.first()? {
        0 => (be32(mvhd, 12)?, u64::from(be32(mvhd, 16)?)),
        1 => (be32(mvhd, 20)?, be64(mvhd, 24)?),
        _ => return None,
    };
    (scale > 0).then(|| length as f64 / f64::from(scale))
}

/// The width and height in pixels `tkhd` holds (16.16 fixed point).
fn size(tkhd: &[u8]) -> Option<(u32, u32)> {
    let at = match tkhd.first()? {
        0 => 76,
        1 => 88,
        _ => return None,
    };
    Some((be32(tkhd, at)? >> 16, be32(tkhd, at + 4)? >> 16))
}

/// Whether `trak` is a video track (its handler is `vide`).
fn is_video(trak: &[u8]) -> bool {
    let handler = child(trak, b"mdia").and_then(|mdia| child(mdia, b"hdlr"));
    handler.and_then(|hdlr| hdlr.get(8..12)) == Some(b"vide")
}

/// The length and size of the MP4 video `bytes` hold, or `None` when they
/// are not one (no `ftyp` first, no movie header, or no video track).
pub(super) fn video_info(bytes: &[u8]) -> Option<VideoInfo> {
    let mut top = boxes(bytes);
    if top.next()?.0 != b"ftyp" {
        return None;
    }
    let moov = top.find(|(kind, _)| *kind == b"moov")?.1;
    let duration = duration(child(moov, b"mvhd")?)?;
    let trak = boxes(moov).find(|(kind, trak)| *kind == b"trak" && is_video(trak))?;
    let (width, height) = size(child(trak.1, b"tkhd")?)?;
    Some(VideoInfo {
        duration,
        width,
        height,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn boxed(kind: &[u8; 4], payload: &[u8]) -> Vec<u8> {
        let mut out = (8 + payload.len() as u32).to_be_bytes().to_vec();
        out.extend_from_slice(kind);
        out.extend_from_slice(payload);
        out
    }

    /// An MP4's header: `seconds` long at timescale 1000, one video track
    /// `width` by `height` (version 0 boxes), after a sound track.
    fn mp4(seconds: u32, width: u32, height: u32) -> Vec<u8> {
        let mut mvhd = vec![0; 100];
        mvhd[12..16].copy_from_slice(&1000u32.to_be_bytes());
        mvhd[16..20].copy_from_slice(&(seconds * 1000).to_be_bytes());
        let track = |handler: &[u8; 4], w: u32, h: u32| {
            let mut tkhd = vec![0; 84];
            tkhd[76..80].copy_from_slice(&(w << 16).to_be_bytes());
            tkhd[80..84].copy_from_slice(&(h << 16).to_be_bytes());
            let mut hdlr = vec![0; 24];
            hdlr[8..12].copy_from_slice(handler);
            let mdia = boxed(b"mdia", &boxed(b"hdlr", &hdlr));
            boxed(b"trak", &[boxed(b"tkhd", &tkhd), mdia].concat())
        };
        let moov = [
            boxed(b"mvhd", &mvhd),
            track(b"soun", 0, 0),
            track(b"vide", width, height),
        ];
        [
            boxed(b"ftyp", b"isom\0\0\0\0"),
            boxed(b"moov", &moov.concat()),
        ]
        .concat()
    }

    #[test]
    fn an_mp4_header_gives_the_length_and_the_video_track_s_size() {
        let info = video_info(&mp4(12, 640, 360)).unwrap();
        assert_eq!(
            info,
            VideoInfo {
                duration: 12.0,
                width: 640,
                height: 360
            }
        );
    }

    #[test]
    fn what_is_no_mp4_video_or_is_cut_gives_nothing() {
        let whole = mp4(3, 320, 240);
        for cut in [8, 40, whole.len() - 1] {
            assert_eq!(video_info(&whole[..cut]), None, "cut at {cut}");
        }
        assert_eq!(video_info(b"\x89PNG\r\n\x1a\n"), None);
        assert_eq!(video_info(&[0; 64]), None, "a box of size 0 with no type");
        // The same boxes with the video track made a sound track.
        let mut sound = whole.clone();
        let at = sound.windows(4).position(|w| w == b"vide").unwrap();
        sound[at..at + 4].copy_from_slice(b"soun");
        assert_eq!(video_info(&sound), None, "no video track");
    }

    /// A box of `kind` whose size field says `size` (not its length).
    fn sized(size: u32, kind: &[u8; 4], payload: &[u8]) -> Vec<u8> {
        [&size.to_be_bytes()[..], kind, payload].concat()
    }

    #[test]
    fn hostile_boxes_end_the_walk_without_a_panic_or_a_loop() {
        let ftyp = boxed(b"ftyp", b"isom");
        let hostile = [
            // Sizes under a header's 8 bytes, and past the bytes held.
            sized(2, b"moov", &[0; 32]),
            sized(7, b"moov", &[0; 32]),
            sized(u32::MAX, b"moov", &[0; 32]),
            // A 64-bit size of 0, under its 16-byte header, and huge.
            sized(1, b"moov", &0u64.to_be_bytes()),
            sized(1, b"moov", &8u64.to_be_bytes()),
            sized(1, b"moov", &u64::MAX.to_be_bytes()),
            // Size 0 (to the end) holding a moov that claims more.
            sized(0, b"moov", &sized(1000, b"mvhd", &[1; 8])),
            // An mvhd and a tkhd of unknown versions and cut short.
            boxed(
                b"moov",
                &[boxed(b"mvhd", &[2; 40]), boxed(b"trak", &[])].concat(),
            ),
            boxed(b"moov", &boxed(b"mvhd", &[1, 0, 0])),
        ];
        for (n, moov) in hostile.iter().enumerate() {
            assert_eq!(video_info(&[&ftyp[..], moov].concat()), None, "case {n}");
        }
        // A million empty boxes: walked once each, and none found.
        let many = boxed(b"free", &[]).repeat(1 << 20);
        assert_eq!(video_info(&[&ftyp[..], &many[..]].concat()), None);
        // Every cut, and every byte of a whole header changed (a fixed
        // sequence of values): an answer or `None`, never a panic.
        let whole = mp4(5, 64, 48);
        for cut in 0..whole.len() {
            let _ = video_info(&whole[..cut]);
        }
        let mut seed = 0x2545_f491_u32;
        for at in 0..whole.len() {
            for _ in 0..8 {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                let mut changed = whole.clone();
                changed[at] = seed as u8;
                let _ = video_info(&changed);
            }
        }
    }
}
