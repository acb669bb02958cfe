//! The grammar of a typed component's properties: `#[derive(Properties)]`
//! on a struct, each field a property whose WeChat type comes from its
//! Rust type and whose default from `#[property(default = LITERAL)]`.
//! Read by the SDK's derive and by `miniapp build`'s scan (included there
//! beside `grammar.rs`), so the properties the build checks templates
//! against are the ones the macro writes.

use syn::{Expr, Type};

use super::grammar;

/// One field of a `#[derive(Properties)]` struct.
pub struct PropertyField {
    /// Its name (serde's, after `rename`).
    pub key: String,
    /// WeChat's type name (`String`, `Number`, `Boolean`, `Array`, `Object`, `null`).
    pub kind: &'static str,
    /// Its default as JSON (`null`: the type's empty value).
    pub default: String,
}

/// The properties of a `#[derive(Properties)]` struct, read.
pub fn property_fields(item: &syn::DeriveInput) -> syn::Result<Vec<PropertyField>> {
    if !item.generics.params.is_empty() {
        return Err(syn::Error::new_spanned(
            &item.generics,
            "Properties goes on a struct without generics",
        ));
    }
    let fields = grammar::data_fields(item)?;
    let syn::Data::Struct(data) = &item.data else {
        unreachable!("data_fields takes structs only");
    };
    let mut out = Vec::new();
    for field in fields {
        let key = &field.key;
        let fine = key.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_' || c == '$')
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
        if !fine {
            return Err(syn::Error::new_spanned(
                &field.ident,
                format!(
                    "`{key}` is not a property name (letters, digits, `_`, `$`; not a digit first)"
                ),
            ));
        }
        let kind = kind_of(&field.ty);
        let written = data
            .fields
            .iter()
            .find(|f| f.ident.as_ref() == Some(&field.ident));
        let attrs = written.map_or(&[][..], |f| &f.attrs[..]);
        let mut default = None;
        for attr in attrs.iter().filter(|a| grammar::is_attr(a, "property")) {
            attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("default") {
                    let value: Expr = meta.value()?.parse()?;
                    let json = default_json(&value, kind)?;
                    if let Some(ty) = number_type(&field.ty) {
                        number_fits(&json, &ty)
                            .map_err(|why| syn::Error::new_spanned(&value, why))?;
                    }
                    default = Some(json);
                    Ok(())
                } else {
                    Err(meta.error("the one property option is `default = LITERAL`"))
                }
            })?;
        }
        out.push(PropertyField {
            key: key.clone(),
            kind,
            default: default.unwrap_or_else(|| "null".to_string()),
        });
    }
    Ok(out)
}

/// The meta's `properties` list for `fields`.
pub fn properties_meta(fields: &[PropertyField]) -> String {
    let entries: Vec<String> = (fields.iter())
        .map(|f| {
            format!(
                "{{\"name\":\"{}\",\"type\":\"{}\",\"default\":{}}}",
                f.key, f.kind, f.default
            )
        })
        .collect();
    format!("[{}]", entries.join(","))
}

/// A property's WeChat type from its Rust type, syntactically (an
/// `Option<T>` is `T`'s, its default `null`).
fn kind_of(ty: &Type) -> &'static str {
    match ty {
        Type::Reference(r) => kind_of(&r.elem),
        Type::Paren(p) => kind_of(&p.elem),
        Type::Group(g) => kind_of(&g.elem),
        Type::Slice(_) | Type::Array(_) => "Array",
        Type::Path(path) => {
            let Some(last) = path.path.segments.last() else {
                return "Object";
            };
            let name = last.ident.to_string();
            match name.as_str() {
                "String" | "str" => "String",
                "i8" | "i16" | "i32" | "i64" | "i128" | "isize" | "u8" | "u16" | "u32" | "u64"
                | "u128" | "usize" | "f32" | "f64" => "Number",
                "bool" => "Boolean",
                "Vec" => "Array",
                "Value" => "null",
                "Option" => {
                    let inner = match &last.arguments {
                        syn::PathArguments::AngleBracketed(args) => {
                            args.args.iter().find_map(|a| match a {
                                syn::GenericArgument::Type(t) => Some(kind_of(t)),
                                _ => None,
                            })
                        }
                        _ => None,
                    };
                    inner.unwrap_or("null")
                }
                _ => "Object",
            }
        }
        _ => "Object",
    }
}

/// The Rust number type a property holds (`u8`, `f64`), through `Option`,
/// references and parentheses; `None` for any other type.
fn number_type(ty: &Type) -> Option<String> {
    match ty {
        Type::Reference(r) => number_type(&r.elem),
        Type::Paren(p) => number_type(&p.elem),
        Type::Group(g) => number_type(&g.elem),
        Type::Path(path) => {
            let last = path.path.segments.last()?;
            if last.ident == "Option" {
                let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
                    return None;
                };
                return args.args.iter().find_map(|a| match a {
                    syn::GenericArgument::Type(t) => number_type(t),
                    _ => None,
                });
            }
            let name = last.ident.to_string();
            (kind_of(ty) == "Number").then_some(name)
        }
        _ => None,
    }
}

/// Whether the default `json` (a number's digits) is a value of the Rust
/// number type `ty`, so that every instance given no value can read its
/// properties; else why not. `isize` and `usize` are a guest's, 32 bits.
fn number_fits(json: &str, ty: &str) -> Result<(), String> {
    // The most below zero and above it, as magnitudes.
    let (below, above): (u128, u128) = match ty {
        "i8" => (1 << 7, (1 << 7) - 1),
        "i16" => (1 << 15, (1 << 15) - 1),
        "i32" | "isize" => (1 << 31, (1 << 31) - 1),
        "i64" => (1 << 63, (1 << 63) - 1),
        "i128" => (1 << 127, (1 << 127) - 1),
        "u8" => (0, u8::MAX.into()),
        "u16" => (0, u16::MAX.into()),
        "u32" | "usize" => (0, u32::MAX.into()),
        "u64" => (0, u64::MAX.into()),
        "u128" => (0, u128::MAX),
        "f32" => {
            let number: f64 = json
                .parse()
                .map_err(|_| format!("default `{json}` is not a number"))?;
            return match number.abs() <= f64::from(f32::MAX) {
                true => Ok(()),
                false => Err(format!("default `{json}` is past what an `f32` holds")),
            };
        }
        _ => return Ok(()),
    };
    let out_of_range = || {
        let lowest = if below == 0 {
            "0".to_string()
        } else {
            format!("-{below}")
        };
        format!("default `{json}` is not a `{ty}` (from {lowest} to {above})")
    };
    if json.contains(['.', 'e', 'E']) {
        return Err(format!(
            "default `{json}` is not an integer, as a `{ty}` is"
        ));
    }
    let (magnitude, bound) = match json.strip_prefix('-') {
        Some(digits) => (digits, below),
        None => (json, above),
    };
    match magnitude.parse::<u128>() {
        Ok(n) if n <= bound => Ok(()),
        _ => Err(out_of_range()),
    }
}

/// `default = LITERAL` as JSON, of the property's type: a number, a
/// string, a bool, `[]`, `{}` or `null`.
fn default_json(value: &Expr, kind: &str) -> syn::Result<String> {
    let (json, of) = match value {
        Expr::Lit(lit) => literal(&lit.lit)?,
        Expr::Unary(syn::ExprUnary {
            op: syn::UnOp::Neg(_),
            expr,
            ..
        }) => match &**expr {
            Expr::Lit(lit) if matches!(lit.lit, syn::Lit::Int(_) | syn::Lit::Float(_)) => {
                let (json, of) = literal(&lit.lit)?;
                (format!("-{json}"), of)
            }
            _ => return Err(syn::Error::new_spanned(value, "a literal default")),
        },
        Expr::Array(array) if array.elems.is_empty() => ("[]".to_string(), "Array"),
        Expr::Block(block) if block.block.stmts.is_empty() => ("{}".to_string(), "Object"),
        Expr::Path(path) if path.path.is_ident("null") => ("null".to_string(), "null"),
        _ => {
            return Err(syn::Error::new_spanned(
                value,
                "a property default is a literal: a number, a string, `true`/`false`, `[]`, `{}` or `null`",
            ));
        }
    };
    if of != kind && of != "null" && kind != "null" {
        return Err(syn::Error::new_spanned(
            value,
            format!("default `{json}` is not a {kind} (the property's type)"),
        ));
    }
    Ok(json)
}

fn literal(lit: &syn::Lit) -> syn::Result<(String, &'static str)> {
    Ok(match lit {
        syn::Lit::Int(int) => (int.base10_digits().to_string(), "Number"),
        syn::Lit::Float(float) => {
            let digits = float.base10_digits();
            let number: f64 = digits
                .parse()
                .map_err(|_| syn::Error::new_spanned(lit, "a number"))?;
            if !number.is_finite() {
                return Err(syn::Error::new_spanned(lit, "a finite number"));
            }
            (format!("{number:?}"), "Number")
        }
        syn::Lit::Str(text) => (json_string(&text.value()), "String"),
        syn::Lit::Bool(flag) => (flag.value.to_string(), "Boolean"),
        _ => return Err(syn::Error::new_spanned(lit, "a number, a string or a bool")),
    })
}

/// `text` as a JSON string.
fn json_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The defaults of `struct P { FIELDS }`, or the derive's error.
    fn defaults(fields: &str) -> Result<Vec<String>, String> {
        let item: syn::DeriveInput = syn::parse_str(&format!("struct P {{ {fields} }}")).unwrap();
        let fields = property_fields(&item).map_err(|e| e.to_string())?;
        Ok(fields.into_iter().map(|f| f.default).collect())
    }

    #[test]
    fn a_number_default_the_fields_type_cannot_hold_is_a_compile_error() {
        let fine = "#[property(default = 255)] a: u8, #[property(default = -128)] b: Option<i8>, \
                    #[property(default = 1.5)] c: f32, #[property(default = 4294967295)] d: usize";
        assert_eq!(
            defaults(fine).unwrap(),
            ["255", "-128", "1.5", "4294967295"]
        );
        for (field, why) in [
            (
                "#[property(default = 300)] a: u8",
                "default `300` is not a `u8` (from 0 to 255)",
            ),
            (
                "#[property(default = -1)] a: u32",
                "default `-1` is not a `u32` (from 0 to 4294967295)",
            ),
            (
                "#[property(default = -129)] a: Option<i8>",
                "default `-129` is not a `i8` (from -128 to 127)",
            ),
            (
                "#[property(default = 4294967296)] a: usize",
                "default `4294967296` is not a `usize` (from 0 to 4294967295)",
            ),
            (
                "#[property(default = 1.5)] a: i32",
                "default `1.5` is not an integer, as a `i32` is",
            ),
            (
                "#[property(default = 1e300)] a: f32",
                "default `1e300` is past what an `f32` holds",
            ),
        ] {
            assert_eq!(defaults(field), Err(why.to_string()), "{field}");
        }
    }
}
