//! Data paths: the places in a page's data that a template reads, as
//! [`deps`](crate::deps) computes them at parse time and compares them with
//! what changed. Plain data, apart from the AST and the evaluator that
//! produce them.

/// One step of a data path: a field, or an index of an array. A field
/// named by canonical decimal digits (`a.5`) is the index (`a[5]`), so that
/// the two spellings of one place compare equal.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Step {
    /// A field of an object.
    Key(String),
    /// An element of an array.
    Index(usize),
}

impl Step {
    /// The step for property `name` (`"3"` is index 3).
    pub fn key(name: &str) -> Step {
        let canonical = !name.is_empty()
            && name.bytes().all(|b| b.is_ascii_digit())
            && (name == "0" || !name.starts_with('0'));
        match name.parse() {
            Ok(index) if canonical => Step::Index(index),
            _ => Step::Key(name.to_string()),
        }
    }
}

/// Where a read path starts.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Root {
    /// The page's data (the first step is the field).
    Data,
    /// The `wx:for` variable at this scope depth (an enclosing loop's item
    /// or index).
    Var(usize),
}

/// A path an expression reads.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ReadPath {
    /// Where it starts.
    pub root: Root,
    /// The steps from there.
    pub steps: Vec<Step>,
}

/// What the body of a `wx:for` reads from outside its own item and index:
/// page data and enclosing loops' variables. Reads of the loop's own item
/// (and of loops inside it) are covered by the item's own path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reads {
    /// The paths, sorted, without repeats.
    pub paths: Vec<ReadPath>,
    /// The body reads what cannot be told at parse time (an `<include>`).
    pub opaque: bool,
}
