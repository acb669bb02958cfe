//! The category tab: the server's categories down the side, the products
//! of the one chosen beside them (goods cards). Without the server it
//! shows why, with a Retry.

use miniapp_sdk::{Error, PageData, Patch, Result, Tap, frame, page, set, task, with_app};
use serde::Serialize;

use crate::Shop;
use crate::catalogue::{self, CategoryInfo, Goods, Listing};
use crate::pages::{Id, Opened, open_product};

/// The most products a category shows.
const SHOWN: u32 = 50;

/// What the category page shows.
#[derive(Default, Serialize, PageData)]
pub struct CategoryData {
    pub categories: Vec<CategoryInfo>,
    /// The category chosen.
    pub chosen: String,
    pub goods: Vec<Goods>,
    /// `loading`, `ready` or `error`.
    pub status: String,
    pub error: Option<String>,
}

/// The category page's own state.
#[derive(Default)]
pub struct Category {
    chosen: String,
}

/// Show `error`, with the Retry.
fn failed(error: &Error) -> Result<()> {
    Patch::new()
        .set(CategoryData::status(), "error")?
        .set(CategoryData::error(), Some(error.message().to_string()))?
        .apply()
}

impl Category {
    /// The categories, then the first one's products.
    fn load(&mut self) -> Result<()> {
        set(CategoryData::status(), "loading")?;
        let categories = match catalogue::get::<Vec<CategoryInfo>>("/api/categories") {
            Ok(categories) => categories,
            Err(e) => return failed(&e),
        };
        task::spawn(async move {
            let categories = match categories.await {
                Ok(categories) => categories,
                Err(e) => return failed(&e),
            };
            let Some(first) = categories.first().map(|c| c.id.clone()) else {
                return failed(&Error::app("the shop has no categories"));
            };
            set(CategoryData::categories(), categories)?;
            page::with_page(|category: &mut Category| category.chosen = first.clone())?;
            products(&first)
        });
        Ok(())
    }
}

/// Ask for category `id`'s products.
fn products(id: &str) -> Result<()> {
    Patch::new()
        .set(CategoryData::chosen(), id)?
        .set(CategoryData::status(), "loading")?
        .apply()?;
    let path = format!("/api/products?category={id}&size={SHOWN}");
    let listing = match catalogue::get::<Listing>(&path) {
        Ok(listing) => listing,
        Err(e) => return failed(&e),
    };
    let id = id.to_string();
    task::spawn(async move {
        let listing = match listing.await {
            Ok(listing) => listing,
            Err(e) => return failed(&e),
        };
        // A category tapped since: its own answer shows.
        let still = page::with_page(|category: &mut Category| category.chosen == id)?;
        if !still {
            return Ok(());
        }
        let server = catalogue::server()?;
        let goods: Vec<Goods> = (listing.products.into_iter())
            .map(|g| catalogue::absolute(&server, g))
            .collect();
        with_app(|shop: &mut Shop| {
            for g in &goods {
                shop.names.insert(g.id.clone(), g.name.clone());
            }
        })?;
        Patch::new()
            .set(CategoryData::goods(), goods)?
            .set(CategoryData::status(), "ready")?
            .set(CategoryData::error(), None)?
            .apply()
    });
    Ok(())
}

#[page("category", data = CategoryData)]
impl Category {
    fn on_load(&mut self, _query: &page::Query) -> Result<()> {
        miniapp_sdk::view::set_data(CategoryData::default())?;
        self.load()
    }

    /// A category tapped: its products.
    #[handler]
    fn choose(&mut self, tap: Tap<Id>) -> Result<()> {
        self.chosen = tap.dataset.id.clone();
        products(&tap.dataset.id)
    }

    #[handler]
    fn open(&mut self, opened: miniapp_sdk::Detail<Opened>) -> Result<()> {
        open_product(&opened.id)
    }

    /// Pulled down: the categories again, or the chosen one's products.
    fn on_pull_down_refresh(&mut self) -> Result<()> {
        frame::stop_pull_down_refresh()?;
        match self.chosen.as_str() {
            "" => self.load(),
            chosen => products(chosen),
        }
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
