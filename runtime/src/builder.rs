//! Build a mini-program crate into a package.
