//! The purchase history, indexed once: receipt lines by GTIN and by category, each list sorted
//! by time, and receipts by time. Every rule then costs O(its matches) or O(log n), not O(n).
//!
//! The index owns compact copies (32-byte line records, interned names, lots in one arena), so
//! it can be kept between plans and updated one receipt at a time ([`ReceiptIndex::insert`]).
//! A product's name in texts is the one on its latest line. GTINs (digit strings) are looked up
//! by an integer key.

use super::hash::{FastMap, FastSet};
use super::name::Name;
use super::time::Tz;
use super::vocab::{LocalizedText, Selector};
use crate::receipts::Receipt;

/// One indexed receipt line, 32 bytes.
#[derive(Debug, Clone)]
pub(crate) struct LineRec {
    pub at: i64,
    /// Quantity, saturated into i32 (validated receipts have at most 1000000).
    pub qty: i32,
    pub receipt: u32,
    pub line_no: u32,
    pub gtin: u32,
    /// The lot as a range of `lots`; length 0: no lot.
    lot_at: u32,
    lot_len: u32,
}

#[derive(Debug, Clone)]
pub(crate) struct ReceiptRec {
    pub id: Box<str>,
    pub at: i64,
    pub store: u32,
}

/// One purchase day of a product or group: all matching lines bought that local day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Event {
    pub day: i64,
    pub qty: i64,
    /// The latest line of that day.
    pub last_line: u32,
}

#[derive(Debug, Default, Clone)]
struct Interner {
    ids: FastMap<Box<str>, u32>,
    strs: Vec<Box<str>>,
}

impl Interner {
    fn intern(&mut self, s: &str) -> Option<u32> {
        if let Some(&id) = self.ids.get(s) {
            return Some(id);
        }
        let id = u32::try_from(self.strs.len()).ok()?;
        self.strs.push(s.into());
        self.ids.insert(s.into(), id);
        Some(id)
    }

    fn get(&self, s: &str) -> Option<u32> {
        self.ids.get(s).copied()
    }

    fn str(&self, id: u32) -> &str {
        self.strs.get(id as usize).map(|s| &**s).unwrap_or("")
    }

    fn len(&self) -> usize {
        self.strs.len()
    }
}

/// GTIN ids: digit strings of up to 14 digits (every valid GTIN) by an integer key, anything
/// else by its text.
#[derive(Debug, Default, Clone)]
struct Gtins {
    numeric: FastMap<u64, u32>,
    other: FastMap<Box<str>, u32>,
    strs: Vec<Box<str>>,
}

impl Gtins {
    /// The digits as a number, with the length in the low bits (so "0012" ≠ "12").
    fn key(s: &str) -> Option<u64> {
        let b = s.as_bytes();
        if b.is_empty() || b.len() > 14 || !b.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let v = b.iter().fold(0u64, |acc, d| acc * 10 + u64::from(d - b'0'));
        Some((v << 4) | b.len() as u64)
    }

    fn get(&self, s: &str) -> Option<u32> {
        match Self::key(s) {
            Some(k) => self.numeric.get(&k).copied(),
            None => self.other.get(s).copied(),
        }
    }

    fn intern(&mut self, s: &str) -> Option<u32> {
        if let Some(id) = self.get(s) {
            return Some(id);
        }
        let id = u32::try_from(self.strs.len()).ok()?;
        self.strs.push(s.into());
        match Self::key(s) {
            Some(k) => self.numeric.insert(k, id),
            None => self.other.insert(s.into(), id),
        };
        Some(id)
    }

    fn str(&self, id: u32) -> &str {
        self.strs.get(id as usize).map(|s| &**s).unwrap_or("")
    }

    fn len(&self) -> usize {
        self.strs.len()
    }
}

/// GTINs and categories of a [`Selector`], resolved against an index.
#[derive(Debug, Default, Clone)]
pub(crate) struct Resolved {
    pub gtins: Vec<u32>,
    pub cats: Vec<u32>,
}

/// The shopper's receipts, indexed for planning. Build it with [`ReceiptIndex::from_receipts`]
/// and keep it: [`ReceiptIndex::insert`] adds a new receipt in O(lines) (plus a shift when a
/// receipt arrives out of time order). Adding a receipt id that is already there is ignored.
/// Lines with a quantity of zero or less are skipped.
#[derive(Debug, Default, Clone)]
pub struct ReceiptIndex {
    /// Translations of interned product and store names, by the id of the name they
    /// translate (a line's `names`, a receipt's `store_names`).
    translations: FastMap<u32, LocalizedText>,
    receipts: Vec<ReceiptRec>,
    receipt_ids: FastMap<Box<str>, u32>,
    /// Receipt numbers sorted by (time, id).
    by_time: Vec<u32>,
    lines: Vec<LineRec>,
    gtins: Gtins,
    /// Per GTIN id: line numbers sorted by (time, receipt id, line position).
    by_gtin: Vec<Vec<u32>>,
    /// Normalised (trimmed, lower-case) category → category id.
    cats: Interner,
    /// Raw category as written on receipts → category id (saves normalising every line).
    raw_cats: FastMap<Box<str>, u32>,
    by_cat: Vec<Vec<u32>>,
    /// Per category id: the GTINs seen in it.
    cat_gtins: Vec<Vec<u32>>,
    cat_gtin_seen: FastSet<u64>,
    /// Per GTIN id: the category its last line had (saves a set probe per line).
    gtin_cat: Vec<u32>,
    /// Per GTIN id: the item name on its latest line, and that line's time.
    gtin_name: Vec<(i64, u32)>,
    /// Item and store names.
    strings: Interner,
    /// Every lot, one after the other.
    lots: String,
}

/// Time, then receipt id, then position: the same order whatever the insertion order.
fn line_order(lines: &[LineRec], receipts: &[ReceiptRec], a: u32, b: u32) -> std::cmp::Ordering {
    let (x, y) = (&lines[a as usize], &lines[b as usize]);
    x.at.cmp(&y.at).then_with(|| {
        if x.receipt == y.receipt {
            x.line_no.cmp(&y.line_no)
        } else {
            receipts[x.receipt as usize]
                .id
                .cmp(&receipts[y.receipt as usize].id)
                .then(x.line_no.cmp(&y.line_no))
        }
    })
}

pub(crate) fn normalize_category(c: &str) -> String {
    c.trim().to_lowercase()
}

/// The normalised form of a category, borrowed when it already is.
fn normalized(c: &str) -> std::borrow::Cow<'_, str> {
    if c.trim().len() == c.len() && c.chars().all(|ch| ch.to_lowercase().eq([ch])) {
        std::borrow::Cow::Borrowed(c)
    } else {
        std::borrow::Cow::Owned(normalize_category(c))
    }
}

/// Reusable buffers for [`ReceiptIndex::tail_events`] and the interval statistics.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    picked: Vec<u32>,
    pub events: Vec<Event>,
    pub a: Vec<i64>,
    pub b: Vec<i64>,
    pub c: Vec<i64>,
}

impl ReceiptIndex {
    pub fn new() -> Self {
        Self::default()
    }

    /// Indexes `receipts` (in any order; the result does not depend on it).
    pub fn from_receipts(receipts: &[Receipt]) -> Self {
        let mut refs: Vec<&Receipt> = receipts.iter().collect();
        crate::sort::sort_by(&mut refs, |a, b| {
            a.purchased_at.cmp(&b.purchased_at).then(a.id.cmp(&b.id))
        });
        let n_lines = receipts.iter().map(|r| r.lines.len()).sum();
        let mut ix = Self {
            lines: Vec::with_capacity(n_lines),
            receipts: Vec::with_capacity(receipts.len()),
            by_time: Vec::with_capacity(receipts.len()),
            receipt_ids: FastMap::with_capacity_and_hasher(receipts.len(), Default::default()),
            ..Self::default()
        };
        // In time order every line is appended at the end of its lists, and each product's
        // name is taken once, from its latest line, after the loop.
        let mut latest: Vec<(usize, usize)> = Vec::new();
        for (ri, r) in refs.iter().enumerate() {
            ix.insert_impl(r, Some((ri, &mut latest)));
        }
        for (g, &(ri, pos)) in latest.iter().enumerate() {
            let name = refs
                .get(ri)
                .and_then(|r| r.lines.get(pos))
                .and_then(|l| ix.strings.intern(&l.name));
            if let (Some(name), Some(slot)) = (name, ix.gtin_name.get_mut(g)) {
                slot.1 = name;
                if let Some(l) = refs.get(ri).and_then(|r| r.lines.get(pos)) {
                    if !l.names.is_empty() {
                        ix.translations.insert(name, l.names.clone());
                    }
                }
            }
        }
        ix
    }

    /// Adds a receipt; false if a receipt with this id is already indexed (or the index is
    /// full at 2^32 entries).
    pub fn insert(&mut self, r: &Receipt) -> bool {
        self.insert_impl(r, None)
    }

    /// `bulk`: receipts come in (time, id) order; (position of this receipt in that order,
    /// the latest line of each GTIN so far) to resolve names afterwards.
    fn insert_impl(
        &mut self,
        r: &Receipt,
        mut bulk: Option<(usize, &mut Vec<(usize, usize)>)>,
    ) -> bool {
        if self.receipt_ids.contains_key(r.id.as_str()) {
            return false;
        }
        let Ok(rn) = u32::try_from(self.receipts.len()) else {
            return false;
        };
        let Some(store) = self.strings.intern(&r.store_name) else {
            return false;
        };
        if !r.store_names.is_empty() {
            self.translations.insert(store, r.store_names.clone());
        }
        let at = r.purchased_at.timestamp();
        self.receipts.push(ReceiptRec {
            id: r.id.as_str().into(),
            at,
            store,
        });
        self.receipt_ids.insert(r.id.as_str().into(), rn);
        {
            let receipts = &self.receipts;
            let key = |x: u32| {
                let rr = &receipts[x as usize];
                (rr.at, &*rr.id)
            };
            let k = key(rn);
            if self.by_time.last().is_none_or(|&x| key(x) <= k) {
                self.by_time.push(rn);
            } else {
                let pos = self.by_time.partition_point(|&x| key(x) <= k);
                self.by_time.insert(pos, rn);
            }
        }
        for (pos, line) in r.lines.iter().enumerate() {
            if line.quantity <= 0 {
                continue;
            }
            let Ok(li) = u32::try_from(self.lines.len()) else {
                break;
            };
            let Some(gtin) = self.gtins.intern(&line.gtin) else {
                break;
            };
            while self.by_gtin.len() < self.gtins.len() {
                // Most products are bought more than a few times.
                self.by_gtin.push(Vec::with_capacity(8));
                self.gtin_cat.push(u32::MAX);
                self.gtin_name.push((i64::MIN, u32::MAX));
            }
            let named = &mut self.gtin_name[gtin as usize];
            if let Some((ri, latest)) = bulk.as_mut() {
                if latest.len() <= gtin as usize {
                    latest.resize(gtin as usize + 1, (usize::MAX, 0));
                }
                latest[gtin as usize] = (*ri, pos);
                named.0 = at;
            } else if at >= named.0 {
                let same = named.1 != u32::MAX && self.strings.str(named.1) == line.name;
                if !same {
                    let Some(name) = self.strings.intern(&line.name) else {
                        break;
                    };
                    named.1 = name;
                }
                if !line.names.is_empty() {
                    self.translations.insert(named.1, line.names.clone());
                }
                named.0 = at;
            }
            let (lot_at, lot_len) = match &line.lot {
                Some(l) => {
                    let (Ok(a), Ok(n)) = (u32::try_from(self.lots.len()), u32::try_from(l.len()))
                    else {
                        break;
                    };
                    self.lots.push_str(l);
                    (a, n)
                }
                None => (0, 0),
            };
            let cat = match self.raw_cats.get(line.category.as_str()) {
                Some(&c) => c,
                None => {
                    let Some(c) = self.cats.intern(&normalize_category(&line.category)) else {
                        break;
                    };
                    self.raw_cats.insert(line.category.as_str().into(), c);
                    c
                }
            };
            self.lines.push(LineRec {
                at,
                qty: i32::try_from(line.quantity).unwrap_or(i32::MAX),
                receipt: rn,
                line_no: u32::try_from(pos).unwrap_or(u32::MAX),
                gtin,
                lot_at,
                lot_len,
            });
            while self.by_cat.len() < self.cats.len() {
                self.by_cat.push(Vec::new());
                self.cat_gtins.push(Vec::new());
            }
            if bulk.is_some() {
                self.by_gtin[gtin as usize].push(li);
                self.by_cat[cat as usize].push(li);
            } else {
                Self::insert_sorted(
                    &mut self.by_gtin[gtin as usize],
                    li,
                    &self.lines,
                    &self.receipts,
                );
                Self::insert_sorted(
                    &mut self.by_cat[cat as usize],
                    li,
                    &self.lines,
                    &self.receipts,
                );
            }
            if self.gtin_cat[gtin as usize] != cat {
                self.gtin_cat[gtin as usize] = cat;
                if self
                    .cat_gtin_seen
                    .insert((u64::from(cat) << 32) | u64::from(gtin))
                {
                    self.cat_gtins[cat as usize].push(gtin);
                }
            }
        }
        true
    }

    fn insert_sorted(list: &mut Vec<u32>, li: u32, lines: &[LineRec], receipts: &[ReceiptRec]) {
        let le = |x: u32| line_order(lines, receipts, x, li).is_le();
        if list.last().is_none_or(|&x| le(x)) {
            list.push(li);
        } else {
            let pos = list.partition_point(|&x| le(x));
            list.insert(pos, li);
        }
    }

    pub fn receipt_count(&self) -> usize {
        self.receipts.len()
    }

    pub fn line_count(&self) -> usize {
        self.lines.len()
    }

    pub fn contains(&self, receipt_id: &str) -> bool {
        self.receipt_ids.contains_key(receipt_id)
    }

    // -- queries used by the engine ------------------------------------------------------------

    pub(crate) fn line(&self, li: u32) -> &LineRec {
        &self.lines[li as usize]
    }

    pub(crate) fn receipt(&self, rn: u32) -> &ReceiptRec {
        &self.receipts[rn as usize]
    }

    /// An interned product or store name with its translations, if the receipts gave any.
    pub(crate) fn named(&self, id: u32) -> Name<'_> {
        let s = self.strings.str(id);
        match self.translations.get(&id) {
            Some(t) => Name::Translated(s, t),
            None => Name::Plain(s),
        }
    }

    /// The item name of a line's product (as on its latest line), with its translations.
    pub(crate) fn name(&self, l: &LineRec) -> Name<'_> {
        match self.gtin_name.get(l.gtin as usize) {
            Some(&(_, n)) => self.named(n),
            None => Name::Plain(""),
        }
    }

    pub(crate) fn gtin_str(&self, g: u32) -> &str {
        self.gtins.str(g)
    }

    pub(crate) fn lot(&self, l: &LineRec) -> Option<&str> {
        let (a, n) = (l.lot_at as usize, l.lot_len as usize);
        (n > 0).then(|| self.lots.get(a..a + n).unwrap_or(""))
    }

    pub(crate) fn gtin_id(&self, gtin: &str) -> Option<u32> {
        self.gtins.get(gtin)
    }

    /// How many distinct GTINs are indexed (ids are 0..this).
    pub(crate) fn gtin_count(&self) -> u32 {
        u32::try_from(self.by_gtin.len()).unwrap_or(u32::MAX)
    }

    pub(crate) fn gtin_lines(&self, g: u32) -> &[u32] {
        self.by_gtin
            .get(g as usize)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    pub(crate) fn resolve(&self, sel: &Selector) -> Resolved {
        let mut gtins: Vec<u32> = sel.gtins.iter().filter_map(|g| self.gtins.get(g)).collect();
        crate::sort::sort(&mut gtins);
        gtins.dedup();
        let mut cats: Vec<u32> = sel
            .categories
            .iter()
            .filter_map(|c| self.cats.get(&normalized(c)))
            .collect();
        crate::sort::sort(&mut cats);
        cats.dedup();
        Resolved { gtins, cats }
    }

    /// The sorted line lists a resolved selector covers (they may overlap).
    pub(crate) fn lists<'s>(&'s self, r: &Resolved) -> Vec<&'s [u32]> {
        let mut v: Vec<&[u32]> = Vec::with_capacity(r.gtins.len() + r.cats.len());
        v.extend(r.gtins.iter().map(|&g| self.gtin_lines(g)));
        v.extend(r.cats.iter().map(|&c| {
            self.by_cat
                .get(c as usize)
                .map(Vec::as_slice)
                .unwrap_or(&[])
        }));
        v.retain(|l| !l.is_empty());
        v
    }

    /// Every GTIN a resolved selector covers (listed ones and those seen in its categories),
    /// sorted by GTIN text.
    pub(crate) fn subject_gtins(&self, r: &Resolved) -> Vec<u32> {
        let mut v = r.gtins.clone();
        for &c in &r.cats {
            if let Some(gs) = self.cat_gtins.get(c as usize) {
                v.extend_from_slice(gs);
            }
        }
        crate::sort::sort(&mut v);
        v.dedup();
        crate::sort::sort_by(&mut v, |&a, &b| self.gtins.str(a).cmp(self.gtins.str(b)));
        v
    }

    /// Order of two lines: time, then receipt id, then position on the receipt.
    fn cmp_lines(&self, a: u32, b: u32) -> std::cmp::Ordering {
        line_order(&self.lines, &self.receipts, a, b)
    }

    /// The part of a sorted list bought within `[from, to]`.
    pub(crate) fn range<'s>(&self, list: &'s [u32], from: i64, to: i64) -> &'s [u32] {
        let lo = list.partition_point(|&x| self.lines[x as usize].at < from);
        let hi = list.partition_point(|&x| self.lines[x as usize].at <= to);
        if lo < hi {
            &list[lo..hi]
        } else {
            &[]
        }
    }

    /// The latest line of any list bought within `[from, to]`.
    pub(crate) fn latest_in(&self, lists: &[&[u32]], from: i64, to: i64) -> Option<u32> {
        lists
            .iter()
            .filter_map(|l| self.range(l, from, to).last().copied())
            .max_by(|&a, &b| self.cmp_lines(a, b))
    }

    /// The earliest line of any list bought within `[from, to]`.
    pub(crate) fn earliest_in(&self, lists: &[&[u32]], from: i64, to: i64) -> Option<u32> {
        lists
            .iter()
            .filter_map(|l| self.range(l, from, to).first().copied())
            .min_by(|&a, &b| self.cmp_lines(a, b))
    }

    /// The last `max_events` purchase days (oldest first) across `lists`, up to `upto`, into
    /// `scratch.events`. Reads only the tails it needs: each list is walked back until it has
    /// shown more distinct days than asked for, which is enough for the union.
    pub(crate) fn tail_events(
        &self,
        lists: &[&[u32]],
        upto: i64,
        tz: Tz,
        max_events: usize,
        scratch: &mut Scratch,
    ) {
        let picked = &mut scratch.picked;
        picked.clear();
        for list in lists {
            let end = list.partition_point(|&x| self.lines[x as usize].at <= upto);
            let mut days_seen = 0usize;
            let mut last_day = None;
            for &li in list[..end].iter().rev() {
                let d = tz.day(self.lines[li as usize].at);
                if last_day != Some(d) {
                    days_seen += 1;
                    if days_seen > max_events {
                        break;
                    }
                    last_day = Some(d);
                }
                picked.push(li);
            }
        }
        if lists.len() > 1 {
            crate::sort::sort_by(picked, |&a, &b| self.cmp_lines(a, b));
            picked.dedup();
        } else {
            picked.reverse();
        }
        // One event per local day. Its quantity is that of the largest receipt of the day: a
        // second receipt the same day (a split payment, a receipt sent twice, a forgotten item
        // fetched after the first) is not a second purchase of the product.
        let events = &mut scratch.events;
        events.clear();
        let mut receipt_sum = 0i64;
        let mut receipt = u32::MAX;
        for &li in picked.iter() {
            let l = &self.lines[li as usize];
            let d = tz.day(l.at);
            match events.last_mut() {
                Some(e) if e.day == d => {
                    if l.receipt == receipt {
                        receipt_sum = receipt_sum.saturating_add(i64::from(l.qty));
                    } else {
                        receipt = l.receipt;
                        receipt_sum = i64::from(l.qty);
                    }
                    e.qty = e.qty.max(receipt_sum);
                    e.last_line = li;
                }
                _ => {
                    receipt = l.receipt;
                    receipt_sum = i64::from(l.qty);
                    events.push(Event {
                        day: d,
                        qty: receipt_sum,
                        last_line: li,
                    })
                }
            }
        }
        if events.len() > max_events {
            events.drain(..events.len() - max_events);
        }
    }

    /// The local days with at least one receipt, up to `upto`, oldest first: the shopper's own
    /// shopping rhythm.
    pub(crate) fn shop_days(&self, upto: i64, tz: Tz) -> Vec<i64> {
        let mut days: Vec<i64> = Vec::new();
        for &rn in self.receipts_upto(upto) {
            let d = tz.day(self.receipts[rn as usize].at);
            if days.last() != Some(&d) {
                days.push(d);
            }
        }
        days.dedup();
        days
    }

    /// Receipt numbers bought at or before `upto`, oldest first.
    pub(crate) fn receipts_upto(&self, upto: i64) -> &[u32] {
        let end = self
            .by_time
            .partition_point(|&x| self.receipts[x as usize].at <= upto);
        &self.by_time[..end]
    }

    /// How many receipts fall within `[from, to]`.
    pub(crate) fn receipts_between(&self, from: i64, to: i64) -> usize {
        let lo = self
            .by_time
            .partition_point(|&x| self.receipts[x as usize].at < from);
        let hi = self
            .by_time
            .partition_point(|&x| self.receipts[x as usize].at <= to);
        hi.saturating_sub(lo)
    }
}
