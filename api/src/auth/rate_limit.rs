//! Log-in and registration attempts per minute, per client address and per account.

use crate::error::ApiError;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;

#[derive(Clone)]
pub struct AuthLimiter {
    inner: Option<Arc<Limiters>>,
}

struct Limiters {
    by_ip: DefaultKeyedRateLimiter<IpAddr>,
    by_account: DefaultKeyedRateLimiter<String>,
}

impl AuthLimiter {
    /// `per_minute = 0` turns the limit off (imports, load tests).
    #[must_use]
    pub fn new(per_minute: u32) -> Self {
        Self {
            inner: NonZeroU32::new(per_minute).map(|n| {
                let quota = Quota::per_minute(n);
                Arc::new(Limiters {
                    by_ip: DefaultKeyedRateLimiter::keyed(quota),
                    by_account: DefaultKeyedRateLimiter::keyed(quota),
                })
            }),
        }
    }

    /// Counts one attempt from `ip` on `account`.
    ///
    /// # Errors
    /// 429 with the wait when either budget is spent.
    pub fn check(&self, ip: Option<IpAddr>, account: &str) -> Result<(), ApiError> {
        let Some(l) = &self.inner else {
            return Ok(());
        };
        let clock = DefaultClock::default();
        if let Some(ip) = ip {
            l.by_ip
                .check_key(&ip)
                .map_err(|n| ApiError::TooManyRequests {
                    retry_after: n.wait_time_from(clock.now()),
                })?;
        }
        l.by_account
            .check_key(&account.trim().to_lowercase())
            .map_err(|n| ApiError::TooManyRequests {
                retry_after: n.wait_time_from(clock.now()),
            })?;
        // Keep memory bounded under a spray of addresses/accounts.
        if l.by_account.len() > 100_000 {
            l.by_account.retain_recent();
        }
        if l.by_ip.len() > 100_000 {
            l.by_ip.retain_recent();
        }
        Ok(())
    }
}
