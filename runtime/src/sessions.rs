//! Idle instances, in the mini-program model: an app the user leaves is
//! hidden (`on-hide`) and kept, so coming back is a warm `on-show`; after a
//! while, or when too many are kept, it is destroyed, its slot freed, and the
//! next open is a cold start again.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::app::App;
use crate::error::Error;
use crate::event::LaunchOptions;
use crate::instance::AppInstance;

/// When hidden instances are destroyed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdlePolicy {
    /// How long a hidden instance is kept (default 30 minutes, as the
    /// platforms do); zero destroys it at the next eviction.
    pub keep_hidden: Duration,
    /// Most hidden instances kept; past it the longest-hidden go first
    /// (default 1,000).
    pub max_hidden: usize,
}

impl Default for IdlePolicy {
    fn default() -> Self {
        IdlePolicy {
            keep_hidden: Duration::from_secs(30 * 60),
            max_hidden: 1_000,
        }
    }
}

/// Which app, for which user.
pub type SessionKey = (String, Option<String>);

struct Session {
    instance: AppInstance,
    hidden_since: Option<Instant>,
}

/// The instances of a host, one per app and user, kept or destroyed by an
/// [`IdlePolicy`].
#[derive(Default)]
pub struct Sessions {
    policy: IdlePolicy,
    sessions: HashMap<SessionKey, Session>,
}

/// How [`Sessions::open`] got its instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// A new instance: `on-launch`, `on-show`.
    Cold,
    /// A kept instance brought back: `on-show`.
    Warm,
}

impl Sessions {
    /// Sessions destroyed according to `policy`.
    pub fn new(policy: IdlePolicy) -> Sessions {
        Sessions {
            policy,
            sessions: HashMap::new(),
        }
    }

    /// Open `app` for `options.user`: bring a kept instance back to the
    /// foreground, or launch a new one.
    pub async fn open(
        &mut self,
        app: &App,
        options: LaunchOptions,
    ) -> Result<(Start, &mut AppInstance), Error> {
        let key = (app.manifest().id.clone(), options.user.clone());
        let warm = matches!(self.sessions.get(&key), Some(s) if s.hidden_since.is_some());
        if warm {
            let session = self.sessions.get_mut(&key).expect("present");
            session.hidden_since = None;
            if let Err(e) = session.instance.show().await {
                self.sessions.remove(&key);
                return Err(e);
            }
        } else if !self.sessions.contains_key(&key) {
            let instance = app.launch(options).await?;
            self.sessions.insert(
                key.clone(),
                Session {
                    instance,
                    hidden_since: None,
                },
            );
        }
        let start = if warm { Start::Warm } else { Start::Cold };
        Ok((
            start,
            &mut self.sessions.get_mut(&key).expect("present").instance,
        ))
    }

    /// Send an app to the background (`on-hide`) and keep it. A hook error
    /// still hides it; a trap destroys it.
    pub async fn hide(&mut self, key: &SessionKey) -> Result<(), Error> {
        let Some(session) = self.sessions.get_mut(key) else {
            return Ok(());
        };
        let result = session.instance.hide().await;
        session.hidden_since = Some(Instant::now());
        if session.instance.is_discarded() {
            self.sessions.remove(key);
        }
        result
    }

    /// Destroy hidden instances kept longer than the policy allows, and the
    /// longest-hidden past its count. Returns the keys destroyed.
    pub fn evict_idle(&mut self) -> Vec<SessionKey> {
        let now = Instant::now();
        let keep = self.policy.keep_hidden;
        let mut evicted: Vec<SessionKey> = self
            .sessions
            .iter()
            .filter(|(_, s)| {
                s.hidden_since
                    .is_some_and(|t| now.duration_since(t) >= keep)
            })
            .map(|(k, _)| k.clone())
            .collect();
        let mut hidden: Vec<(Instant, SessionKey)> = self
            .sessions
            .iter()
            .filter(|(k, _)| !evicted.contains(k))
            .filter_map(|(k, s)| s.hidden_since.map(|t| (t, k.clone())))
            .collect();
        if hidden.len() > self.policy.max_hidden {
            hidden.sort();
            let excess = hidden.len() - self.policy.max_hidden;
            evicted.extend(hidden.into_iter().take(excess).map(|(_, k)| k));
        }
        for key in &evicted {
            self.sessions.remove(key);
        }
        evicted
    }

    /// Instances kept (foreground and hidden).
    pub fn len(&self) -> usize {
        self.sessions.len()
    }

    /// Whether no instance is kept.
    pub fn is_empty(&self) -> bool {
        self.sessions.is_empty()
    }
}
