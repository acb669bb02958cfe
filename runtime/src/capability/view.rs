//! `view`: page data. The app sends `set-data` patches keyed by data paths
//! (`title`, `list[2].done`, `user.name`); the host applies them to the data
//! of the page on top of the stack and keeps it for whoever renders.
//!
//! A patch is applied in place, with an undo journal: either all of it
//! applies or none, without copying the page. The page's size is kept up
//! to date from what each patch replaced, so a small patch costs the host
//! time in proportion to the patch, not to the page.

use serde_json::{Map, Value};

use super::component::{component_data, set_component_data};
use super::data_patch;
use super::data_size::{DataSize, json_len};
use super::nav::{DataTarget, NavCtx};
use super::{CallError, CallResult, View};
use crate::bindings::view;
use crate::limits::HostMemory;

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

/// How to take back one change of a patch. `depth` counts the steps of the
/// path from the root to the value changed.
#[derive(Debug)]
enum Undo {
    /// The value at `depth` was replaced; this was the old one.
    Replace {
        path: usize,
        depth: usize,
        old: Value,
    },
    /// A key was added to the object at `depth`.
    Inserted {
        path: usize,
        depth: usize,
        key: String,
    },
    /// An element was appended to the list at `depth`.
    Pushed { path: usize, depth: usize },
}

/// The value reached from `data` by `steps` (which a journal entry knows exist).
fn walk<'a>(data: &'a mut Value, steps: &[Step]) -> Option<&'a mut Value> {
    steps.iter().try_fold(data, |node, step| match step {
        Step::Key(key) => node.as_object_mut()?.get_mut(key),
        Step::Index(index) => node.as_array_mut()?.get_mut(*index),
    })
}

/// A patch being applied: what it changed so far, and how the size moved.
struct Patch<'a> {
    paths: &'a [Vec<Step>],
    /// The most JSON bytes the data may hold (bounds the empty items an
    /// index past a list's end fills before the size is checked).
    limit: u64,
    journal: Vec<Undo>,
    added: DataSize,
    removed: DataSize,
}

impl Patch<'_> {
    /// Set `value` at path number `path` inside `data`, creating objects on
    /// the way. An index may address an existing element or one past the
    /// end: as on WeChat (a JS array's `list[10] = v`), the list grows to it
    /// and the items between hold `null` (empty, as WeChat renders them).
    fn set(
        &mut self,
        data: &mut Value,
        path: usize,
        value: Value,
        text: &str,
    ) -> Result<(), String> {
        let steps = &self.paths[path];
        let mut node = data;
        for (depth, step) in steps.iter().enumerate() {
            node = match step {
                Step::Key(key) => {
                    if !node.is_object() {
                        let old = std::mem::replace(node, Value::Object(Map::new()));
                        self.removed = self.removed.plus(DataSize::of(&old));
                        self.added = self.added.plus(DataSize::EMPTY_OBJECT);
                        self.journal.push(Undo::Replace { path, depth, old });
                    }
                    let object = node.as_object_mut().expect("an object");
                    if !object.contains_key(key) {
                        let comma = u64::from(!object.is_empty());
                        self.added = self.added.plus(DataSize {
                            json: json_len(key) + 1 + 4 + comma,
                            nodes: 1,
                        });
                        object.insert(key.clone(), Value::Null);
                        self.journal.push(Undo::Inserted {
                            path,
                            depth,
                            key: key.clone(),
                        });
                    }
                    object.get_mut(key).expect("present")
                }
                Step::Index(index) => {
                    if node.is_null() {
                        *node = Value::Array(Vec::new());
                        self.removed = self.removed.plus(DataSize { json: 4, nodes: 1 });
                        self.added = self.added.plus(DataSize { json: 2, nodes: 1 });
                        self.journal.push(Undo::Replace {
                            path,
                            depth,
                            old: Value::Null,
                        });
                    }
                    let array = node
                        .as_array_mut()
                        .ok_or_else(|| format!("`{text}` indexes a value that is not a list"))?;
                    let gap = (*index as u64).saturating_sub(array.len() as u64);
                    if gap.saturating_mul(5) > self.limit {
                        return Err(format!(
                            "`{text}`: index {index} is past the end of a list of {}, and the \
                             {gap} empty items before it would be over the data limit of {} bytes",
                            array.len(),
                            self.limit
                        ));
                    }
                    while array.len() <= *index {
                        let comma = u64::from(!array.is_empty());
                        self.added = self.added.plus(DataSize {
                            json: 4 + comma,
                            nodes: 1,
                        });
                        array.push(Value::Null);
                        self.journal.push(Undo::Pushed { path, depth });
                    }
                    &mut array[*index]
                }
            };
        }
        self.added = self.added.plus(DataSize::of(&value));
        let old = std::mem::replace(node, value);
        self.removed = self.removed.plus(DataSize::of(&old));
        self.journal.push(Undo::Replace {
            path,
            depth: steps.len(),
            old,
        });
        Ok(())
    }

    /// Take back every change, newest first.
    fn undo(self, data: &mut Value) {
        for undo in self.journal.into_iter().rev() {
            let (path, depth) = match &undo {
                Undo::Replace { path, depth, .. }
                | Undo::Inserted { path, depth, .. }
                | Undo::Pushed { path, depth } => (*path, *depth),
            };
            let Some(node) = walk(data, &self.paths[path][..depth]) else {
                continue;
            };
            match undo {
                Undo::Replace { old, .. } => *node = old,
                Undo::Inserted { key, .. } => {
                    node.as_object_mut().map(|o| o.remove(&key));
                }
                Undo::Pushed { .. } => {
                    node.as_array_mut().map(Vec::pop);
                }
            }
        }
    }
}

/// A parsed patch: its values by path in the order written, and each
/// path's steps (in the same order).
type ParsedPatch = (Vec<(String, Value)>, Vec<Vec<Step>>);

/// Parse a patch (a JSON object of path -> value), keeping its order.
fn parse_patch(patch: &str) -> Result<ParsedPatch, String> {
    let patch = data_patch::entries(patch)?;
    let paths = (patch.iter())
        .map(|(p, _)| parse_path(p))
        .collect::<Result<_, _>>()?;
    Ok((patch, paths))
}

/// Apply a patch to `data` of size `size` (at most `limit` JSON bytes), its
/// keys in the order written; return the new size, or, on error (or when
/// `accept` refuses the new size), leave `data` unchanged.
pub(crate) fn apply_patch(
    data: &mut Value,
    size: DataSize,
    limit: u64,
    patch: &str,
    accept: impl FnOnce(DataSize) -> Result<(), CallError>,
) -> Result<(DataSize, Vec<String>), CallError> {
    let (patch, paths) = parse_patch(patch).map_err(CallError::invalid)?;
    let keys: Vec<String> = patch.iter().map(|(k, _)| k.clone()).collect();
    let mut applying = Patch {
        paths: &paths,
        limit,
        journal: Vec::new(),
        added: DataSize::default(),
        removed: DataSize::default(),
    };
    let mut result = Ok(());
    for (i, (text, value)) in patch.into_iter().enumerate() {
        if let Err(e) = applying.set(data, i, value, &text) {
            result = Err(CallError::invalid(e));
            break;
        }
    }
    let after = size.changed(applying.added, applying.removed);
    match result.and_then(|()| accept(after)) {
        Ok(()) => Ok((after, changed_paths(&applying, keys))),
        Err(e) => {
            applying.undo(data);
            Err(e)
        }
    }
}

/// The data paths a patch changed, for the renderer: each key as written,
/// unless setting it replaced a value on its way (a key step into a list or
/// a string replaces it with an object), in which case the path of that
/// value, which changed whole.
fn changed_paths(patch: &Patch<'_>, keys: Vec<String>) -> Vec<String> {
    keys.into_iter()
        .enumerate()
        .map(|(path, key)| {
            let steps = &patch.paths[path];
            let replaced = (patch.journal.iter())
                .filter_map(|undo| match undo {
                    Undo::Replace { path: p, depth, .. } if *p == path && *depth < steps.len() => {
                        Some(*depth)
                    }
                    _ => None,
                })
                .min();
            match replaced {
                Some(depth) => path_text(&steps[..depth.max(1)]),
                None => key,
            }
        })
        .collect()
}

/// `steps` written as a data path (`list[2].done`).
fn path_text(steps: &[Step]) -> String {
    let mut text = String::new();
    for step in steps {
        match step {
            Step::Key(key) if text.is_empty() => text.push_str(key),
            Step::Key(key) => {
                text.push('.');
                text.push_str(key);
            }
            Step::Index(index) => text.push_str(&format!("[{index}]")),
        }
    }
    text
}

// Page data lives on the page stack: the view of `view` is that of `nav`'s state.
super::linked_by!(view of NavCtx, view);

/// Apply `patch` to `data` of `size` (the data of `what()`: "page `cart`")
/// within `quotas` (`set_data_bytes` a patch, `page_data_bytes` the data),
/// charging or releasing `budget` for what it grew or shrank; the data
/// paths it changed, for the renderer. A refused patch changes nothing.
pub(crate) fn set_data_on(
    data: &mut Value,
    size: &mut DataSize,
    what: impl Fn() -> String,
    patch: &str,
    quotas: &miniapp_config::Quotas,
    budget: &HostMemory,
) -> CallResult<Vec<String>> {
    if patch.len() as u64 > quotas.set_data_bytes {
        return Err(CallError::quota(format!(
            "set-data patch of {} bytes is over the limit of {} bytes",
            patch.len(),
            quotas.set_data_bytes
        )));
    }
    let limit = quotas.page_data_bytes;
    let before = *size;
    let accept = |after: DataSize| {
        if after.json > limit {
            return Err(CallError::quota(format!(
                "{} data would be {} bytes, over the limit of {limit} bytes",
                what(),
                after.json
            )));
        }
        if after.held() > before.held() {
            budget
                .charge(after.held() - before.held(), "page data")
                .map_err(CallError::quota)?;
        } else {
            budget.release(before.held() - after.held());
        }
        Ok(())
    };
    let (after, keys) = apply_patch(data, before, limit, patch, accept)?;
    *size = after;
    Ok(keys)
}

#[miniapp_runtime_macros::recorded(output)]
impl view::Host for View<'_, NavCtx> {
    fn set_data(&mut self, patch: String) -> CallResult<()> {
        let quotas = &self.call.app.grants.quotas;
        if let DataTarget::Component(id) = self.ctx.data_target {
            return set_component_data(self.ctx, quotas, id, &patch);
        }
        let (page, budget) = self.ctx.data_page_mut().map_err(CallError::invalid)?;
        let route = &page.route;
        let what = || format!("page `{route}`");
        let keys = set_data_on(&mut page.data, &mut page.size, what, &patch, quotas, budget)?;
        for key in keys {
            page.changed(&key);
        }
        Ok(())
    }

    fn get_data(&mut self) -> wasmtime::Result<String> {
        if let DataTarget::Component(id) = self.ctx.data_target {
            return Ok(component_data(self.ctx, id).map_or_else(|| "null".into(), Value::to_string));
        }
        Ok(self
            .ctx
            .data_page()
            .map_or_else(|| "null".to_string(), |page| page.data.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The data limit the tests apply patches within.
    const LIMIT: u64 = 1 << 20;

    /// Apply `patch` to `start`; the kept size must equal a fresh measure.
    fn patched(start: Value, patch: Value) -> Result<Value, String> {
        patched_text(start, &patch.to_string())
    }

    /// [`patched`] with the patch's text, its keys in the order written.
    fn patched_text(start: Value, patch: &str) -> Result<Value, String> {
        let mut data = start;
        let size = DataSize::of(&data);
        let (after, _) =
            apply_patch(&mut data, size, LIMIT, patch, |_| Ok(())).map_err(|e| e.message())?;
        assert_eq!(after, DataSize::of(&data), "size kept in step with {data}");
        assert_eq!(after.json, data.to_string().len() as u64);
        Ok(data)
    }

    #[test]
    fn a_value_replaced_on_the_way_is_the_path_that_changed() {
        let mut data =
            serde_json::json!({"rows": ["A", "B"], "s": "text", "list": [{"done": false}]});
        let size = DataSize::of(&data);
        let patch = r#"{"rows.x": 1, "s.y": 2, "list[0].done": true, "new.a": 3}"#;
        let (_, changed) = apply_patch(&mut data, size, LIMIT, patch, |_| Ok(())).unwrap();
        // (Keys in the order written; `new` did not exist: created whole.)
        assert_eq!(changed, ["rows", "s", "list[0].done", "new"]);
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
        let data = patched(
            json!({"a": 5, "s": "x\"y"}),
            json!({"a.b": [1, "é\n"], "s": null}),
        )
        .unwrap();
        assert_eq!(data, json!({"a": {"b": [1, "é\n"]}, "s": null}));
        patched(json!({}), json!({"l[0]": 1, "l[1]": {"k": []}})).unwrap();
    }

    #[test]
    fn an_index_past_the_end_grows_the_list_with_empty_items() {
        let data = patched(json!({"l": [1]}), json!({"l[1]": 2})).unwrap();
        assert_eq!(data, json!({"l": [1, 2]}));
        // WeChat's `list[5] = 2` on a list of one: length 6, four empty items.
        let data = patched(json!({"l": [1]}), json!({"l[5]": 2})).unwrap();
        assert_eq!(data, json!({"l": [1, null, null, null, null, 2]}));
        let err = patched(json!({}), json!({"l[4000000000]": 2})).unwrap_err();
        assert!(err.contains("past the end"), "{err}");
        assert!(err.contains("over the data limit"), "{err}");
    }

    #[test]
    fn keys_apply_in_the_order_written() {
        // Appending past ten by index: `l[10]` after `l[9]`, not before `l[2]`.
        let text = (2..12).map(|i| format!("\"l[{i}]\": {i}"));
        let patch = format!("{{{}}}", text.collect::<Vec<_>>().join(", "));
        let data = patched_text(json!({"l": [0, 1]}), &patch).unwrap();
        assert_eq!(data, json!({"l": (0..12).collect::<Vec<_>>()}));
        // A later key wins over an earlier one under it, as on WeChat (in
        // sorted order `b` would come first and `b.c` make it an object).
        let data = patched_text(json!({}), r#"{"b.c": 1, "b": 5}"#).unwrap();
        assert_eq!(data, json!({"b": 5}));
        let data = patched_text(json!({}), r#"{"b": 5, "b.c": 1}"#).unwrap();
        assert_eq!(data, json!({"b": {"c": 1}}));
    }

    #[test]
    fn a_bad_or_refused_patch_changes_nothing() {
        let start = json!({"a": 1, "b": {"c": [1, 2]}, "z": "keep"});
        let mut data = start.clone();
        let size = DataSize::of(&data);
        for bad in [
            r#"{"b.c[2]": 3, "b.d": 4, "a[0]": 3}"#,
            r#"{"b.c[1].x": 3, "new.deep[0]": 1, "z[9]": 1}"#,
            r#"{"b.c[6]": 3, "new": [], "new[3]": 1, "a[0]": 3}"#,
            "[1]",
            "not json",
            r#"{"a..b": 1}"#,
            r#"{"[0]": 1}"#,
            r#"{"a[x]": 1}"#,
            r#"{"": 1}"#,
        ] {
            assert!(
                apply_patch(&mut data, size, LIMIT, bad, |_| Ok(())).is_err(),
                "{bad}"
            );
            assert_eq!(data, start, "{bad}");
        }
        let patch = r#"{"a": [1, 2, 3], "n.m": 1}"#;
        let refused = apply_patch(&mut data, size, LIMIT, patch, |_| {
            Err(CallError::quota("too big"))
        });
        assert!(refused.is_err());
        assert_eq!(data, start);
    }
}
