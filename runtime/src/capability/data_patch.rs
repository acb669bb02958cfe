//! A set-data patch read in the order the app wrote its keys, as WeChat
//! applies them: `{"goods[6]": .., .., "goods[10]": ..}` appends 6 before 10
//! (a JSON object read into a map would sort `goods[10]` first). Only the
//! patch's top level keeps its order; its values are plain JSON.

use std::collections::HashMap;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde_json::Value;

/// A set-data patch from an embedder (the simulator's AppData edit), its
/// keys kept in the order written; its text ([`fmt::Display`]) is the patch
/// [`AppInstance::patch_data`](crate::AppInstance::patch_data) takes.
#[derive(Debug, Clone, PartialEq)]
pub struct DataPatch(Vec<(String, Value)>);

impl<'de> Deserialize<'de> for DataPatch {
    fn deserialize<D: Deserializer<'de>>(from: D) -> Result<DataPatch, D::Error> {
        match from.deserialize_any(InOrder)? {
            Some(entries) => Ok(DataPatch(entries)),
            None => Err(de::Error::custom(
                "a set-data patch is a JSON object of path -> value",
            )),
        }
    }
}

impl fmt::Display for DataPatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("{")?;
        for (i, (key, value)) in self.0.iter().enumerate() {
            let comma = if i == 0 { "" } else { "," };
            write!(f, "{comma}{}:{value}", Value::from(key.as_str()))?;
        }
        f.write_str("}")
    }
}

/// The entries of a patch, in the order written; a key written twice keeps
/// its first place and its last value (as `JSON.parse` does).
pub(crate) fn entries(patch: &str) -> Result<Vec<(String, Value)>, String> {
    let mut reader = serde_json::Deserializer::from_str(patch);
    let read = reader.deserialize_any(InOrder).and_then(|e| {
        reader.end()?;
        Ok(e)
    });
    match read {
        Ok(Some(entries)) => Ok(entries),
        Ok(None) => Err("set-data takes a JSON object of path -> value".into()),
        Err(e) => Err(format!("set-data patch is not valid JSON: {e}")),
    }
}

/// Reads an object's entries in order; any other JSON value is `None`.
struct InOrder;

impl<'de> Visitor<'de> for InOrder {
    type Value = Option<Vec<(String, Value)>>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object of path -> value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut entries: Vec<(String, Value)> = Vec::new();
        let mut seen: HashMap<String, usize> = HashMap::new();
        while let Some((key, value)) = map.next_entry::<String, Value>()? {
            match seen.get(&key) {
                Some(&at) => entries[at].1 = value,
                None => {
                    seen.insert(key.clone(), entries.len());
                    entries.push((key, value));
                }
            }
        }
        Ok(Some(entries))
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<de::IgnoredAny>()?.is_some() {}
        Ok(None)
    }

    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_keep_the_order_written() {
        let text = r#"{"goods[6]": 6, "goods[10]": 10, "b": 1, "a": {"z": 1, "y": 2}}"#;
        let keys: Vec<String> = entries(text).unwrap().into_iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["goods[6]", "goods[10]", "b", "a"]);
        let twice = entries(r#"{"a": 1, "b": 2, "a": 3}"#).unwrap();
        assert_eq!(twice, [("a".into(), json!(3)), ("b".into(), json!(2))]);
    }

    #[test]
    fn an_embedders_patch_is_written_back_in_order() {
        #[derive(serde::Deserialize)]
        #[serde(tag = "type")]
        enum Frame {
            #[serde(rename = "set-data")]
            SetData { patch: DataPatch },
        }
        let text = r#"{"type": "set-data", "patch": {"l[10]": "x\"", "l[9]": 9, "b": {"z": 1}}}"#;
        let Frame::SetData { patch } = serde_json::from_str(text).unwrap();
        assert_eq!(patch.to_string(), r#"{"l[10]":"x\"","l[9]":9,"b":{"z":1}}"#);
        let keys: Vec<String> = (entries(&patch.to_string()).unwrap().into_iter())
            .map(|(k, _)| k)
            .collect();
        assert_eq!(keys, ["l[10]", "l[9]", "b"]);
        let err = serde_json::from_str::<DataPatch>("[1]").unwrap_err();
        assert!(err.to_string().contains("JSON object"), "{err}");
    }

    #[test]
    fn only_an_object_is_a_patch() {
        for bad in ["[1]", "1", "\"a\"", "null", "true"] {
            assert!(entries(bad).unwrap_err().contains("JSON object"), "{bad}");
        }
        for bad in ["not json", "{\"a\": 1} x", "{\"a\": }"] {
            assert!(
                entries(bad).unwrap_err().contains("not valid JSON"),
                "{bad}"
            );
        }
    }
}
