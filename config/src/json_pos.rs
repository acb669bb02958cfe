//! Where things are in a JSON config file: `serde_json::Value` keeps no
//! positions, so a small bounded scanner maps each member's path
//! (`window/navigationBarTitleText`, `pages/1`) to the line and column of
//! its key and of its value, for errors written `app.json:L:C: ...`.

use std::collections::BTreeMap;

/// A 1-based line and column (columns count characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    /// Line, from 1.
    pub line: usize,
    /// Column, from 1.
    pub col: usize,
}

/// The positions of every key and value of one JSON text, by path: members
/// by key, array items by index, joined with `/` (the root is `""`).
#[derive(Debug, Default)]
pub struct Positions {
    keys: BTreeMap<String, Pos>,
    values: BTreeMap<String, Pos>,
}

impl Positions {
    /// Scan `text`, which must already have parsed as JSON (syntax errors
    /// are serde_json's to report); deeper than `max_depth` is not indexed.
    pub fn scan(text: &str, max_depth: usize) -> Positions {
        let mut scanner = Scanner {
            chars: text.chars().collect(),
            at: 0,
            line: 1,
            col: 1,
            found: Positions::default(),
            max_depth,
        };
        scanner.value(String::new(), 0);
        scanner.found
    }

    /// Where the key of member `path` is (for an array item or the root:
    /// where its value is); line 1, column 1 if unknown.
    pub fn key(&self, path: &str) -> Pos {
        (self.keys.get(path).or_else(|| self.values.get(path)))
            .copied()
            .unwrap_or(Pos { line: 1, col: 1 })
    }

    /// Where the value at `path` starts; line 1, column 1 if unknown.
    pub fn value(&self, path: &str) -> Pos {
        (self.values.get(path).copied()).unwrap_or(Pos { line: 1, col: 1 })
    }
}

struct Scanner {
    chars: Vec<char>,
    at: usize,
    line: usize,
    col: usize,
    found: Positions,
    max_depth: usize,
}

impl Scanner {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.at += 1;
        match c {
            '\n' => (self.line, self.col) = (self.line + 1, 1),
            _ => self.col += 1,
        }
        Some(c)
    }

    fn pos(&self) -> Pos {
        Pos {
            line: self.line,
            col: self.col,
        }
    }

    fn blank(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.bump();
        }
    }

    fn value(&mut self, path: String, depth: usize) {
        self.blank();
        if depth <= self.max_depth {
            self.found.values.insert(path.clone(), self.pos());
        }
        match self.peek() {
            Some('{') => self.object(&path, depth),
            Some('[') => self.array(&path, depth),
            Some('"') => {
                self.string();
            }
            _ => {
                while self
                    .peek()
                    .is_some_and(|c| !matches!(c, ',' | '}' | ']') && !c.is_whitespace())
                {
                    self.bump();
                }
            }
        }
    }

    fn object(&mut self, path: &str, depth: usize) {
        self.bump();
        loop {
            self.blank();
            match self.peek() {
                Some('"') => {}
                Some(_) => {
                    self.bump();
                    continue;
                }
                None => return,
            }
            let at = self.pos();
            let key = self.string();
            let member = join(path, &key);
            if depth < self.max_depth {
                self.found.keys.insert(member.clone(), at);
            }
            self.blank();
            if self.peek() == Some(':') {
                self.bump();
            }
            self.value(member, depth + 1);
            self.blank();
            match self.bump() {
                Some(',') => continue,
                _ => return,
            }
        }
    }

    fn array(&mut self, path: &str, depth: usize) {
        self.bump();
        self.blank();
        if self.peek() == Some(']') {
            self.bump();
            return;
        }
        for index in 0.. {
            self.value(join(path, &index.to_string()), depth + 1);
            self.blank();
            match self.bump() {
                Some(',') => continue,
                _ => return,
            }
        }
    }

    /// A string's text (escapes kept as written: keys with escapes are rare
    /// and only their position matters).
    fn string(&mut self) -> String {
        self.bump();
        let mut text = String::new();
        while let Some(c) = self.bump() {
            match c {
                '"' => break,
                '\\' => {
                    if let Some(escaped) = self.bump() {
                        text.push(escaped);
                    }
                }
                c => text.push(c),
            }
        }
        text
    }
}

/// `path` and `part` joined with `/` (the root's members have no leading `/`).
pub fn join(path: &str, part: &str) -> String {
    match path.is_empty() {
        true => part.to_string(),
        false => format!("{path}/{part}"),
    }
}

#[cfg(test)]
mod tests {
    use super::{Pos, Positions};

    #[test]
    fn keys_values_and_items_have_their_line_and_column() {
        let text = "{\n  \"pages\": [\"pages/a\", \"pages/b\"],\n  \"window\": {\n    \"navigationBarTitleText\": \"Hi\"\n  }\n}";
        let at = Positions::scan(text, 8);
        assert_eq!(at.key("pages"), Pos { line: 2, col: 3 });
        assert_eq!(at.value("pages/1"), Pos { line: 2, col: 24 });
        assert_eq!(
            at.key("window/navigationBarTitleText"),
            Pos { line: 4, col: 5 }
        );
        assert_eq!(
            at.value("window/navigationBarTitleText"),
            Pos { line: 4, col: 31 }
        );
        // Unknown paths fall back to the start.
        assert_eq!(at.key("nothing"), Pos { line: 1, col: 1 });
    }

    #[test]
    fn strings_holding_brackets_and_escaped_quotes_do_not_confuse_it() {
        let text = r#"{"a": "}{,[\"", "b": 1}"#;
        let at = Positions::scan(text, 8);
        assert_eq!(at.key("b"), Pos { line: 1, col: 17 });
    }

    #[test]
    fn deep_nesting_is_not_indexed_past_the_bound() {
        let text = format!("{}1{}", "[".repeat(50), "]".repeat(50));
        let at = Positions::scan(&text, 4);
        assert_eq!(at.value("0/0/0/0"), Pos { line: 1, col: 5 });
        assert_eq!(at.value("0/0/0/0/0/0"), Pos { line: 1, col: 1 });
    }
}
