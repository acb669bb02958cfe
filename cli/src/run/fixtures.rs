//! `miniapp run --fixture`: what the device's sensors and choosers answer
//! in a run, given on the command line.

use miniapp_runtime::providers::{Position, Simulator};

use crate::Failure;

/// The fixtures `--fixture` knows.
const KNOWN: &str = "location=LAT,LON";

/// The simulated device with `fixtures` applied: `location=LAT,LON`
/// answers `location.get-location`.
pub fn simulator(fixtures: &[String]) -> Result<Simulator, Failure> {
    let mut simulator = Simulator::default();
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
            Some((name, _)) => {
                return Err(bad(format!("`{name}` is not a fixture (known: {KNOWN})")));
            }
            None => return Err(bad(format!("expected NAME=VALUE ({KNOWN})"))),
        }
    }
    Ok(simulator)
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
    fn a_location_replaces_the_simulated_position() {
        let sim = simulator(&["location=-33.8688,151.2093".into()])
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
