//! One sort for the whole library, to keep the mobile library small.
//!
//! `slice::sort_by` is generic over the element type and the comparison closure, so every call
//! site compiles its own copy of the standard library's stable sort (driftsort with its small-sort
//! networks: 4–6 KB of machine code each at opt-level z); 47 such copies were ~210 KB of the
//! stripped library (`bindings/size.sh`, issue #14). The functions here sort a permutation of
//! indices with the one instantiation of the standard stable sort in [`permutation`] — the
//! comparison reached through `dyn` — and then move the elements into place. The order is exactly
//! that of `slice::sort_by` (stable: equal elements keep their order); the cost is an indirect
//! call per comparison and one `Vec<usize>` of the slice's length, immaterial for the lists a
//! shopper's phone sorts.
//!
//! Use these instead of `sort`, `sort_by`, `sort_by_key` and their unstable variants in
//! `loyalty-domain` and `loyalty-core` (tests may use the standard ones).

use std::cmp::Ordering;

/// Sorts `v` by `cmp`, stable (the order of `slice::sort_by`).
pub fn sort_by<T>(v: &mut [T], mut cmp: impl FnMut(&T, &T) -> Ordering) {
    if v.len() < 2 {
        return;
    }
    let order = {
        let view: &[T] = v;
        permutation(view.len(), &mut |a, b| cmp(&view[a], &view[b]))
    };
    apply(v, order);
}

/// Sorts `v` by the key `key` gives, stable (the order of `slice::sort_by_key`).
pub fn sort_by_key<T, K: Ord>(v: &mut [T], mut key: impl FnMut(&T) -> K) {
    sort_by(v, |a, b| key(a).cmp(&key(b)));
}

/// Sorts `v` in ascending order, stable (the order of `slice::sort`).
pub fn sort<T: Ord>(v: &mut [T]) {
    sort_by(v, T::cmp);
}

/// The indices `0..n` in the order `cmp` gives them, stable. The only instantiation of the
/// standard library's sort that these helpers compile.
fn permutation(n: usize, cmp: &mut dyn FnMut(usize, usize) -> Ordering) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| cmp(a, b));
    order
}

/// Rearranges `v` so that position `i` holds the element that was at `order[i]`, in place, by
/// following each cycle of the permutation (at most `n - 1` swaps).
fn apply<T>(v: &mut [T], mut order: Vec<usize>) {
    const PLACED: usize = usize::MAX;
    for start in 0..v.len() {
        if order[start] == PLACED {
            continue;
        }
        // Walk the cycle through `start`: the hole receives the element it is owed, which leaves
        // the element that was at `start` where the next hole is, until the cycle closes.
        let mut hole = start;
        loop {
            let source = order[hole];
            order[hole] = PLACED;
            if source == start {
                break;
            }
            v.swap(hole, source);
            hole = source;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator (no dependency) for the comparisons with the standard sort.
    fn numbers(seed: u64, n: usize, range: u64) -> Vec<u64> {
        let mut x = seed | 1;
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x % range
            })
            .collect()
    }

    #[test]
    fn the_order_is_that_of_the_standard_stable_sort() {
        for n in [0, 1, 2, 3, 7, 20, 21, 100, 1000] {
            for range in [2, 10, 1_000_000] {
                // (key, original position): equal keys must keep their original order
                let items: Vec<(u64, usize)> = numbers(n as u64 * 31 + range, n, range)
                    .into_iter()
                    .enumerate()
                    .map(|(i, k)| (k, i))
                    .collect();
                let mut ours = items.clone();
                sort_by_key(&mut ours, |&(k, _)| k);
                let mut std_sorted = items.clone();
                std_sorted.sort_by_key(|&(k, _)| k);
                assert_eq!(ours, std_sorted, "n {n}, range {range}");

                let mut ours = items.clone();
                sort_by(&mut ours, |a, b| b.0.cmp(&a.0));
                let mut std_sorted = items;
                std_sorted.sort_by_key(|&(k, _)| std::cmp::Reverse(k));
                assert_eq!(ours, std_sorted, "descending, n {n}, range {range}");
            }
        }
    }

    #[test]
    fn owned_values_are_moved_not_copied() {
        let mut words: Vec<String> = ["pear", "apple", "fig", "apple", "banana"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        sort(&mut words);
        assert_eq!(words, ["apple", "apple", "banana", "fig", "pear"]);
    }

    #[test]
    fn every_permutation_of_five_is_put_in_order() {
        // all 120 orders of 0..5: every cycle structure the permutation step can meet
        let mut perm = [0usize, 1, 2, 3, 4];
        let mut count = 0;
        loop {
            let mut v = perm.to_vec();
            sort(&mut v);
            assert_eq!(v, [0, 1, 2, 3, 4], "from {perm:?}");
            count += 1;
            // next permutation in lexicographic order
            let Some(i) = (0..4).rev().find(|&i| perm[i] < perm[i + 1]) else {
                break;
            };
            let j = (i + 1..5).rev().find(|&j| perm[j] > perm[i]).unwrap();
            perm.swap(i, j);
            perm[i + 1..].reverse();
        }
        assert_eq!(count, 120);
    }
}
