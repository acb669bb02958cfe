//! The cart: a toast when a product goes in, an "Are you sure?" modal
//! before one comes out (its answer arrives later, as a completion), and a
//! sort menu (an action sheet) for the product list. All three are drawn by
//! the host, outside the page.

use miniapp_sdk::feedback::{self, ActionSheet, Modal, Toast};
use miniapp_sdk::{Result, Value, json, task, view, with_app};

use crate::images::Images;
use crate::{PRODUCTS, Product, Shop, price_text};

/// The sort menu's items, in the order of [`Sort`]'s variants.
const SORTS: [&str; 2] = ["Price: low to high", "Price: high to low"];

/// How the index page lists the products.
#[derive(Clone, Copy, Default)]
pub enum Sort {
    /// As the shop lists them.
    #[default]
    Shop,
    Cheapest,
    Dearest,
}

/// The products as the index page lists them, sorted, each with its
/// image's temp path once downloaded.
pub fn catalogue(sort: Sort, images: &Images) -> Value {
    let mut products: Vec<&Product> = PRODUCTS.iter().collect();
    match sort {
        Sort::Shop => {}
        Sort::Cheapest => products.sort_by_key(|p| p.price),
        Sort::Dearest => products.sort_by_key(|p| std::cmp::Reverse(p.price)),
    }
    (products.into_iter())
        .map(|p| {
            json!({
                "id": p.id,
                "name": p.name,
                "price": p.price,
                "price_text": price_text(p.price),
                "image": images.get(p.id),
            })
        })
        .collect()
}

/// The cart as the index page shows it: its lines and their total.
pub fn cart_data(cart: &[&'static Product]) -> Value {
    let lines: Vec<Value> = (cart.iter())
        .map(|p| json!({ "id": p.id, "name": p.name, "price_text": price_text(p.price) }))
        .collect();
    let total: u64 = cart.iter().map(|p| p.price).sum();
    json!({ "cart": lines, "cart_total_text": price_text(total) })
}

/// `index:add`: the product goes in the cart (once), and the host toasts it.
pub fn add(shop: &mut Shop, product: &'static Product) -> Result<()> {
    if !shop.cart.iter().any(|p| p.id == product.id) {
        shop.cart.push(product);
    }
    view::set_data(cart_data(&shop.cart))?;
    feedback::show_toast(&Toast::new("Added to cart"))
}

/// `index:remove`: ask first; the product leaves the cart only if the user
/// confirms.
pub fn remove(product: &'static Product) {
    task::spawn(async move {
        let modal = Modal::new(
            "Remove from the cart?",
            format!("{} leaves your cart.", product.name),
        )
        .confirm("Remove", "#FA5151");
        if !feedback::show_modal(&modal).await?.confirm {
            return view::set("removed", Value::Null);
        }
        let cart = with_app(|shop: &mut Shop| {
            shop.cart.retain(|p| p.id != product.id);
            cart_data(&shop.cart)
        })?;
        view::set_data(cart)?;
        view::set("removed", product.name)
    });
}

/// `index:sort`: the sort menu; the product list follows the item chosen.
pub fn sort_menu() {
    feedback::action_sheet(ActionSheet::new(SORTS))
        .success(|index| {
            let sort = if index == 0 {
                Sort::Cheapest
            } else {
                Sort::Dearest
            };
            let products = with_app(|shop: &mut Shop| {
                shop.sort = sort;
                catalogue(sort, &shop.images)
            })?;
            view::set_data(json!({ "products": products, "sorted": SORTS[index as usize] }))
        })
        .show();
}
