//! Host-side providers the embedder supplies: the consent prompt, identity,
//! location, payment, the clipboard, the host's UI (`host_ui`) and the
//! page's layout on the screen (`layout`). The runtime decides *whether* an app may ask; a
//! provider decides *what the answer is*.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;

use miniapp_config::Scope;

mod device_services;
mod held_clipboards;
mod host_ui;
mod layout;
mod script;

pub use device_services::{
    Address, DeviceAct, DeviceAnswer, DeviceServices, HeadlessDevice, ImageSources, MediaTypes,
    NetworkType, PickedImage, PickedMedia, Place, ScanResult, ScriptedDevice, Vibration,
};

pub use held_clipboards::{ClipboardLimits, HeldClipboards};
pub use host_ui::{
    ActionSheet, Asked, Drawn, FrontColor, Headless, HostUi, HostUiProvider, MediaAction, Modal,
    ModalAnswer, ScriptedAnswer, ScriptedUi, ToastIcon,
};
pub use layout::{EstimatedLayout, LayoutNode, LayoutProvider, MEASURE_TIMEOUT, NodeLayout};

/// What the consent provider is asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentRequest {
    /// The app asking.
    pub app_id: String,
    /// Its display name.
    pub app_name: String,
    /// The user, if the host named one.
    pub user: Option<String>,
    /// The scope asked for.
    pub scope: Scope,
    /// The reason the app's manifest gives.
    pub reason: String,
}

/// Asks the user for consent. Asked at most once per app, user and scope:
/// the answer is stored and sticks.
#[async_trait]
pub trait ConsentProvider: Send + Sync {
    /// `true` to grant, `false` to deny.
    async fn ask(&self, request: &ConsentRequest) -> bool;
}

/// A consent provider with fixed answers; scopes it does not list are denied.
/// For tests and non-interactive hosts (`miniapp run --grant/--deny`).
#[derive(Debug, Clone, Default)]
pub struct FixedConsent {
    granted: Vec<Scope>,
    asked: Arc<AtomicU64>,
}

impl FixedConsent {
    /// Grant `granted`, deny everything else.
    pub fn granting(granted: impl IntoIterator<Item = Scope>) -> Self {
        FixedConsent {
            granted: granted.into_iter().collect(),
            asked: Arc::default(),
        }
    }

    /// How many times it was asked (shared by clones).
    pub fn times_asked(&self) -> u64 {
        self.asked.load(Ordering::Relaxed)
    }
}

#[async_trait]
impl ConsentProvider for FixedConsent {
    async fn ask(&self, request: &ConsentRequest) -> bool {
        self.asked.fetch_add(1, Ordering::Relaxed);
        self.granted.contains(&request.scope)
    }
}

/// A failure inside a provider, shown to the app as `failed`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ProviderError(pub String);

/// The user's profile, as the identity provider gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// Nickname.
    pub nickname: String,
    /// Avatar URL.
    pub avatar_url: String,
}

/// Login and profile.
#[async_trait]
pub trait IdentityProvider: Send + Sync {
    /// A one-time code for `app_id` that the app's server exchanges.
    async fn login(&self, app_id: &str, user: Option<&str>) -> Result<String, ProviderError>;
    /// The user's profile (the runtime has checked the `user-info` consent).
    async fn profile(&self, app_id: &str, user: Option<&str>) -> Result<Profile, ProviderError>;
    /// A one-time code for the user's phone number, which app `app_id`'s
    /// server exchanges with the identity service for the number (WeChat's
    /// `getPhoneNumber` code); the user has just agreed to share it. The
    /// default: this host has no phone numbers.
    async fn phone_number_code(
        &self,
        app_id: &str,
        user: Option<&str>,
    ) -> Result<String, ProviderError> {
        let _ = (app_id, user);
        Err(ProviderError(
            "this host's identity provider has no phone numbers".into(),
        ))
    }
}

/// A device position.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Position {
    /// Degrees north.
    pub latitude: f64,
    /// Degrees east.
    pub longitude: f64,
    /// Accuracy radius in metres.
    pub accuracy_m: f64,
}

/// The device location.
#[async_trait]
pub trait LocationProvider: Send + Sync {
    /// The current position (the runtime has checked the `user-location` consent).
    async fn locate(&self, app_id: &str) -> Result<Position, ProviderError>;
}

/// An order the app asks the user to pay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    /// Order id from the app's server.
    pub order_id: String,
    /// Amount in the smallest currency unit.
    pub amount: u64,
    /// ISO 4217 code.
    pub currency: String,
    /// What is paid for.
    pub description: String,
}

/// How a payment ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentOutcome {
    /// Paid, with the provider's transaction id.
    Paid {
        /// The provider's transaction id.
        transaction_id: String,
    },
    /// The user cancelled.
    Cancelled,
}

/// Settles payments; the app sees only the outcome.
#[async_trait]
pub trait PaymentProvider: Send + Sync {
    /// Show the payment sheet for `order` and settle it.
    async fn pay(&self, app_id: &str, order: &Order) -> Result<PaymentOutcome, ProviderError>;
}

/// The user's clipboard (`clipboard.set-clipboard-data`,
/// `get-clipboard-data`). The runtime has checked the grant, the size
/// quota, and (for reads) the user gesture.
#[async_trait]
pub trait ClipboardProvider: Send + Sync {
    /// Put `data` on `user`'s clipboard, for app `app_id`.
    async fn write(
        &self,
        app_id: &str,
        user: Option<&str>,
        data: String,
    ) -> Result<(), ProviderError>;
    /// What `user`'s clipboard holds (empty if nothing), read by app `app_id`.
    async fn read(&self, app_id: &str, user: Option<&str>) -> Result<String, ProviderError>;
}

/// Providers a host without real ones uses: identity issues random one-time
/// codes and has no profile; location and payment are unavailable.
#[derive(Debug, Clone, Copy, Default)]
pub struct Unavailable;

#[async_trait]
impl IdentityProvider for Unavailable {
    async fn login(&self, _app_id: &str, _user: Option<&str>) -> Result<String, ProviderError> {
        Ok(one_time_code())
    }
    async fn profile(&self, _: &str, _: Option<&str>) -> Result<Profile, ProviderError> {
        Err(ProviderError("this host has no identity provider".into()))
    }
}

#[async_trait]
impl LocationProvider for Unavailable {
    async fn locate(&self, _: &str) -> Result<Position, ProviderError> {
        Err(ProviderError("this host has no location provider".into()))
    }
}

#[async_trait]
impl PaymentProvider for Unavailable {
    async fn pay(&self, _: &str, _: &Order) -> Result<PaymentOutcome, ProviderError> {
        Err(ProviderError("this host has no payment provider".into()))
    }
}

/// A simulated host for development and tests: a fixed user profile and
/// position, and a payment sheet that approves (or cancels) every order.
#[derive(Debug, Clone)]
pub struct Simulator {
    /// The profile returned.
    pub profile: Profile,
    /// The position returned.
    pub position: Position,
    /// Whether payments are approved (`true`) or cancelled.
    pub approve_payments: bool,
}

impl Default for Simulator {
    fn default() -> Self {
        Simulator {
            profile: Profile {
                nickname: "Test User".into(),
                avatar_url: "https://example.com/avatar.png".into(),
            },
            position: Position {
                latitude: 31.2304,
                longitude: 121.4737,
                accuracy_m: 30.0,
            },
            approve_payments: true,
        }
    }
}

#[async_trait]
impl IdentityProvider for Simulator {
    async fn login(&self, _: &str, _: Option<&str>) -> Result<String, ProviderError> {
        Ok(one_time_code())
    }
    async fn phone_number_code(&self, _: &str, _: Option<&str>) -> Result<String, ProviderError> {
        Ok(one_time_code())
    }
    async fn profile(&self, _: &str, _: Option<&str>) -> Result<Profile, ProviderError> {
        Ok(self.profile.clone())
    }
}

#[async_trait]
impl LocationProvider for Simulator {
    async fn locate(&self, _: &str) -> Result<Position, ProviderError> {
        Ok(self.position)
    }
}

#[async_trait]
impl PaymentProvider for Simulator {
    async fn pay(&self, _: &str, order: &Order) -> Result<PaymentOutcome, ProviderError> {
        Ok(if self.approve_payments {
            PaymentOutcome::Paid {
                transaction_id: format!("sim-{}-{}", order.order_id, &one_time_code()[..8]),
            }
        } else {
            PaymentOutcome::Cancelled
        })
    }
}

/// A random 128-bit code from the OS, hex.
fn one_time_code() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the OS random source is available");
    hex::encode(bytes)
}

/// The providers a runtime calls. Defaults: consent denies everything
/// ([`FixedConsent`] with no grants), identity issues codes but has no profile,
/// location and payment are unavailable, clipboards are held in memory
/// ([`HeldClipboards`]), the host UI is [`Headless`], the device's services
/// are [`HeadlessDevice`], the page's layout is estimated
/// ([`EstimatedLayout`]).
#[derive(Clone)]
pub struct Providers {
    /// Answers consent prompts.
    pub consent: Arc<dyn ConsentProvider>,
    /// Login and profile.
    pub identity: Arc<dyn IdentityProvider>,
    /// Device location.
    pub location: Arc<dyn LocationProvider>,
    /// Payment.
    pub payment: Arc<dyn PaymentProvider>,
    /// The user's clipboard.
    pub clipboard: Arc<dyn ClipboardProvider>,
    /// The host's UI around the page: toasts, dialogs, the bars.
    pub host_ui: Arc<dyn HostUiProvider>,
    /// The device's services: network, vibration, screen, phone, settings.
    pub device: Arc<dyn DeviceServices>,
    /// Where the page's nodes are on the screen (`selector-query`).
    pub layout: Arc<dyn LayoutProvider>,
}

impl Default for Providers {
    fn default() -> Self {
        Providers {
            consent: Arc::new(FixedConsent::default()),
            identity: Arc::new(Unavailable),
            location: Arc::new(Unavailable),
            payment: Arc::new(Unavailable),
            clipboard: Arc::new(HeldClipboards::default()),
            host_ui: Arc::new(Headless),
            device: Arc::new(HeadlessDevice::default()),
            layout: Arc::new(EstimatedLayout),
        }
    }
}

impl Providers {
    /// Identity, location and payment from one [`Simulator`]; consent denies
    /// everything until replaced.
    pub fn simulated(simulator: Simulator) -> Self {
        let simulator = Arc::new(simulator);
        Providers {
            consent: Arc::new(FixedConsent::default()),
            identity: simulator.clone(),
            location: simulator.clone(),
            payment: simulator,
            clipboard: Arc::new(HeldClipboards::default()),
            host_ui: Arc::new(Headless),
            device: Arc::new(HeadlessDevice::default()),
            layout: Arc::new(EstimatedLayout),
        }
    }
}
