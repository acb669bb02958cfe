//! `view`: page data. The app sends `set-data` patches keyed by data paths
//! (`title`, `list[2].done`, `user.name`); the host applies them to the data
//! of the page on top of the stack and keeps it for whoever renders.

use serde_json::{Map, Value};

use super::{CallError, CallResult};
use crate::bindings::view;
use crate::instance::InstanceState;

/// Longest data path.
const MAX_PATH_LEN: usize = 1024;

/// One step of a data path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Key(String),
    Index(usize),
}

/// Parse `a.b[2].c` into steps.
fn parse_path(path: &str) -> Result<Vec<Step>, String> {
    if path.is_empty() || path.len() > MAX_PATH_LEN {
        return Err(format!("data path must be 1 to {MAX_PATH_LEN} bytes"));
    }
    let bad = || format!("`{path}` is not a data path like `list[2].done`");
    let mut steps = Vec::new();
    for (i, part) in path.split('.').enumerate() {
        let (key, mut rest) = match part.find('[') {
            Some(at) => part.split_at(at),
            None => (part, ""),
        };
        if key.is_empty() && (i > 0 || rest.is_empty()) {
            return Err(bad());
        }
        if !key.is_empty() {
            steps.push(Step::Key(key.to_string()));
        }
        while !rest.is_empty() {
            let close = rest.find(']').ok_or_else(bad)?;
            let index = rest[1..close].parse::<usize>().map_err(|_| bad())?;
            steps.push(Step::Index(index));
            rest = &rest[close + 1..];
            if !rest.is_empty() && !rest.starts_with('[') {
                return Err(bad());
            }
        }
    }
    if matches!(steps.first(), Some(Step::Index(_)) | None) {
        return Err(bad());
    }
    Ok(steps)
}

/// Set `value` at `steps` inside `data`, creating objects on the way. An
/// index may address an existing element or append one past the end.
fn set_path(data: &mut Value, steps: &[Step], value: Value, path: &str) -> Result<(), String> {
    let mut node = data;
    for step in steps {
        node = match step {
            Step::Key(key) => {
                if !node.is_object() {
                    *node = Value::Object(Map::new());
                }
                let object = node.as_object_mut().expect("an object");
                object.entry(key.clone()).or_insert(Value::Null)
            }
            Step::Index(index) => {
                if node.is_null() {
                    *node = Value::Array(Vec::new());
                }
                let array = node
                    .as_array_mut()
                    .ok_or_else(|| format!("`{path}` indexes a value that is not a list"))?;
                if *index == array.len() {
                    array.push(Value::Null);
                } else if *index > array.len() {
                    return Err(format!(
                        "`{path}`: index {index} is past the end of a list of {}",
                        array.len()
                    ));
                }
                &mut array[*index]
            }
        };
    }
    *node = value;
    Ok(())
}

/// Apply a patch (a JSON object of path -> value) to `data`. Either the whole
/// patch applies or, on error, `data` is unchanged.
pub fn apply_patch(data: &mut Value, patch: &str) -> Result<(), String> {
    let patch: Map<String, Value> = match serde_json::from_str(patch) {
        Ok(Value::Object(map)) => map,
        Ok(_) => return Err("set-data takes a JSON object of path -> value".into()),
        Err(e) => return Err(format!("set-data patch is not valid JSON: {e}")),
    };
    let mut steps = Vec::with_capacity(patch.len());
    for path in patch.keys() {
        steps.push(parse_path(path)?);
    }
    let mut next = data.clone();
    for ((path, value), steps) in patch.into_iter().zip(steps) {
        set_path(&mut next, &steps, value, &path)?;
    }
    *data = next;
    Ok(())
}

impl view::Host for InstanceState {
    fn set_data(&mut self, patch: String) -> CallResult<()> {
        let quotas = &self.app.grants.quotas;
        if patch.len() as u64 > quotas.set_data_bytes {
            return Err(CallError::quota(format!(
                "set-data patch of {} bytes is over the limit of {} bytes",
                patch.len(),
                quotas.set_data_bytes
            )));
        }
        let limit = quotas.page_data_bytes;
        let page = self.pages.top_mut();
        let mut data = page.data.clone();
        apply_patch(&mut data, &patch).map_err(CallError::invalid)?;
        let size = serde_json::to_vec(&data)
            .map(|v| v.len())
            .unwrap_or(usize::MAX) as u64;
        if size > limit {
            return Err(CallError::quota(format!(
                "page `{}` data would be {size} bytes, over the limit of {limit} bytes",
                page.route
            )));
        }
        page.data = data;
        Ok(())
    }

    fn get_data(&mut self) -> wasmtime::Result<String> {
        Ok(self.pages.top().data.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn patched(start: Value, patch: Value) -> Result<Value, String> {
        let mut data = start;
        apply_patch(&mut data, &patch.to_string())?;
        Ok(data)
    }

    #[test]
    fn paths_set_nested_values() {
        let data = patched(
            json!({"list": [{"done": false}, {"done": false}]}),
            json!({"list[1].done": true, "user.name": "Ada", "title": "T", "grid[0][0]": 2}),
        )
        .unwrap();
        assert_eq!(
            data,
            json!({"list": [{"done": false}, {"done": true}], "user": {"name": "Ada"}, "title": "T", "grid": [[2]]})
        );
    }

    #[test]
    fn an_index_may_append_but_not_skip() {
        let data = patched(json!({"l": [1]}), json!({"l[1]": 2})).unwrap();
        assert_eq!(data, json!({"l": [1, 2]}));
        let err = patched(json!({"l": [1]}), json!({"l[5]": 2})).unwrap_err();
        assert!(err.contains("past the end"), "{err}");
        let err = patched(json!({}), json!({"l[4000000000]": 2})).unwrap_err();
        assert!(err.contains("past the end"), "{err}");
    }

    #[test]
    fn a_bad_patch_changes_nothing() {
        let mut data = json!({"a": 1});
        let err = apply_patch(&mut data, r#"{"b": 2, "a[0]": 3}"#).unwrap_err();
        assert!(err.contains("not a list"), "{err}");
        assert_eq!(data, json!({"a": 1}));
        for bad in [
            "[1]",
            "not json",
            r#"{"a..b": 1}"#,
            r#"{"[0]": 1}"#,
            r#"{"a[x]": 1}"#,
            r#"{"": 1}"#,
        ] {
            assert!(apply_patch(&mut data, bad).is_err(), "{bad}");
        }
        assert_eq!(data, json!({"a": 1}));
    }
}
