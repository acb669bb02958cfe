//! What the shop sells: its two picks, built in (the home page shows them
//! even without the server), and the catalogue its server serves as JSON
//! (`miniapp fixture shop`: banners, categories, products by page, a
//! product by id), read with requests that do not hold the page.

use miniapp_sdk::{Error, Result, http, with_app};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::Shop;

/// The shop's server: `miniapp fixture shop` (launch with
/// `index?shop=http://HOST:PORT` for another, declared in the manifest too).
pub const DEFAULT_SERVER: &str = "http://127.0.0.1:8766";

/// Products a page of the home list holds.
pub const PAGE_SIZE: u32 = 6;

/// One of the shop's picks: in the app, with its first variant.
#[derive(Serialize)]
pub struct Pick {
    pub id: &'static str,
    pub name: &'static str,
    /// The first variant's name.
    pub variant: &'static str,
    /// In fen.
    pub price: u64,
}

/// The picks, as the server lists them too.
pub const PICKS: [Pick; 2] = [
    Pick {
        id: "tea",
        name: "Green tea",
        variant: "250 g",
        price: 1200,
    },
    Pick {
        id: "cake",
        name: "Moon cake",
        variant: "Lotus seed",
        price: 3500,
    },
];

/// The pick `id`.
pub fn pick(id: &str) -> Result<&'static Pick> {
    (PICKS.iter().find(|p| p.id == id))
        .ok_or_else(|| Error::app(format!("unknown product {id} (the picks are tea and cake)")))
}

/// A banner of the home page's swiper.
#[derive(Clone, Serialize, Deserialize)]
pub struct Banner {
    pub id: u32,
    pub title: String,
    /// The product it opens.
    pub product: String,
    /// Its picture's URL (the server's path, made absolute).
    pub image: String,
}

/// A category.
#[derive(Clone, Serialize, Deserialize)]
pub struct CategoryInfo {
    pub id: String,
    pub name: String,
}

/// A product as a list shows it.
#[derive(Clone, Serialize, Deserialize, PartialEq, Debug)]
pub struct Goods {
    pub id: String,
    pub name: String,
    /// Its first variant's price, in fen.
    pub price: u64,
    /// Its picture's URL.
    pub image: String,
}

/// A page of products.
#[derive(Deserialize)]
pub struct Listing {
    pub products: Vec<Goods>,
    /// Whether a next page follows.
    pub more: bool,
}

/// A variant of a product.
#[derive(Clone, Serialize, Deserialize)]
pub struct Variant {
    pub name: String,
    /// In fen.
    pub price: u64,
}

/// A product, as its page shows it.
#[derive(Clone, Serialize, Deserialize)]
pub struct ProductInfo {
    pub id: String,
    pub name: String,
    pub description: String,
    pub image: String,
    pub variants: Vec<Variant>,
}

/// The server's address, as the app was launched with.
pub fn server() -> Result<String> {
    with_app(|shop: &mut Shop| shop.server.clone())
}

/// `path` on the server (`/api/banners`).
pub fn url(server: &str, path: &str) -> String {
    format!("{server}{path}")
}

/// Each item's `image` path made a URL on `server`.
pub trait Pictured {
    fn picture(&mut self) -> &mut String;
}

impl Pictured for Banner {
    fn picture(&mut self) -> &mut String {
        &mut self.image
    }
}

impl Pictured for Goods {
    fn picture(&mut self) -> &mut String {
        &mut self.image
    }
}

impl Pictured for ProductInfo {
    fn picture(&mut self) -> &mut String {
        &mut self.image
    }
}

/// `item`'s picture as a URL on `server`.
pub fn absolute<T: Pictured>(server: &str, mut item: T) -> T {
    let path = item.picture();
    if path.starts_with('/') {
        *path = url(server, path);
    }
    item
}

/// `GET path` on the server, sent now: `.await` the `T` it answers (a
/// status other than 2xx is an error naming it). The request is refused
/// at once (the `Err` here) where the app may not reach the server.
pub fn get<T: DeserializeOwned>(path: &str) -> Result<impl Future<Output = Result<T>> + use<T>> {
    let url = url(&server()?, path);
    let fetch = http::get_async(&url)?;
    Ok(async move {
        let reply = fetch.await?;
        if !reply.is_success() {
            let why = format!("{url} answered {}: {}", reply.status, reply.text());
            return Err(Error::app(why));
        }
        reply.json::<T>()
    })
}
