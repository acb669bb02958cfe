//! Heavy init: a mini-program whose one-time setup is real work. Its
//! [`App::init`] parses the region table (3,435 rows of code, name and
//! parent, the table the host's region picker uses) into maps by code and
//! by name, with each region's full path ("广东省 / 深圳市 / 南山区"); the
//! host runs it once when it compiles the package and every instance starts
//! from the snapshot. `tap` looks a code up (detail `{"code": 440305}`,
//! default Nanshan) and shows its path; `find` looks a name up (detail
//! `{"name": "南山区"}`); `seed` shows a hash under a fresh `RandomState`
//! (randomness is the instance's, never the snapshot's).

use std::collections::BTreeMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::OnceLock;

use miniapp_sdk::{App, Error, Event, Launch, Result, json, view};
use serde::Deserialize;

/// The region picker's table, as the host ships it.
const TABLE: &str = include_str!("../../../view/src/region/regions.tsv");

/// The region Nanshan, Shenzhen: what `tap` shows without a detail.
const NANSHAN: u32 = 440305;

/// One region of the table.
struct Region {
    /// Its full path, from its province down.
    path: String,
    /// Its parent's code, none for a province.
    parent: Option<u32>,
}

/// The parsed table: regions by code, codes by name.
#[derive(Default)]
struct Regions {
    by_code: BTreeMap<u32, Region>,
    by_name: BTreeMap<String, Vec<u32>>,
}

static REGIONS: OnceLock<Regions> = OnceLock::new();

impl Regions {
    /// Parse the table: `CODE<TAB>NAME[<TAB>PARENT]` a line, `#` comments.
    fn parse(table: &str) -> Result<Regions> {
        let mut regions = Regions::default();
        for (at, line) in table.lines().enumerate() {
            if line.starts_with('#') || line.is_empty() {
                continue;
            }
            let bad = || Error::app(format!("regions.tsv:{}: malformed row", at + 1));
            let mut fields = line.split('\t');
            let code: u32 = fields.next().and_then(|c| c.parse().ok()).ok_or_else(bad)?;
            let name = fields.next().ok_or_else(bad)?;
            let parent = match fields.next() {
                Some(p) => Some(p.parse::<u32>().map_err(|_| bad())?),
                None => None,
            };
            let path = match parent.and_then(|p| regions.by_code.get(&p)) {
                Some(up) => format!("{} / {name}", up.path),
                None => name.to_string(),
            };
            regions.by_code.insert(code, Region { path, parent });
            regions
                .by_name
                .entry(name.to_string())
                .or_default()
                .push(code);
        }
        Ok(regions)
    }

    fn table() -> &'static Regions {
        REGIONS.get_or_init(|| Regions::parse(TABLE).unwrap_or_default())
    }
}

#[derive(Default)]
struct HeavyInit;

#[derive(Deserialize)]
struct Code {
    code: u32,
}

#[derive(Deserialize)]
struct Name {
    name: String,
}

impl App for HeavyInit {
    fn init() -> Result<()> {
        let regions = Regions::parse(TABLE)?;
        let _ = REGIONS.set(regions);
        Ok(())
    }

    fn on_launch(&mut self, _launch: &Launch) -> Result<()> {
        let regions = Regions::table();
        view::set_data(json!({ "regions": regions.by_code.len(), "path": "", "seed": "" }))
    }

    fn on_event(&mut self, event: &Event) -> Result<()> {
        let regions = Regions::table();
        match event.handler.as_str() {
            "tap" => {
                let code = event.detail_as::<Code>().map_or(NANSHAN, |c| c.code);
                let region = regions.by_code.get(&code);
                let parent = region.and_then(|r| r.parent);
                view::set_data(json!({
                    "path": region.map_or("", |r| r.path.as_str()),
                    "parent": parent,
                }))
            }
            "find" => {
                let Name { name } = event.detail_as()?;
                let codes = regions.by_name.get(&name).cloned().unwrap_or_default();
                view::set("found", codes)
            }
            "seed" => view::set("seed", RandomState::new().hash_one(7u64).to_string()),
            other => Err(Error::InvalidArgument(format!("no handler `{other}`"))),
        }
    }
}

miniapp_sdk::export_app!(HeavyInit);
