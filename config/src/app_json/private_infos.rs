//! `app.json`'s `requiredPrivateInfos`: the location and address APIs the
//! app calls, named as WeChat names them. As on WeChat, an app with an
//! `app.json` may call only those it declares (the runtime refuses the
//! others naming this key); an app without one is not held to it.

use serde_json::Value;

use crate::app_json::{ConfigError, Reader, distance};
use crate::json_pos::join;

/// WeChat's names for the APIs `requiredPrivateInfos` declares.
pub const PRIVATE_INFOS: &[&str] = &[
    "getFuzzyLocation",
    "getLocation",
    "onLocationChange",
    "startLocationUpdate",
    "startLocationUpdateBackground",
    "chooseLocation",
    "choosePoi",
    "chooseAddress",
];

/// Pairs WeChat refuses together (precise and fuzzy location).
const EXCLUSIVE: &[(&str, &str)] = &[
    ("getLocation", "getFuzzyLocation"),
    ("onLocationChange", "getFuzzyLocation"),
    ("startLocationUpdate", "getFuzzyLocation"),
    ("startLocationUpdateBackground", "getFuzzyLocation"),
];

/// Read the `requiredPrivateInfos` array at `path`.
pub(crate) fn read(reader: &Reader, path: &str, value: &Value) -> Result<Vec<String>, ConfigError> {
    let Value::Array(items) = value else {
        return Err(reader.value_error(
            path,
            "`requiredPrivateInfos` must be an array of API names (`getLocation`, ...)".into(),
        ));
    };
    let mut declared: Vec<String> = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let at = join(path, &index.to_string());
        let name = reader.string(&at, item)?;
        if !PRIVATE_INFOS.contains(&name.as_str()) {
            let closest = (PRIVATE_INFOS.iter())
                .min_by_key(|k| distance(&k.to_lowercase(), &name.to_lowercase()))
                .expect("a list");
            return Err(reader.value_error(
                &at,
                format!("`{name}` is not one of WeChat's requiredPrivateInfos: did you mean `{closest}`?"),
            ));
        }
        if declared.contains(&name) {
            return Err(reader.value_error(&at, format!("`{name}` is listed twice")));
        }
        let clash = (EXCLUSIVE.iter())
            .filter_map(|&(a, b)| match (a == name, b == name) {
                (true, _) => Some(b),
                (_, true) => Some(a),
                _ => None,
            })
            .find(|other| declared.iter().any(|d| d == other));
        if let Some(other) = clash {
            return Err(reader.value_error(
                &at,
                format!(
                    "`{name}` and `{other}` may not be declared together (as on WeChat): keep one"
                ),
            ));
        }
        declared.push(name);
    }
    Ok(declared)
}

#[cfg(test)]
mod tests {
    use crate::AppConfig;
    use crate::app_json::tests::refused;

    #[test]
    fn the_declared_apis_are_read_in_order() {
        let declared = |text: &str| AppConfig::parse(text).unwrap().required_private_infos;
        let both = ["getLocation".to_string(), "chooseAddress".to_string()];
        let text = r#"{"requiredPrivateInfos": ["getLocation", "chooseAddress"]}"#;
        assert_eq!(declared(text), Some(both.to_vec()));
        assert_eq!(declared("{}"), None, "the key left out");
    }

    #[test]
    fn each_bad_entry_is_refused_at_its_place() {
        for (text, expected) in [
            (
                r#"{"requiredPrivateInfos": ["getLocaton"]}"#,
                "app.json:1:27: `getLocaton` is not one of WeChat's requiredPrivateInfos: did you mean `getLocation`?",
            ),
            (
                r#"{"requiredPrivateInfos": ["getLocation", "chooseAddress", "getFuzzyLocation"]}"#,
                "app.json:1:59: `getFuzzyLocation` and `getLocation` may not be declared together (as on WeChat): keep one",
            ),
            (
                r#"{"requiredPrivateInfos": ["chooseAddress", "chooseAddress"]}"#,
                "app.json:1:44: `chooseAddress` is listed twice",
            ),
            (
                r#"{"requiredPrivateInfos": [1]}"#,
                "app.json:1:27: `0` must be a string",
            ),
            (
                r#"{"requiredPrivateInfos": "getLocation"}"#,
                "app.json:1:26: `requiredPrivateInfos` must be an array of API names (`getLocation`, ...)",
            ),
        ] {
            assert_eq!(refused(text), expected, "{text}");
        }
    }
}
