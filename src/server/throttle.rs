//! Per-address throttles for what anonymous callers can make the app do: failed webhook
//! signatures, new OAuth states and passkey ceremonies.

use std::{
    collections::HashMap,
    net::IpAddr,
    sync::Mutex,
    time::{Duration, Instant},
};

/// Counts events per client address in one-minute windows, in bounded memory: at most
/// `capacity` addresses (IPv6 by /64), dropping finished windows first and the oldest window
/// when full. An address over its limit can be refused before its request is read.
///
/// (governor's keyed limiter cannot answer "is this address blocked?" without counting a
/// request, and its map grows with every address until it is pruned: hence these few lines.)
#[derive(Debug)]
pub struct AddressThrottle {
    windows: Mutex<HashMap<IpAddr, (Instant, u32)>>,
    per_minute: u32,
    capacity: usize,
}

impl AddressThrottle {
    /// A throttle allowing `per_minute` events per address, remembering `capacity` addresses.
    pub fn new(per_minute: u32, capacity: usize) -> Self {
        Self {
            windows: Mutex::new(HashMap::new()),
            per_minute,
            capacity,
        }
    }

    fn key(ip: IpAddr) -> IpAddr {
        match ip {
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => IpAddr::V4(v4),
                None => {
                    let s = v6.segments();
                    IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
                }
            },
            v4 => v4,
        }
    }

    /// Whether `ip` used up its events for this minute.
    pub fn blocked(&self, ip: IpAddr, now: Instant) -> bool {
        let windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        windows.get(&Self::key(ip)).is_some_and(|(start, count)| {
            now.duration_since(*start) < Duration::from_secs(60) && *count >= self.per_minute
        })
    }

    /// Counts an event of `ip`; whether it is now over the limit.
    pub fn hit(&self, ip: IpAddr, now: Instant) -> bool {
        let key = Self::key(ip);
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        let minute = Duration::from_secs(60);
        if !windows.contains_key(&key) && windows.len() >= self.capacity {
            windows.retain(|_, (start, _)| now.duration_since(*start) < minute);
            if windows.len() >= self.capacity {
                if let Some(oldest) = windows.iter().min_by_key(|(_, (s, _))| *s).map(|(k, _)| *k) {
                    windows.remove(&oldest);
                }
            }
        }
        let w = windows.entry(key).or_insert((now, 0));
        if now.duration_since(w.0) >= minute {
            *w = (now, 0);
        }
        w.1 = w.1.saturating_add(1);
        w.1 > self.per_minute
    }

    /// Addresses remembered now.
    pub fn len(&self) -> usize {
        self.windows.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// Whether no address is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Connections one client address may start per minute, unless `CONNECT_STARTS_PER_MINUTE`
/// says otherwise.
pub const STARTS_PER_MINUTE: u32 = 20;

/// The throttles of what anonymous callers start.
#[derive(Debug)]
pub struct Throttles {
    /// Connections started (`connect/start`) per address.
    pub connect_starts: AddressThrottle,
    /// Passkey ceremonies started per address.
    pub passkeys: AddressThrottle,
}

impl Throttles {
    /// The throttles, with `connect_starts_per_minute` connections per address and minute.
    pub fn new(connect_starts_per_minute: u32) -> Self {
        Self {
            connect_starts: AddressThrottle::new(connect_starts_per_minute, 10_000),
            passkeys: AddressThrottle::new(30, 10_000),
        }
    }
}

impl Default for Throttles {
    fn default() -> Self {
        Self::new(STARTS_PER_MINUTE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_blocked_after_its_limit_until_the_minute_ends() {
        let t = AddressThrottle::new(3, 100);
        let ip: IpAddr = "203.0.113.7".parse().unwrap();
        let start = Instant::now();
        assert!(!t.blocked(ip, start));
        assert!(!t.hit(ip, start) && !t.hit(ip, start) && !t.hit(ip, start));
        assert!(t.blocked(ip, start), "three used");
        assert!(t.hit(ip, start), "a fourth is over");
        assert!(
            !t.blocked("203.0.113.8".parse().unwrap(), start),
            "per address"
        );
        assert!(
            !t.blocked(ip, start + Duration::from_secs(61)),
            "a new minute"
        );
    }

    #[test]
    fn memory_is_bounded_however_many_addresses_come() {
        let t = AddressThrottle::new(1, 50);
        let now = Instant::now();
        for i in 0..10_000u32 {
            t.hit(IpAddr::V4(i.to_be_bytes().into()), now);
        }
        assert!(t.len() <= 50, "{}", t.len());
        // IPv6 addresses of one /64 share a window.
        let t = AddressThrottle::new(2, 50);
        for i in 0..5u16 {
            t.hit(
                IpAddr::V6(std::net::Ipv6Addr::new(0x2001, 0xdb8, 0, 1, 0, 0, 0, i)),
                now,
            );
        }
        assert_eq!(t.len(), 1);
        assert!(t.blocked("2001:db8:0:1::ffff".parse().unwrap(), now));
    }
}
