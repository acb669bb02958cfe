//! `miniapp run --fixture`: what the device's sensors and choosers answer
//! in a run, given on the command line.

use std::path::Path;

use miniapp_runtime::providers::{HeadlessDevice, Position, Simulator};

use crate::Failure;

/// The fixtures `--fixture` knows.
const KNOWN: &str = "location=LAT,LON";

/// The fixtures that answer the pickers with a file.
const FILES: &str = "image=FILE answers the image picker, video=FILE the media picker's videos";

/// The bytes an `image=FILE` or `video=FILE` may hold at most (the app's
/// own quotas bound what it keeps: `http_response_bytes`, `temp_bytes`).
const MOST_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// The simulated device with `fixtures` applied: `location=LAT,LON`
/// answers `location.get-location`; `image=FILE` answers the image picker
/// (`device-api.choose-image`, and `choose-media` for images) with that
/// file, `video=FILE` the media picker's videos (`choose-media`, and so
/// `wx.chooseVideo`); the device headless otherwise.
pub fn simulator(fixtures: &[String]) -> Result<(Simulator, HeadlessDevice), Failure> {
    let mut simulator = Simulator::default();
    let (mut image, mut video) = (None, None);
    for fixture in fixtures {
        let bad = |why: String| Failure::input(format!("--fixture `{fixture}`: {why}"));
        match fixture.split_once('=') {
            Some(("location", at)) => {
                let (latitude, longitude) = position(at).map_err(bad)?;
                simulator.position = Position {
                    latitude,
                    longitude,
                    ..simulator.position
                };
            }
            Some(("image", file)) => image = Some(picked("image", file).map_err(bad)?),
            Some(("video", file)) => video = Some(picked("video", file).map_err(bad)?),
            Some((name, _)) => {
                return Err(bad(format!(
                    "`{name}` is not a fixture (known: {KNOWN}); {FILES}"
                )));
            }
            None => {
                return Err(bad(format!(
                    "expected NAME=VALUE ({KNOWN}, image=FILE, video=FILE)"
                )));
            }
        }
    }
    let device = match image {
        Some(bytes) => HeadlessDevice::picking(bytes),
        None => HeadlessDevice::default(),
    };
    match video {
        Some(bytes) => Ok((simulator, device.picking_video(bytes))),
        None => Ok((simulator, device)),
    }
}

/// The bytes of `kind` (image, video) file `file`: a file of 1 byte to
/// [`MOST_FILE_BYTES`] (what it holds is read by the runtime, which
/// refuses a file that is no image or video in the app's picker).
fn picked(kind: &str, file: &str) -> Result<Vec<u8>, String> {
    let cannot = |e: std::io::Error| format!("cannot read the {kind} {file}: {e}");
    let size = std::fs::metadata(Path::new(file)).map_err(cannot)?.len();
    if size == 0 || size > MOST_FILE_BYTES {
        let a = if kind.starts_with(['a', 'e', 'i', 'o', 'u']) {
            "an"
        } else {
            "a"
        };
        return Err(format!(
            "the {kind} {file} is {size} bytes; {a} {kind} fixture is 1 byte to {MOST_FILE_BYTES}"
        ));
    }
    std::fs::read(file).map_err(cannot)
}

/// `LAT,LON` in degrees: latitude within ±90, longitude within ±180.
fn position(text: &str) -> Result<(f64, f64), String> {
    let (lat, lon) = text
        .split_once(',')
        .ok_or_else(|| "expected location=LAT,LON in degrees, e.g. 31.23,121.47".to_string())?;
    let degrees = |what: &str, text: &str, most: f64| match text.trim().parse::<f64>() {
        Ok(d) if d.is_finite() && d.abs() <= most => Ok(d),
        Ok(d) => Err(format!(
            "the {what} {d} is out of range: -{most} to {most} degrees"
        )),
        Err(_) => Err(format!("the {what} `{text}` is not a number of degrees")),
    };
    Ok((
        degrees("latitude", lat, 90.0)?,
        degrees("longitude", lon, 180.0)?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(fixture: &str) -> String {
        simulator(&[fixture.to_string()]).err().unwrap().message
    }

    #[test]
    fn an_image_must_be_a_readable_file_with_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.png");
        std::fs::write(&empty, b"").unwrap();
        let empty = format!("image={}", empty.display());
        assert!(refusal(&empty).contains("is 0 bytes; an image fixture is 1 byte to"));
        let missing = format!("image={}", dir.path().join("none.png").display());
        assert!(refusal(&missing).contains("cannot read the image"));
        let empty = format!("video={}", dir.path().join("empty.png").display());
        assert!(refusal(&empty).contains("is 0 bytes; a video fixture is 1 byte to"));
    }

    #[test]
    fn a_location_replaces_the_simulated_position() {
        let (sim, _) = simulator(&["location=-33.8688,151.2093".into()])
            .unwrap_or_else(|e| panic!("{}", e.message));
        assert_eq!(
            (sim.position.latitude, sim.position.longitude),
            (-33.8688, 151.2093)
        );
    }

    #[test]
    fn out_of_range_or_malformed_locations_are_refused_by_name() {
        assert!(refusal("location=91,0").contains("the latitude 91 is out of range"));
        assert!(refusal("location=0,-180.5").contains("the longitude -180.5 is out of range"));
        assert!(refusal("location=north,0").contains("the latitude `north` is not a number"));
        assert!(refusal("location=NaN,0").contains("out of range"));
        assert!(refusal("location=1").contains("expected location=LAT,LON"));
        assert!(refusal("weather=rain").contains("`weather` is not a fixture"));
    }
}
