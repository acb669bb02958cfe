//! Checkout (`checkout?product=cake` buys a pick now, `checkout?product=ID
//! &variant=N&quantity=Q` what the product page chose, `checkout` the
//! cart): the items and their total, where they go (the address card, or
//! pickup at the shop), the unpaid order's countdown, and Pay (in the
//! tap's gesture); once paid the paid page takes its place.

use miniapp_sdk::timer::TimerId;
use miniapp_sdk::{Error, Event, PageData, Patch, Result, Tap, nav, page, set, with_app};
use serde::Serialize;

use crate::cart::{self, Line, ShownLine};
use crate::catalogue::{self, pick};
use crate::orders::{self, Buying};
use crate::pages::{Address, AddressInfo};
use crate::{Shop, countdown, price_text};

/// What the checkout page shows.
#[derive(Default, Serialize, PageData)]
pub struct CheckoutData {
    /// The product, when one is bought now.
    pub product: Option<String>,
    /// The product's name, or how many items.
    pub name: String,
    /// In fen.
    pub amount: u64,
    pub price_text: String,
    pub image: Option<String>,
    pub items: Vec<ShownLine>,
    /// Time left to pay, `14:59`.
    pub countdown: String,
    pub expired: bool,
    /// `paying`, `cancelled` or `error` once Pay is tapped.
    pub status: Option<String>,
    pub error: Option<String>,
    pub error_kind: Option<String>,
    pub address: Option<AddressInfo>,
}

/// The checkout page's own state.
#[derive(Default)]
pub struct Checkout {
    /// What is being bought.
    lines: Vec<Line>,
    /// The product, when one is bought now (not the cart).
    product: Option<String>,
    /// The countdown's timer, until it reaches zero.
    pub(crate) countdown: Option<TimerId>,
    /// Seconds left to pay.
    pub(crate) seconds_left: u32,
}

/// What `query` buys: one product now, or the cart.
fn buying(query: &page::Query) -> Result<(Option<String>, Vec<Line>)> {
    let Some(id) = query.get("product") else {
        let lines = with_app(|shop: &mut Shop| shop.cart.lines.clone())?;
        if lines.is_empty() {
            return Err(Error::app("checkout: the cart is empty"));
        }
        return Ok((None, lines));
    };
    let variant: usize = query
        .get("variant")
        .map_or(Ok(0), |_| query.parse("variant"))?;
    let quantity: u32 = query
        .get("quantity")
        .map_or(Ok(1), |_| query.parse("quantity"))?;
    let key = cart::key(id, variant);
    // What the product page chose, else a pick's first variant.
    let chosen = with_app(|shop: &mut Shop| shop.buy_now.take())?;
    let line = match chosen {
        Some(line) if line.key == key => Line { quantity, ..line },
        _ if variant == 0 && pick(id).is_ok() => {
            let pick = pick(id)?;
            Line {
                key,
                id: pick.id.into(),
                name: pick.name.into(),
                variant: pick.variant.into(),
                price: pick.price,
                quantity,
            }
        }
        _ => {
            return Err(Error::app(format!(
                "checkout: variant {variant} of {id} was not chosen on its product page"
            )));
        }
    };
    Ok((Some(id.to_string()), vec![line]))
}

/// The picture of the product bought now: a pick's downloaded image (none
/// until downloaded), another's on the server.
fn image(shop: &Shop, product: Option<&str>) -> Option<String> {
    let id = product?;
    match shop.images.get(id) {
        Some(temp) => Some(temp.clone()),
        None if pick(id).is_ok() => None,
        None => Some(catalogue::url(&shop.server, &format!("/images/{id}.png"))),
    }
}

#[page("checkout", data = CheckoutData)]
impl Checkout {
    fn on_load(&mut self, query: &page::Query) -> Result<()> {
        let within = countdown::within(query.get("within"))?;
        let (product, lines) = buying(query)?;
        let total: u64 = lines.iter().map(|l| l.price * u64::from(l.quantity)).sum();
        let count: u32 = lines.iter().map(|l| l.quantity).sum();
        let name = match &lines[..] {
            [one] if one.quantity == 1 => one.name.clone(),
            _ => format!("{count} items"),
        };
        let image = with_app(|shop: &mut Shop| image(shop, product.as_deref()))?;
        miniapp_sdk::view::set_data(CheckoutData {
            product: product.clone(),
            name,
            amount: total,
            price_text: price_text(total),
            image,
            items: cart::shown(&lines),
            address: Address::saved()?,
            ..CheckoutData::default()
        })?;
        self.lines = lines;
        self.product = product;
        countdown::start(self, within)
    }

    /// Back from the address form: the address as saved.
    fn on_show(&mut self) -> Result<()> {
        set(CheckoutData::address(), Address::saved()?)
    }

    #[handler]
    fn pay(&mut self, _event: &Event) -> Result<()> {
        if self.seconds_left == 0 {
            return Patch::new()
                .set(CheckoutData::status(), Some("error".to_string()))?
                .set(CheckoutData::error_kind(), Some("expired".to_string()))?
                .set(
                    CheckoutData::error(),
                    Some("the order expired: go back and buy again".to_string()),
                )?
                .apply();
        }
        Patch::new()
            .set(CheckoutData::status(), Some("paying".to_string()))?
            .set(CheckoutData::error(), None)?
            .set(CheckoutData::error_kind(), None)?
            .apply()?;
        let deliver_to = match Address::saved()? {
            Some(address) => address.one_line(),
            None => "Pickup at the shop".to_string(),
        };
        let buying = Buying {
            product: self.product.clone(),
            lines: self.lines.clone(),
            deliver_to,
        };
        match orders::pay(buying) {
            Ok(Some(paid)) => {
                let from_cart = self.product.is_none();
                let next = match &paid.product {
                    Some(id) => format!("paid?product={id}"),
                    None => format!("paid?order={}", paid.order_id),
                };
                let keys: Vec<String> = paid.lines.iter().map(|l| l.key.clone()).collect();
                with_app(|shop: &mut Shop| {
                    if from_cart {
                        shop.cart.lines.retain(|l| !keys.contains(&l.key));
                    }
                    shop.paid = Some(paid);
                })?;
                nav::redirect_to(&next)
            }
            Ok(None) => set(CheckoutData::status(), Some("cancelled".to_string())),
            Err(e) => Patch::new()
                .set(CheckoutData::status(), Some("error".to_string()))?
                .set(CheckoutData::error_kind(), Some(e.kind().to_string()))?
                .set(CheckoutData::error(), Some(e.to_string()))?
                .apply(),
        }
    }

    /// The address card's `edit`: the address form.
    #[handler]
    fn address(&mut self) -> Result<()> {
        nav::navigate_to("address")
    }

    /// A review of the (first) product.
    #[handler]
    fn review(&mut self, _tap: Tap) -> Result<()> {
        let id = (self.lines.first().map(|l| l.id.clone()))
            .ok_or_else(|| Error::app("no product to review"))?;
        nav::navigate_to(&format!("review?product={id}"))
    }

    #[handler]
    fn back(&mut self, _tap: Tap) -> Result<()> {
        nav::navigate_back(1)
    }
}
