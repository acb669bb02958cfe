//! The cart: its lines (a product's variant and how many), their total, a
//! toast when something goes in, an "Are you sure?" modal before a line
//! comes out (its answer arrives later, as a completion), and the home
//! page's sort menu (an action sheet). The host draws all three, outside
//! the page.

use miniapp_sdk::feedback::{self, ActionSheet, Modal, Toast};
use miniapp_sdk::{Error, Result, with_app};
use serde::{Deserialize, Serialize};

use crate::catalogue::PICKS;
use crate::images::Images;
use crate::{Shop, price_text};

/// The sort menu's items, in the order of [`Sort`]'s variants after `Shop`.
pub const SORTS: [&str; 2] = ["Price: low to high", "Price: high to low"];

/// The most of one line the cart takes (the stepper's `max`).
pub const MAX_QUANTITY: u32 = 99;

/// How the home page lists its picks.
#[derive(Clone, Copy, Default)]
pub enum Sort {
    /// As the shop lists them.
    #[default]
    Shop,
    Cheapest,
    Dearest,
}

/// A line of the cart: one variant of one product.
#[derive(Clone, Serialize, Deserialize, PartialEq, Debug)]
pub struct Line {
    /// The product's id, then `-v1`... for a variant past its first
    /// (`tea`, `tea-v1`): the line's id on the page.
    pub key: String,
    pub id: String,
    pub name: String,
    pub variant: String,
    /// One's price, in fen.
    pub price: u64,
    pub quantity: u32,
}

/// What the user is buying.
#[derive(Default)]
pub struct Cart {
    pub lines: Vec<Line>,
}

impl Cart {
    /// Put `quantity` of a variant in (added to its line if there is one,
    /// up to [`MAX_QUANTITY`]).
    pub fn add(&mut self, line: Line) {
        match self.lines.iter_mut().find(|l| l.key == line.key) {
            Some(l) => l.quantity = (l.quantity + line.quantity).min(MAX_QUANTITY),
            None => self.lines.push(line),
        }
    }

    /// Set the line `key`'s quantity (1 to [`MAX_QUANTITY`]).
    pub fn set_quantity(&mut self, key: &str, quantity: u32) -> Result<()> {
        if !(1..=MAX_QUANTITY).contains(&quantity) {
            return Err(Error::InvalidArgument(format!(
                "a quantity is from 1 to {MAX_QUANTITY}, not {quantity}"
            )));
        }
        let line = self.line(key)?;
        line.quantity = quantity;
        Ok(())
    }

    fn line(&mut self, key: &str) -> Result<&mut Line> {
        (self.lines.iter_mut().find(|l| l.key == key))
            .ok_or_else(|| Error::InvalidArgument(format!("no line `{key}` in the cart")))
    }

    /// Take the line `key` out: its product's name.
    pub fn remove(&mut self, key: &str) -> Option<String> {
        let at = self.lines.iter().position(|l| l.key == key)?;
        Some(self.lines.remove(at).name)
    }

    /// Every item, counting each line's quantity.
    pub fn count(&self) -> u32 {
        self.lines.iter().map(|l| l.quantity).sum()
    }

    /// What it all costs, in fen.
    pub fn total(&self) -> u64 {
        (self.lines.iter())
            .map(|l| l.price * u64::from(l.quantity))
            .sum()
    }

    /// The lines as a page shows them.
    pub fn shown(&self) -> Vec<ShownLine> {
        shown(&self.lines)
    }
}

/// `lines` as a page shows them.
pub fn shown(lines: &[Line]) -> Vec<ShownLine> {
    (lines.iter())
        .map(|l| ShownLine {
            line: l.clone(),
            price_text: price_text(l.price),
            line_total: l.price * u64::from(l.quantity),
        })
        .collect()
}

/// A line as a page shows it.
#[derive(Clone, Serialize, Deserialize, PartialEq, Debug)]
pub struct ShownLine {
    #[serde(flatten)]
    pub line: Line,
    pub price_text: String,
    /// Its quantity's price, in fen.
    pub line_total: u64,
}

/// The key of variant `index` of product `id`.
pub fn key(id: &str, index: usize) -> String {
    match index {
        0 => id.to_string(),
        n => format!("{id}-v{n}"),
    }
}

/// A pick as the home page lists it: with its image once downloaded.
#[derive(Clone, Serialize, Deserialize, PartialEq, Debug)]
pub struct ShownPick {
    pub id: String,
    pub name: String,
    pub price: u64,
    pub price_text: String,
    pub image: Option<String>,
}

/// The picks in `sort`'s order, each with its image's temp path once
/// downloaded.
pub fn picks(sort: Sort, images: &Images) -> Vec<ShownPick> {
    let mut picks: Vec<_> = PICKS.iter().collect();
    match sort {
        Sort::Shop => {}
        Sort::Cheapest => picks.sort_by_key(|p| p.price),
        Sort::Dearest => picks.sort_by_key(|p| std::cmp::Reverse(p.price)),
    }
    (picks.into_iter())
        .map(|p| ShownPick {
            id: p.id.into(),
            name: p.name.into(),
            price: p.price,
            price_text: price_text(p.price),
            image: images.get(p.id).cloned(),
        })
        .collect()
}

/// Put `line` in the cart, and the host toasts it.
pub fn add(line: Line) -> Result<()> {
    with_app(|shop: &mut Shop| shop.cart.add(line))?;
    feedback::show_toast(&Toast::new("Added to cart"))
}

/// Ask first; the line `key` leaves the cart only if the user confirms,
/// then `removed` gets its product's name (`None` when kept).
pub fn remove(key: String, removed: impl FnOnce(Option<String>) -> Result<()> + 'static) {
    miniapp_sdk::task::spawn(async move {
        let name = with_app(|shop: &mut Shop| {
            (shop.cart.lines.iter().find(|l| l.key == key)).map(|l| l.name.clone())
        })?;
        let name =
            name.ok_or_else(|| Error::InvalidArgument(format!("no line `{key}` in the cart")))?;
        let modal = Modal::new("Remove from the cart?", format!("{name} leaves your cart."))
            .confirm("Remove", "#FA5151");
        if !feedback::show_modal(&modal).await?.confirm {
            return removed(None);
        }
        let gone = with_app(|shop: &mut Shop| shop.cart.remove(&key))?;
        removed(gone)
    });
}

/// The sort menu; `sorted` gets the sort chosen and its item's text.
pub fn sort_menu(sorted: impl FnOnce(Sort, &'static str) -> Result<()> + 'static) {
    feedback::action_sheet(ActionSheet::new(SORTS))
        .success(move |index| {
            let sort = if index == 0 {
                Sort::Cheapest
            } else {
                Sort::Dearest
            };
            with_app(|shop: &mut Shop| shop.sort = sort)?;
            sorted(sort, SORTS[index as usize])
        })
        .show();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(key: &str, price: u64, quantity: u32) -> Line {
        Line {
            key: key.into(),
            id: key.split("-v").next().unwrap().into(),
            name: key.into(),
            variant: String::new(),
            price,
            quantity,
        }
    }

    #[test]
    fn a_variant_added_again_adds_to_its_line_up_to_the_most() {
        let mut cart = Cart::default();
        cart.add(line("tea", 1200, 1));
        cart.add(line("tea-v1", 2200, 2));
        cart.add(line("tea", 1200, 98));
        assert_eq!(cart.lines.len(), 2);
        assert_eq!(cart.lines[0].quantity, MAX_QUANTITY);
        assert_eq!(cart.count(), 101);
        assert_eq!(cart.total(), 1200 * 99 + 2200 * 2);
        assert!(cart.set_quantity("tea", 0).is_err());
        assert!(cart.set_quantity("bread", 1).is_err());
        cart.set_quantity("tea", 3).unwrap();
        assert_eq!(cart.remove("tea").as_deref(), Some("tea"));
        assert_eq!(cart.total(), 4400);
    }

    #[test]
    fn a_variant_past_the_first_has_a_key_of_its_own() {
        assert_eq!(key("tea", 0), "tea");
        assert_eq!(key("tea", 1), "tea-v1");
    }
}
