//! The home tab: a swiper of banners, the shop's two picks (with their
//! images, add, remove and buy, a sort menu) and a summary of the cart,
//! the account (login, the user's name behind consent), and the product
//! list from the server: pulled down it starts again, at its bottom the
//! next page comes. Without the server the list shows why, with a Retry.

use miniapp_sdk::{
    Error, Event, PageData, Patch, Result, Tap, frame, identity, nav, page, set, task, with_app,
};
use serde::{Deserialize, Serialize};

use crate::cart::{self, Line, ShownLine, ShownPick};
use crate::catalogue::{self, Banner, Goods, Listing, PAGE_SIZE, pick};
use crate::pages::{Id, Opened, open_product};
use crate::{CURRENCY, Shop, images, orders, price_text};

/// What the home page shows.
#[derive(Default, Serialize, PageData)]
pub struct IndexData {
    /// The picks.
    pub products: Vec<ShownPick>,
    pub currency: String,
    /// Orders paid, ever.
    pub orders: u64,
    pub cart: Vec<ShownLine>,
    pub cart_count: u32,
    pub cart_total_text: String,
    /// The sort menu's item chosen.
    pub sorted: Option<String>,
    /// The product last removed from the cart (null when kept).
    pub removed: Option<String>,
    /// The picks' images: `loading`, `ready` or `error`.
    pub images_status: String,
    pub images_error: Option<String>,
    pub login_code: Option<String>,
    pub login_error: Option<String>,
    pub nickname: Option<String>,
    pub profile_error: Option<String>,
    pub profile_message: Option<String>,
    pub banners: Vec<Banner>,
    /// The product list, the pages loaded so far.
    pub goods: Vec<Goods>,
    /// `loading`, `ready` or `error`.
    pub goods_status: String,
    pub goods_error: Option<String>,
    /// Whether a next page follows.
    pub goods_more: bool,
}

/// The home page's own state.
#[derive(Default)]
pub struct Index {
    /// Pages of the product list loaded.
    pages: u32,
    /// A page of it is on its way.
    loading: bool,
    /// The server said a next page follows.
    more: bool,
    banners_loaded: bool,
    /// The list is being pulled down: stop the dots once loaded.
    refreshing: bool,
    /// The list's pages loaded so far.
    goods: Vec<Goods>,
}

/// `--event 'index:buy={"product":"tea","pay_within":2}'`.
#[derive(Deserialize)]
struct Buy {
    product: String,
    /// Seconds to pay within, if not the checkout's default.
    pay_within: Option<u32>,
}

/// The pick an event is about: the tapped element's `data-id` through
/// the view, or the `product` of its detail.
fn product_of(event: &Event) -> Result<&'static catalogue::Pick> {
    match event.dataset.get("id") {
        Some(id) => pick(id),
        None => pick(&event.detail_as::<Buy>()?.product),
    }
}

/// The cart's summary and the orders paid, as the page shows them.
fn show_cart() -> Result<()> {
    let (lines, count, total) =
        with_app(|shop: &mut Shop| (shop.cart.shown(), shop.cart.count(), shop.cart.total()))?;
    Patch::new()
        .set(IndexData::cart(), lines)?
        .set(IndexData::cart_count(), count)?
        .set(IndexData::cart_total_text(), price_text(total))?
        .set(IndexData::orders(), orders::count()?)?
        .apply()
}

/// The list's error, shown with its Retry.
fn goods_failed(error: &Error) -> Result<()> {
    Patch::new()
        .set(IndexData::goods_status(), "error")?
        .set(IndexData::goods_error(), Some(error.message().to_string()))?
        .apply()
}

impl Index {
    /// Ask for page `n` of the list (1 starts it again); a refusal is
    /// shown at once.
    fn load_goods(&mut self, n: u32) -> Result<()> {
        set(IndexData::goods_status(), "loading")?;
        let path = format!("/api/products?page={n}&size={PAGE_SIZE}");
        let listing = match catalogue::get::<Listing>(&path) {
            Ok(listing) => listing,
            Err(e) => return self.goods_refused(&e),
        };
        self.loading = true;
        task::spawn(async move {
            let got = listing.await;
            let server = catalogue::server()?;
            let shown = page::with_page(|index: &mut Index| {
                index.loading = false;
                got.map(|listing| {
                    index.pages = n;
                    index.more = listing.more;
                    let page: Vec<Goods> = (listing.products.into_iter())
                        .map(|g| catalogue::absolute(&server, g))
                        .collect();
                    (page, listing.more)
                })
            })?;
            show_goods(n, shown)
        });
        Ok(())
    }

    /// The list's request was refused before it left (the server not
    /// allowed): shown at once, and a pull-down ends.
    fn goods_refused(&mut self, error: &Error) -> Result<()> {
        self.loading = false;
        if std::mem::take(&mut self.refreshing) {
            frame::stop_pull_down_refresh()?;
        }
        goods_failed(error)
    }

    /// The picks' images if they failed, the banners unless they came,
    /// the list from its first page.
    fn reload(&mut self) -> Result<()> {
        let images = with_app(|shop: &mut Shop| shop.images.len())?;
        if images < catalogue::PICKS.len() {
            images::fetch()?;
        }
        self.load_banners()?;
        match self.loading {
            true => Ok(()),
            false => self.load_goods(1),
        }
    }

    /// Ask for the banners, unless they came.
    fn load_banners(&mut self) -> Result<()> {
        if self.banners_loaded {
            return Ok(());
        }
        // The list's error says why when the server is out of reach.
        let Ok(banners) = catalogue::get::<Vec<Banner>>("/api/banners") else {
            return Ok(());
        };
        task::spawn(async move {
            let Ok(banners) = banners.await else {
                return Ok(());
            };
            let server = catalogue::server()?;
            page::with_page(|index: &mut Index| index.banners_loaded = true)?;
            let banners: Vec<Banner> = (banners.into_iter())
                .map(|b| catalogue::absolute(&server, b))
                .collect();
            set(IndexData::banners(), banners)
        });
        Ok(())
    }
}

/// Page `n` of the list arrived (with whether more follow), or its error:
/// the list shows the pages loaded so far.
fn show_goods(n: u32, got: Result<(Vec<Goods>, bool)>) -> Result<()> {
    let refreshing = page::with_page(|index: &mut Index| std::mem::take(&mut index.refreshing))?;
    if refreshing {
        frame::stop_pull_down_refresh()?;
    }
    let (page, more) = match got {
        Ok(got) => got,
        Err(e) => return goods_failed(&e),
    };
    with_app(|shop: &mut Shop| {
        for g in &page {
            shop.names.insert(g.id.clone(), g.name.clone());
        }
    })?;
    let goods = page::with_page(|index: &mut Index| {
        if n == 1 {
            index.goods.clear();
        }
        index.goods.extend(page);
        index.goods.clone()
    })?;
    Patch::new()
        .set(IndexData::goods(), goods)?
        .set(IndexData::goods_more(), more)?
        .set(IndexData::goods_status(), "ready")?
        .set(IndexData::goods_error(), None)?
        .apply()
}

#[page("index", data = IndexData)]
impl Index {
    fn on_load(&mut self, _query: &page::Query) -> Result<()> {
        let picks = with_app(|shop: &mut Shop| cart::picks(shop.sort, &shop.images))?;
        miniapp_sdk::view::set_data(IndexData {
            products: picks,
            currency: CURRENCY.into(),
            orders: orders::count()?,
            ..IndexData::default()
        })?;
        show_cart()?;
        images::fetch()?;
        self.load_banners()?;
        self.load_goods(1)
    }

    /// Back from checkout or another tab: the cart and the orders as
    /// they are now.
    fn on_show(&mut self) -> Result<()> {
        show_cart()
    }

    /// Pulled down: the list from its first page, and what else failed.
    fn on_pull_down_refresh(&mut self) -> Result<()> {
        if self.loading {
            return frame::stop_pull_down_refresh();
        }
        self.refreshing = true;
        self.reload()
    }

    fn on_reach_bottom(&mut self) -> Result<()> {
        if self.loading || !self.more {
            return Ok(());
        }
        self.load_goods(self.pages + 1)
    }

    #[handler]
    fn login(&mut self, _tap: Tap) -> Result<()> {
        match identity::login() {
            Ok(code) => set(IndexData::login_code(), Some(code)),
            Err(e) => set(IndexData::login_error(), Some(e.kind().to_string())),
        }
    }

    #[handler]
    fn profile(&mut self, _tap: Tap) -> Result<()> {
        match identity::profile() {
            Ok(profile) => set(IndexData::nickname(), Some(profile.nickname)),
            Err(e) => Patch::new()
                .set(IndexData::profile_error(), Some(e.kind().to_string()))?
                .set(IndexData::profile_message(), Some(e.to_string()))?
                .apply(),
        }
    }

    /// Buy a pick now: its checkout.
    #[handler]
    fn buy(&mut self, event: &Event) -> Result<()> {
        let product = product_of(event)?;
        let within = event.detail_as::<Buy>().ok().and_then(|b| b.pay_within);
        match within {
            Some(s) => nav::navigate_to(&format!("checkout?product={}&within={s}", product.id)),
            None => nav::navigate_to(&format!("checkout?product={}", product.id)),
        }
    }

    /// A pick into the cart (its first variant), toasted.
    #[handler]
    fn add(&mut self, event: &Event) -> Result<()> {
        let pick = product_of(event)?;
        cart::add(Line {
            key: cart::key(pick.id, 0),
            id: pick.id.into(),
            name: pick.name.into(),
            variant: pick.variant.into(),
            price: pick.price,
            quantity: 1,
        })?;
        show_cart()
    }

    /// A line out of the cart, once the user confirms.
    #[handler]
    fn remove(&mut self, event: &Event) -> Result<()> {
        let key = match event.dataset.get("id") {
            Some(id) => id.clone(),
            None => event.detail_as::<Buy>()?.product,
        };
        cart::remove(key, |removed| {
            show_cart()?;
            set(IndexData::removed(), removed)
        });
        Ok(())
    }

    #[handler]
    fn sort(&mut self, _tap: Tap) -> Result<()> {
        cart::sort_menu(|sort, text| {
            let picks = with_app(|shop: &mut Shop| cart::picks(sort, &shop.images))?;
            Patch::new()
                .set(IndexData::products(), picks)?
                .set(IndexData::sorted(), Some(text.to_string()))?
                .apply()
        });
        Ok(())
    }

    /// Try again what failed: the picks' images, the banners, the list.
    #[handler]
    fn retry(&mut self, _event: &Event) -> Result<()> {
        self.reload()
    }

    /// The error state's Retry: a pull-down refresh, as if the user
    /// pulled (its `onPullDownRefresh` is the page's own callback, so what
    /// it starts is the page's, not the error state's, which leaves the
    /// page once the list loads).
    #[handler]
    fn refresh(&mut self) -> Result<()> {
        frame::start_pull_down_refresh()
    }

    /// A goods card tapped: its product's page.
    #[handler]
    fn open(&mut self, opened: miniapp_sdk::Detail<Opened>) -> Result<()> {
        open_product(&opened.id)
    }

    /// A banner tapped: the product it shows.
    #[handler]
    fn banner(&mut self, tap: Tap<Id>) -> Result<()> {
        open_product(&tap.dataset.id)
    }
}
