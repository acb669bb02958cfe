//! The default clipboard provider: clipboards held in memory, bounded in
//! entries, in bytes in total, and in bytes per writing app.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use super::{ClipboardProvider, ProviderError};

/// How much [`HeldClipboards`] keeps. A clipboard costs the bytes of its
/// data and of its user's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClipboardLimits {
    /// Users whose clipboards are kept at once.
    pub users: usize,
    /// Bytes kept in total, over all users.
    pub bytes: usize,
    /// Bytes kept of what one app wrote, over all users (the clipboards
    /// whose content that app put there last). An app also keeps at most
    /// the same share of `users` clipboards ([`Self::app_users`]).
    pub app_bytes: usize,
}

impl ClipboardLimits {
    /// Clipboards kept of what one app wrote: its byte share
    /// (`app_bytes / bytes`) of `users`, at least one. Without it an app
    /// writing tiny copies as many users would fill `users` and forget
    /// every other app's copy.
    pub fn app_users(&self) -> usize {
        let share = self.users.saturating_mul(self.app_bytes) / self.bytes.max(1);
        share.clamp(1, self.users.max(1))
    }
}

impl Default for ClipboardLimits {
    fn default() -> Self {
        ClipboardLimits {
            users: HeldClipboards::MAX_USERS,
            bytes: HeldClipboards::MAX_BYTES,
            app_bytes: HeldClipboards::MAX_APP_BYTES,
        }
    }
}

/// Clipboards held in memory, one per user (one for the host's own user,
/// `None`), shared by the apps that user opens, as a phone's is.
///
/// What it holds is bounded by [`ClipboardLimits`] (by default
/// [`MAX_USERS`](Self::MAX_USERS) clipboards, [`MAX_BYTES`](Self::MAX_BYTES)
/// in total and [`MAX_APP_BYTES`](Self::MAX_APP_BYTES) of any one app's
/// writes, in at most [`ClipboardLimits::app_users`] clipboards), so that no app, whatever users it opens sessions as, makes the
/// host hold more. A write past a limit succeeds and forgets the least
/// recently written clipboards (the writing app's own first, when it is the
/// app's limit that is passed), as a phone's clipboard forgets what was
/// copied before: a clipboard is a hand-over, not storage, and refusing
/// would let one app's copies (or other users') make another's copy fail.
/// Only a single write larger than a limit is refused. Each write or
/// eviction costs O(log n) in the clipboards held.
#[derive(Debug, Default)]
pub struct HeldClipboards {
    limits: ClipboardLimits,
    held: Mutex<HeldBook>,
}

impl HeldClipboards {
    /// Users whose clipboards are kept at once, by default.
    pub const MAX_USERS: usize = 4096;
    /// Bytes kept in total, by default: 16 MiB (256 clipboards at the
    /// default `clipboard_bytes` quota of 64 KiB).
    pub const MAX_BYTES: usize = 16 << 20;
    /// Bytes kept of one app's writes, by default: 2 MiB (an eighth of the
    /// total, so that at least eight apps' copies are kept side by side).
    pub const MAX_APP_BYTES: usize = 2 << 20;

    /// Clipboards kept within `limits`.
    pub fn with_limits(limits: ClipboardLimits) -> Self {
        HeldClipboards {
            limits,
            held: Mutex::default(),
        }
    }

    /// The bytes held now, over all users.
    pub fn held_bytes(&self) -> usize {
        self.book().bytes
    }

    /// The bytes held now of what `app_id` wrote, over all users.
    pub fn held_bytes_of(&self, app_id: &str) -> usize {
        self.book().by_app.get(app_id).map_or(0, |app| app.bytes)
    }

    fn book(&self) -> std::sync::MutexGuard<'_, HeldBook> {
        self.held.lock().unwrap_or_else(|e| e.into_inner())
    }
}

type User = Option<String>;

/// One user's clipboard.
#[derive(Debug)]
struct Clipboard {
    data: String,
    /// The app that wrote it.
    app: Arc<str>,
    /// The write it was last written by.
    at: u64,
    /// What it counts against the limits.
    cost: usize,
}

/// The clipboards of one writing app.
#[derive(Debug, Default)]
struct AppHeld {
    bytes: usize,
    /// The writes of its clipboards held, oldest first.
    writes: BTreeSet<u64>,
}

#[derive(Debug, Default)]
struct HeldBook {
    by_user: HashMap<User, Clipboard>,
    /// Whose clipboard each write held is, oldest first.
    by_write: BTreeMap<u64, User>,
    by_app: HashMap<Arc<str>, AppHeld>,
    bytes: usize,
    writes: u64,
}

impl HeldBook {
    /// Forget `user`'s clipboard.
    fn forget(&mut self, user: &User) {
        let Some(gone) = self.by_user.remove(user) else {
            return;
        };
        self.by_write.remove(&gone.at);
        self.bytes -= gone.cost;
        if let Some(app) = self.by_app.get_mut(&gone.app) {
            app.bytes -= gone.cost;
            app.writes.remove(&gone.at);
            if app.writes.is_empty() {
                self.by_app.remove(&gone.app);
            }
        }
    }

    /// Forget the least recently written clipboard of `app`, or of anyone
    /// (`None`). False if there was none.
    fn forget_oldest(&mut self, app: Option<&str>) -> bool {
        let oldest = match app {
            Some(app) => self.by_app.get(app).and_then(|a| a.writes.first()),
            None => self.by_write.keys().next(),
        };
        let Some(user) = oldest.and_then(|at| self.by_write.get(at)).cloned() else {
            return false;
        };
        self.forget(&user);
        true
    }

    fn app_bytes(&self, app: &str) -> usize {
        self.by_app.get(app).map_or(0, |a| a.bytes)
    }

    fn app_clipboards(&self, app: &str) -> usize {
        self.by_app.get(app).map_or(0, |a| a.writes.len())
    }

    /// Hold `clipboard` for `user`, forgetting what `limits` make room for.
    fn hold(&mut self, limits: &ClipboardLimits, user: User, mut clipboard: Clipboard) {
        self.forget(&user);
        let cost = clipboard.cost;
        let app_users = limits.app_users();
        while (self.app_bytes(&clipboard.app) + cost > limits.app_bytes
            || self.app_clipboards(&clipboard.app) >= app_users)
            && self.forget_oldest(Some(&clipboard.app))
        {}
        while (self.bytes + cost > limits.bytes || self.by_user.len() >= limits.users)
            && self.forget_oldest(None)
        {}
        self.writes += 1;
        clipboard.at = self.writes;
        self.bytes += cost;
        let app = self.by_app.entry(clipboard.app.clone()).or_default();
        app.bytes += cost;
        app.writes.insert(clipboard.at);
        self.by_write.insert(clipboard.at, user.clone());
        self.by_user.insert(user, clipboard);
    }
}

#[async_trait]
impl ClipboardProvider for HeldClipboards {
    async fn write(
        &self,
        app_id: &str,
        user: Option<&str>,
        data: String,
    ) -> Result<(), ProviderError> {
        let cost = data.len() + user.map_or(0, str::len);
        if self.limits.users == 0 {
            return Err(ProviderError(
                "the host keeps no clipboards (its clipboard limits allow 0 users)".into(),
            ));
        }
        let limit = self.limits.app_bytes.min(self.limits.bytes);
        if cost > limit {
            return Err(ProviderError(format!(
                "this copy takes {cost} bytes (its data and the user's id), more than \
                 the host keeps of one app's copies ({limit} bytes)"
            )));
        }
        let mut book = self.book();
        let app = (book.by_app.get_key_value(app_id))
            .map_or_else(|| Arc::from(app_id), |(app, _)| app.clone());
        let clipboard = Clipboard {
            data,
            app,
            at: 0,
            cost,
        };
        book.hold(&self.limits, user.map(str::to_string), clipboard);
        Ok(())
    }

    async fn read(&self, _: &str, user: Option<&str>) -> Result<String, ProviderError> {
        let book = self.book();
        let user = user.map(str::to_string);
        Ok(book
            .by_user
            .get(&user)
            .map(|held| held.data.clone())
            .unwrap_or_default())
    }
}
