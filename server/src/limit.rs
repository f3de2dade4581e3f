//! Sliding-window budgets keyed by client address or by a hash of what was tried, on the
//! server's injected clock (tests move it; nothing sleeps). Memory is bounded: a budget keeps at
//! most `max_keys` keys; expired hits are dropped as keys are touched and when the map is full.

use chrono::{DateTime, Duration, Utc};
use std::collections::{HashMap, VecDeque};

pub struct Budget {
    window: Duration,
    max_hits: usize,
    max_keys: usize,
    hits: HashMap<String, VecDeque<DateTime<Utc>>>,
}

impl Budget {
    pub fn new(window: Duration, max_hits: usize, max_keys: usize) -> Self {
        Self {
            window,
            max_hits: max_hits.max(1),
            max_keys: max_keys.max(1),
            hits: HashMap::new(),
        }
    }

    fn prune(q: &mut VecDeque<DateTime<Utc>>, since: DateTime<Utc>) {
        while q.front().is_some_and(|t| *t <= since) {
            q.pop_front();
        }
    }

    fn since(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now.checked_sub_signed(self.window)
            .unwrap_or(DateTime::<Utc>::MIN_UTC)
    }

    /// `None` while `key` has budget left at `now`; else the whole seconds until it has again
    /// (at least 1).
    pub fn exhausted(&mut self, key: &str, now: DateTime<Utc>) -> Option<u64> {
        let since = self.since(now);
        let q = self.hits.get_mut(key)?;
        Self::prune(q, since);
        if q.len() < self.max_hits {
            if q.is_empty() {
                self.hits.remove(key);
            }
            return None;
        }
        let oldest = *q.front()?;
        let free_at = oldest.checked_add_signed(self.window).unwrap_or(now);
        let secs = (free_at - now).num_milliseconds().max(0) as u64;
        Some(secs.div_ceil(1000).max(1))
    }

    /// Counts one hit for `key` at `now`.
    pub fn hit(&mut self, key: &str, now: DateTime<Utc>) {
        if !self.hits.contains_key(key) && self.hits.len() >= self.max_keys {
            let since = self.since(now);
            self.hits.retain(|_, q| {
                Self::prune(q, since);
                !q.is_empty()
            });
            if self.hits.len() >= self.max_keys {
                // Full of live keys: the one whose last hit is oldest makes room.
                if let Some(k) = self
                    .hits
                    .iter()
                    .min_by_key(|(_, q)| q.back().copied())
                    .map(|(k, _)| k.clone())
                {
                    self.hits.remove(&k);
                }
            }
        }
        let q = self.hits.entry(key.to_string()).or_default();
        q.push_back(now);
        // Never more than the budget plus one is needed to answer `exhausted`.
        while q.len() > self.max_hits {
            q.pop_front();
        }
    }

    /// Keys tracked now (for tests of the bound).
    #[cfg(test)]
    pub fn keys(&self) -> usize {
        self.hits.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_are_per_key_slide_with_the_clock_and_stay_bounded() {
        let t0 = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let mut b = Budget::new(Duration::seconds(60), 3, 100);
        for i in 0..3 {
            assert_eq!(b.exhausted("a", t0 + Duration::seconds(i)), None);
            b.hit("a", t0 + Duration::seconds(i));
        }
        assert_eq!(b.exhausted("a", t0 + Duration::seconds(10)), Some(50));
        assert_eq!(b.exhausted("b", t0 + Duration::seconds(10)), None);
        assert_eq!(b.exhausted("a", t0 + Duration::seconds(60)), None);
        for i in 0..1000 {
            b.hit(&format!("k{i}"), t0 + Duration::seconds(20));
        }
        assert!(b.keys() <= 100, "{}", b.keys());
    }
}
