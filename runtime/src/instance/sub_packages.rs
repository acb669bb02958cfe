//! Which subpackages an instance has sent its clients: a subpackage's view
//! (its pages' templates rendered, their styles, the files a client
//! fetches under its root) goes to a client only once one of its pages is
//! shown, or once a page whose `preloadRule` names it is shown (on the
//! network the rule asks for), then it is kept. The embedder takes each
//! load as it happens ([`AppInstance::take_package_loads`]) and tells its
//! clients (the protocol's `subpackage` frame).

use std::collections::BTreeSet;

use miniapp_config::sub_packages::{Network, SubPackage};
use serde::Serialize;

use super::AppInstance;
use crate::providers::NetworkType;

/// Why a subpackage was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LoadCause {
    /// One of its pages was navigated to.
    Navigation,
    /// A page whose `preloadRule` names it was shown.
    Preload,
}

/// A subpackage sent to the instance's clients.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PackageLoad {
    /// Its root folder (`packageA`).
    pub root: String,
    /// Its name, if app.json gives one.
    pub name: Option<String>,
    /// Why it was sent.
    pub by: LoadCause,
    /// The page whose showing sent it (route).
    pub page: String,
    /// The files under its root a client fetches (images and other
    /// assets; its templates and styles reach clients in page frames).
    pub files: Vec<String>,
    /// Bytes of all its files.
    pub bytes: u64,
}

/// The subpackages sent so far, and the loads not yet taken.
#[derive(Debug, Default)]
pub(crate) struct Loaded {
    roots: BTreeSet<String>,
    /// Every load so far, in order.
    sent: Vec<PackageLoad>,
    /// The loads the embedder has not taken yet.
    new: Vec<PackageLoad>,
    /// The serial of the top page when last looked at.
    shown: Option<u64>,
}

impl AppInstance {
    /// The subpackages sent since the last call, in order: those of each
    /// page shown on top since (its own, first shown; those its
    /// `preloadRule` names, once, when it is first shown on top; a `wifi`
    /// rule only while the device's network is Wi-Fi). A package is sent
    /// once per instance.
    pub fn take_package_loads(&mut self) -> Vec<PackageLoad> {
        self.note_shown_page();
        std::mem::take(&mut self.packages.new)
    }

    /// Send what the top page needs if it was not on top when last looked
    /// at (after every callback's render, and when the embedder takes the
    /// loads).
    pub(super) fn note_shown_page(&mut self) {
        let app = self.app.clone();
        let packages = &app.sub_packages;
        let Some(top) = self.pages().last() else {
            return;
        };
        let (route, serial) = (top.route.clone(), top.serial);
        if packages.list.is_empty() || self.packages.shown == Some(serial) {
            return;
        }
        self.packages.shown = Some(serial);
        if let Some(package) = packages.of_route(&route) {
            self.load(package, LoadCause::Navigation, &route);
        }
        if let Some(rule) = packages.preload_of(&route) {
            let network = *self.app.services.providers.device.network().borrow();
            if rule.network == Network::All || network == NetworkType::Wifi {
                for root in &rule.packages {
                    let package = packages.named(root).expect("a preload rule names packages");
                    self.load(package, LoadCause::Preload, &route);
                }
            }
        }
    }

    /// Every subpackage sent so far, in order (for a client that
    /// connects later: it is told them all).
    pub fn package_loads(&self) -> &[PackageLoad] {
        &self.packages.sent
    }

    /// `package` sent, unless it already was.
    fn load(&mut self, package: &SubPackage, by: LoadCause, page: &str) {
        if !self.packages.roots.insert(package.root.clone()) {
            return;
        }
        let files = self.app.sub_package_files.get(&package.root);
        let load = PackageLoad {
            root: package.root.clone(),
            name: package.name.clone(),
            by,
            page: page.to_string(),
            files: files.map(|f| f.fetched.clone()).unwrap_or_default(),
            bytes: files.map_or(0, |f| f.bytes),
        };
        self.packages.sent.push(load.clone());
        self.packages.new.push(load);
    }
}

/// One subpackage's files, as load counts them.
#[derive(Debug, Default)]
pub(crate) struct PackageFiles {
    /// Those a client fetches (not templates, styles or json), by path.
    pub fetched: Vec<String>,
    /// Bytes of all of them.
    pub bytes: u64,
}

/// Each subpackage's files among `assets`, by root.
pub(crate) fn files_by_package(
    packages: &miniapp_config::sub_packages::SubPackages,
    assets: &std::collections::BTreeMap<String, Vec<u8>>,
) -> std::collections::BTreeMap<String, PackageFiles> {
    let mut found = std::collections::BTreeMap::<String, PackageFiles>::new();
    for (path, bytes) in assets {
        let Some(package) = packages.of_file(path) else {
            continue;
        };
        let files = found.entry(package.root.clone()).or_default();
        files.bytes += bytes.len() as u64;
        if ![".wxml", ".wxss", ".json"]
            .iter()
            .any(|e| path.ends_with(e))
        {
            files.fetched.push(path.clone());
        }
    }
    found
}
