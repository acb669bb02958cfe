//! A product's page (`product?id=tea`): its picture, name and description
//! from the server, a picker for its variant, a stepper for how many, Add
//! to cart (toasted) and Buy now (its checkout). Without the server it
//! shows why, with a Retry.

use miniapp_sdk::{
    Detail, Error, PageData, Patch, PickerChange, Result, Tap, frame, nav, page, set, task,
    with_app,
};
use serde::Serialize;

use crate::Shop;
use crate::cart::{self, Line, MAX_QUANTITY};
use crate::catalogue::{self, ProductInfo};
use crate::pages::Quantity;

/// What the product page shows.
#[derive(Default, Serialize, PageData)]
pub struct ProductData {
    /// `loading`, `ready` or `error`.
    pub status: String,
    pub error: Option<String>,
    pub product: Option<ProductInfo>,
    /// The variants' names, the picker's range.
    pub variants: Vec<String>,
    /// The variant chosen.
    pub variant: u32,
    /// Its price, in fen.
    pub price: u64,
    pub quantity: u32,
    /// The stepper's most.
    pub max: u32,
    /// Items in the cart.
    pub cart_count: u32,
}

/// The product page's own state.
#[derive(Default)]
pub struct ProductPage {
    id: String,
    product: Option<ProductInfo>,
    variant: usize,
    quantity: u32,
}

impl ProductPage {
    /// Ask the server for the product.
    fn load(&self) -> Result<()> {
        set(ProductData::status(), "loading")?;
        let path = format!("/api/products/{}", self.id);
        let product = match catalogue::get::<ProductInfo>(&path) {
            Ok(product) => product,
            Err(e) => return failed(&e),
        };
        task::spawn(async move {
            let product = match product.await {
                Ok(product) => catalogue::absolute(&catalogue::server()?, product),
                Err(e) => return failed(&e),
            };
            let name = (product.id.clone(), product.name.clone());
            with_app(|shop: &mut Shop| shop.names.insert(name.0, name.1))?;
            page::with_page(|page: &mut ProductPage| page.product = Some(product.clone()))?;
            let variants: Vec<String> = product.variants.iter().map(|v| v.name.clone()).collect();
            let price = product.variants.first().map_or(0, |v| v.price);
            Patch::new()
                .set(ProductData::variants(), variants)?
                .set(ProductData::price(), price)?
                .set(ProductData::product(), Some(product))?
                .set(ProductData::status(), "ready")?
                .set(ProductData::error(), None)?
                .apply()
        });
        Ok(())
    }

    /// The line the page would put in the cart.
    fn line(&self) -> Result<Line> {
        let product = (self.product.as_ref())
            .ok_or_else(|| Error::app(format!("product {} has not arrived yet", self.id)))?;
        let variant = &product.variants[self.variant];
        Ok(Line {
            key: cart::key(&product.id, self.variant),
            id: product.id.clone(),
            name: product.name.clone(),
            variant: variant.name.clone(),
            price: variant.price,
            quantity: self.quantity,
        })
    }
}

/// Show `error`, with the Retry.
fn failed(error: &Error) -> Result<()> {
    Patch::new()
        .set(ProductData::status(), "error")?
        .set(ProductData::error(), Some(error.message().to_string()))?
        .apply()
}

#[page("product", data = ProductData)]
impl ProductPage {
    fn on_load(&mut self, query: &page::Query) -> Result<()> {
        let id = query.get("id").unwrap_or_default();
        if id.is_empty() {
            return Err(Error::InvalidArgument(
                "product: the query names no id (product?id=tea)".into(),
            ));
        }
        self.id = id.to_string();
        self.quantity = 1;
        miniapp_sdk::view::set_data(ProductData {
            quantity: 1,
            max: MAX_QUANTITY,
            ..ProductData::default()
        })?;
        self.load()
    }

    fn on_show(&mut self) -> Result<()> {
        let count = with_app(|shop: &mut Shop| shop.cart.count())?;
        set(ProductData::cart_count(), count)
    }

    /// The variant picker's change.
    #[handler]
    fn variant(&mut self, chose: PickerChange<u32>) -> Result<()> {
        let product = (self.product.as_ref()).ok_or_else(|| Error::app("no product yet"))?;
        let index = chose.value as usize;
        let variant = product.variants.get(index).ok_or_else(|| {
            Error::InvalidArgument(format!("product {} has no variant {index}", self.id))
        })?;
        self.variant = index;
        Patch::new()
            .set(ProductData::variant(), chose.value)?
            .set(ProductData::price(), variant.price)?
            .apply()
    }

    /// The stepper's change.
    #[handler]
    fn quantity(&mut self, moved: Detail<Quantity>) -> Result<()> {
        if !(1..=MAX_QUANTITY).contains(&moved.value) {
            return Err(Error::InvalidArgument(format!(
                "a quantity is from 1 to {MAX_QUANTITY}, not {}",
                moved.value
            )));
        }
        self.quantity = moved.value;
        set(ProductData::quantity(), moved.value)
    }

    #[handler]
    fn add(&mut self, _tap: Tap) -> Result<()> {
        cart::add(self.line()?)?;
        let count = with_app(|shop: &mut Shop| shop.cart.count())?;
        set(ProductData::cart_count(), count)
    }

    /// Buy now: this variant and quantity's checkout.
    #[handler]
    fn buy(&mut self, _tap: Tap) -> Result<()> {
        let line = self.line()?;
        let url = format!(
            "checkout?product={}&variant={}&quantity={}",
            line.id, self.variant, line.quantity
        );
        with_app(|shop: &mut Shop| shop.buy_now = Some(line))?;
        nav::navigate_to(&url)
    }

    /// The cart tab.
    #[handler]
    fn cart(&mut self, _tap: Tap) -> Result<()> {
        nav::switch_tab("cart")
    }

    /// Pulled down: the product again.
    fn on_pull_down_refresh(&mut self) -> Result<()> {
        frame::stop_pull_down_refresh()?;
        self.load()
    }

    /// The error state's Retry: a pull-down refresh, as if the user
    /// pulled (its `onPullDownRefresh` is the page's own callback, so what
    /// it starts is the page's, not the error state's, which leaves the
    /// page once the list loads).
    #[handler]
    fn refresh(&mut self) -> Result<()> {
        frame::start_pull_down_refresh()
    }
}
