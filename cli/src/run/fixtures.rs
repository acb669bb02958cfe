//! `miniapp run --fixture`: what the device's sensors and choosers answer
//! in a run, given on the command line.

use std::path::Path;

use miniapp_runtime::providers::{HeadlessDevice, Position, Simulator};

use crate::Failure;

/// The fixtures `--fixture` knows.
const KNOWN: &str = "location=LAT,LON";

/// The bytes an `image=FILE` may hold at most (the app's own quotas bound
/// what it keeps: `http_response_bytes`, `temp_bytes`).
const MOST_IMAGE_BYTES: u64 = 64 * 1024 * 1024;

/// The simulated device with `fixtures` applied: `location=LAT,LON`
/// answers `location.get-location`; `image=FILE` answers the image picker
/// (`device-api.choose-image`) with that file, the device headless
/// otherwise.
pub fn simulator(fixtures: &[String]) -> Result<(Simulator, HeadlessDevice), Failure> {
    let mut simulator = Simulator::default();
    let mut device = HeadlessDevice::default();
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
            Some(("image", file)) => device = HeadlessDevice::picking(image(file).map_err(bad)?),
            Some((name, _)) => {
                return Err(bad(format!(
                    "`{name}` is not a fixture (known: {KNOWN}); image=FILE answers the image picker"
                )));
            }
            None => return Err(bad(format!("expected NAME=VALUE ({KNOWN}, image=FILE)"))),
        }
    }
    Ok((simulator, device))
}

/// The bytes of image file `file`: a file of 1 byte to
/// [`MOST_IMAGE_BYTES`].
fn image(file: &str) -> Result<Vec<u8>, String> {
    let cannot = |e: std::io::Error| format!("cannot read the image {file}: {e}");
    let size = std::fs::metadata(Path::new(file)).map_err(cannot)?.len();
    if size == 0 || size > MOST_IMAGE_BYTES {
        return Err(format!(
            "the image {file} is {size} bytes; an image fixture is 1 byte to {MOST_IMAGE_BYTES}"
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
