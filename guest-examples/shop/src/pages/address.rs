//! The delivery address form: a name, a phone number, the region (the
//! host's region picker: province, city and county from the region table
//! in force) and the street. Saved in storage, it is the checkout's and
//! the me page's address card; each field is checked, and what is wrong
//! is said under the form.

use miniapp_sdk::feedback::{self, Toast};
use miniapp_sdk::{Error, PageData, Patch, RegionChange, Result, Submit, nav, page, set, storage};
use serde::{Deserialize, Serialize};

/// Storage key of the address.
const ADDRESS: &str = "address";

/// A delivery address.
#[derive(Clone, Default, Serialize, Deserialize, PartialEq, Debug, PageData)]
pub struct AddressInfo {
    pub name: String,
    pub phone: String,
    /// Province, city, county.
    pub region: Vec<String>,
    /// Street and number.
    pub detail: String,
}

impl AddressInfo {
    /// On one line: `Ada, 13800000000, 广东省 广州市 海珠区 1 Long Road`.
    pub fn one_line(&self) -> String {
        format!(
            "{}, {}, {} {}",
            self.name,
            self.phone,
            self.region.join(" "),
            self.detail
        )
    }

    /// What is wrong with it, if anything.
    fn problem(&self) -> Option<&'static str> {
        let digits = self.phone.chars().filter(char::is_ascii_digit).count();
        if self.name.trim().is_empty() || self.name.chars().count() > 20 {
            Some("Give a name of 1 to 20 characters")
        } else if !(6..=15).contains(&digits)
            || !(self.phone.chars()).all(|c| c.is_ascii_digit() || " +-".contains(c))
        {
            Some("Give a phone number of 6 to 15 digits")
        } else if self.region.len() != 3 {
            Some("Choose the province, city and county")
        } else if self.detail.trim().is_empty() || self.detail.chars().count() > 100 {
            Some("Give the street and number (at most 100 characters)")
        } else {
            None
        }
    }
}

/// The form's text fields, as `bindsubmit` gives them.
#[derive(Deserialize)]
struct Fields {
    #[serde(default)]
    name: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    detail: String,
}

/// What the address form shows.
#[derive(Default, Serialize, PageData)]
pub struct AddressData {
    pub address: AddressInfo,
    /// What is wrong with what was given.
    pub problem: Option<String>,
}

/// The address form's own state.
#[derive(Default)]
pub struct Address {
    region: Vec<String>,
}

impl Address {
    /// The address saved, if any.
    pub fn saved() -> Result<Option<AddressInfo>> {
        storage::get(ADDRESS)
    }
}

#[page("address", data = AddressData)]
impl Address {
    fn on_load(&mut self, _query: &page::Query) -> Result<()> {
        let address = Address::saved()?.unwrap_or_default();
        self.region = address.region.clone();
        miniapp_sdk::view::set_data(AddressData {
            address,
            problem: None,
        })
    }

    /// The region picker's change.
    #[handler]
    fn region(&mut self, chose: RegionChange) -> Result<()> {
        if chose.value.len() != 3 {
            return Err(Error::InvalidArgument(format!(
                "a region is a province, a city and a county, not {:?}",
                chose.value
            )));
        }
        self.region = chose.value.clone();
        set(AddressData::address().region(), &chose.value)
    }

    /// Save: checked, kept, and back to the page that asked.
    #[handler]
    fn save(&mut self, form: Submit<Fields>) -> Result<()> {
        let address = AddressInfo {
            name: form.value.name.trim().to_string(),
            phone: form.value.phone.trim().to_string(),
            region: self.region.clone(),
            detail: form.value.detail.trim().to_string(),
        };
        if let Some(problem) = address.problem() {
            return Patch::new()
                .set(AddressData::problem(), Some(problem.to_string()))?
                .apply();
        }
        storage::set(ADDRESS, &address)?;
        set(AddressData::problem(), None)?;
        feedback::show_toast(&Toast::new("Address saved"))?;
        nav::navigate_back(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_names_its_first_problem() {
        let mut address = AddressInfo {
            name: "Ada".into(),
            phone: "138 0000 0000".into(),
            region: vec!["广东省".into(), "广州市".into(), "海珠区".into()],
            detail: "1 Long Road".into(),
        };
        assert_eq!(address.problem(), None);
        address.phone = "12a45678".into();
        assert_eq!(
            address.problem(),
            Some("Give a phone number of 6 to 15 digits")
        );
        address.phone = "13800000000".into();
        address.region.pop();
        assert_eq!(
            address.problem(),
            Some("Choose the province, city and county")
        );
    }
}
