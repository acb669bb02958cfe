//! Back-off of clients that guess operator tokens.
//!
//! Wrong tokens are counted per client address (IPv4 address, or IPv6 /64
//! network: one host holds a whole /64). From the [`FREE_GUESSES`]th wrong
//! token on, each one bars the address for a time that doubles from 1 s up
//! to [`MAX_BACKOFF`]: [`FREE_GUESSES`] guesses, then one per 1, 2, 4, ...,
//! 60, 60, ... seconds. While barred, every operator call from the address
//! is answered 429 with `Retry-After` before its token is looked at, a
//! correct token's too. An address is forgotten after [`FORGET`] without a
//! wrong token (and not barred); at most [`MAX_CLIENTS`] are remembered,
//! the oldest dropped first.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Wrong tokens an address may send before it is barred.
pub(crate) const FREE_GUESSES: u32 = 10;
/// The first bar; each next wrong token doubles it.
pub(crate) const FIRST_BACKOFF: Duration = Duration::from_secs(1);
/// The longest bar.
pub(crate) const MAX_BACKOFF: Duration = Duration::from_secs(60);
/// Time without a wrong token after which an address starts afresh.
pub(crate) const FORGET: Duration = Duration::from_secs(600);
/// Addresses remembered at most.
pub(crate) const MAX_CLIENTS: usize = 10_000;

/// Who guesses: an IPv4 address, or the /64 network of an IPv6 one.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub(crate) enum Client {
    V4(u32),
    V6(u64),
    /// The peer is not known (served without connect info): all such
    /// calls share one count.
    Unknown,
}

impl Client {
    pub(crate) fn of(address: Option<IpAddr>) -> Client {
        match address.map(|a| a.to_canonical()) {
            Some(IpAddr::V4(v4)) => Client::V4(v4.to_bits()),
            Some(IpAddr::V6(v6)) => Client::V6((v6.to_bits() >> 64) as u64),
            None => Client::Unknown,
        }
    }
}

#[derive(Clone, Copy)]
struct Record {
    /// Wrong tokens since the address was last forgotten.
    wrong: u32,
    last_wrong: Instant,
    barred_until: Option<Instant>,
}

/// The clients' counts of wrong tokens.
pub(crate) struct Backoff {
    clients: Mutex<HashMap<Client, Record>>,
    max_clients: usize,
}

impl Default for Backoff {
    fn default() -> Backoff {
        Backoff::with_capacity(MAX_CLIENTS)
    }
}

impl Backoff {
    fn with_capacity(max_clients: usize) -> Backoff {
        Backoff {
            clients: Mutex::new(HashMap::new()),
            max_clients,
        }
    }

    /// If `client` is barred at `now`: the seconds until it is not (1 or
    /// more, rounded up).
    pub(crate) fn barred(&self, client: Client, now: Instant) -> Option<u32> {
        let clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        let until = clients.get(&client)?.barred_until?;
        let left = until.checked_duration_since(now).filter(|d| !d.is_zero())?;
        let seconds = left.as_secs() + u64::from(left.subsec_nanos() > 0);
        Some(u32::try_from(seconds).unwrap_or(u32::MAX).max(1))
    }

    /// `client` sent a wrong token at `now`: count it, and bar the client
    /// from the [`FREE_GUESSES`]th on.
    pub(crate) fn wrong(&self, client: Client, now: Instant) {
        let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        if !clients.contains_key(&client) && clients.len() >= self.max_clients {
            make_room(&mut clients, self.max_clients, now);
        }
        let record = clients.entry(client).or_insert(Record {
            wrong: 0,
            last_wrong: now,
            barred_until: None,
        });
        if now.saturating_duration_since(record.last_wrong) > FORGET {
            record.wrong = 0;
        }
        record.wrong = record.wrong.saturating_add(1);
        record.last_wrong = now;
        if record.wrong >= FREE_GUESSES {
            let doublings = (record.wrong - FREE_GUESSES).min(16);
            let bar = (FIRST_BACKOFF * (1 << doublings)).min(MAX_BACKOFF);
            record.barred_until = Some(now + bar);
        }
    }

    /// Addresses remembered.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.clients.lock().unwrap().len()
    }
}

/// Forget the addresses past [`FORGET`]; if that is not enough, the oldest
/// tenth (so that a flood of new addresses sorts once per tenth).
fn make_room(clients: &mut HashMap<Client, Record>, max: usize, now: Instant) {
    clients.retain(|_, r| {
        now.saturating_duration_since(r.last_wrong) <= FORGET
            || r.barred_until.is_some_and(|until| until > now)
    });
    if clients.len() < max {
        return;
    }
    let mut times: Vec<Instant> = clients.values().map(|r| r.last_wrong).collect();
    let drop = (max / 10).max(1).min(times.len());
    let (_, newest_dropped, _) = times.select_nth_unstable(drop - 1);
    let cut = *newest_dropped;
    clients.retain(|_, r| r.last_wrong > cut);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(n: u32) -> Client {
        Client::V4(n)
    }

    #[test]
    fn ten_wrong_tokens_then_a_doubling_bar_up_to_a_minute() {
        let backoff = Backoff::default();
        let client = v4(1);
        let t0 = Instant::now();
        for n in 0..FREE_GUESSES - 1 {
            backoff.wrong(client, t0);
            assert_eq!(backoff.barred(client, t0), None, "after {} guesses", n + 1);
        }
        // The tenth bars it for 1 s; each next (once the bar is over)
        // doubles it: 2, 4, ... 60 s.
        let mut now = t0;
        for expected in [1u32, 2, 4, 8, 16, 32, 60, 60, 60] {
            backoff.wrong(client, now);
            assert_eq!(backoff.barred(client, now), Some(expected));
            let bar = Duration::from_secs(u64::from(expected));
            let almost = now + bar - Duration::from_millis(1);
            assert_eq!(backoff.barred(client, almost), Some(1));
            now += bar;
            assert_eq!(backoff.barred(client, now), None);
        }
        // Another address is not barred.
        assert_eq!(backoff.barred(v4(2), now), None);
        // Quiet long enough, the address starts afresh.
        let later = now + FORGET + Duration::from_secs(1);
        backoff.wrong(client, later);
        assert_eq!(backoff.barred(client, later), None);
    }

    #[test]
    fn an_ipv6_client_is_its_slash_64() {
        let a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(Client::of(Some(a)), Client::of(Some(b)));
        assert_ne!(Client::of(Some(a)), Client::of(Some(c)));
        let mapped: IpAddr = "::ffff:10.0.0.1".parse().unwrap();
        assert_eq!(Client::of(Some(mapped)), v4(0x0a00_0001));
    }

    #[test]
    fn the_table_is_bounded_and_drops_the_oldest() {
        let backoff = Backoff::with_capacity(100);
        let t0 = Instant::now();
        // The first address is barred, then 1,000 others guess once each.
        for _ in 0..FREE_GUESSES {
            backoff.wrong(v4(0), t0);
        }
        for n in 1..=1_000u32 {
            backoff.wrong(v4(n), t0 + Duration::from_millis(u64::from(n)));
            assert!(backoff.len() <= 100);
        }
        // The newest are remembered; the oldest went first.
        let last = t0 + Duration::from_secs(2);
        backoff.wrong(v4(1_000), last);
        backoff.wrong(v4(1_000), last);
        assert!(backoff.len() <= 100);
        assert!(backoff.clients.lock().unwrap().contains_key(&v4(999)));
        assert!(!backoff.clients.lock().unwrap().contains_key(&v4(1)));
    }
}
