//! Which observers a data change reaches, by WeChat's `observers` rules:
//! a key (`a`, `b.c`, `list[2]`) is reached by a setData of that path or
//! of one above it (`b` reaches `b.c`); a key ending in `.**` also by one
//! below it; `**` by every change. Several keys are joined by `,`.

/// A data path's segments: `list[2].done` is `list`, `[2]`, `done`.
fn segments(path: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let mut rest = part;
        while let Some(at) = rest.get(1..).and_then(|r| r.find('[')).map(|i| i + 1) {
            out.push(&rest[..at]);
            rest = &rest[at..];
        }
        out.push(rest);
    }
    out
}

/// Whether `a` starts with every segment of `b`.
fn starts_with(a: &[&str], b: &[&str]) -> bool {
    a.len() >= b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}

/// Whether one key of `keys` (`a, b.c`, `obj.**`, `**`) is reached by a
/// change of data path `changed`.
pub(crate) fn reaches(keys: &str, changed: &str) -> bool {
    let changed = segments(changed);
    keys.split(',').map(str::trim).any(|key| {
        if key == "**" {
            return true;
        }
        let (base, deep) = match key.strip_suffix(".**") {
            Some(base) => (base, true),
            None => (key, false),
        };
        let base = segments(base);
        starts_with(&base, &changed) || (deep && starts_with(&changed, &base))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_reached_as_wechat_documents() {
        assert_eq!(segments("list[2][3].done"), ["list", "[2]", "[3]", "done"]);
        assert!(reaches("value", "value"));
        assert!(!reaches("value", "values"));
        assert!(reaches("a, b.c", "b.c"));
        assert!(reaches("a, b.c", "b"));
        assert!(!reaches("a, b.c", "b.d"));
        assert!(!reaches("b.c", "b.c.d"));
        assert!(reaches("list[2]", "list"));
        assert!(!reaches("list[2]", "list[3]"));
        assert!(reaches("obj.**", "obj.x.y"));
        assert!(reaches("obj.**", "obj"));
        assert!(!reaches("obj.**", "other"));
        assert!(reaches("**", "anything[1]"));
    }
}
