//! The generator's randomness: one ChaCha8 stream per part of the data, seeded from `--seed`, so the
//! same seed and `--until` give the same documents byte for byte (ids included).

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Meteor's `Random.id()` alphabet (no 0, 1, I, O, l, …).
const ID_CHARS: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTWXYZabcdefghijkmnopqrstuvwxyz";
/// Meteor's `Random.secret()` alphabet (login tokens).
const SECRET_CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Independent parts of the data, each with its own stream: changing `--messages` does not change
/// the departments, and so on.
#[derive(Clone, Copy)]
pub(crate) enum Part {
    Secrets = 1,
    People = 2,
    Rooms = 3,
    Omnichannel = 4,
    Messages = 5,
    Sessions = 6,
    Quiet = 7,
}

pub(crate) struct Gen(ChaCha8Rng);

impl Gen {
    pub(crate) fn new(seed: u64, part: Part) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(part as u64);
        Self(rng)
    }

    /// A 17-character Meteor-style id.
    pub(crate) fn id(&mut self) -> String {
        self.chars(ID_CHARS, 17)
    }

    /// A 43-character Meteor-style secret (login or personal access token).
    pub(crate) fn secret(&mut self) -> String {
        self.chars(SECRET_CHARS, 43)
    }

    fn chars(&mut self, alphabet: &[u8], n: usize) -> String {
        (0..n)
            .map(|_| alphabet[self.0.gen_range(0..alphabet.len())] as char)
            .collect()
    }

    /// Uniform in `lo..hi` (`lo` when the range is empty).
    pub(crate) fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            lo
        } else {
            self.0.gen_range(lo..hi)
        }
    }

    pub(crate) fn index(&mut self, len: usize) -> usize {
        self.range(0, len as i64) as usize
    }

    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.0.gen_bool(p.clamp(0.0, 1.0))
    }

    pub(crate) fn unit(&mut self) -> f64 {
        self.0.gen::<f64>()
    }

    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.index(items.len())]
    }

    pub(crate) fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.index(i + 1);
            items.swap(i, j);
        }
    }
}

/// Weighted choice by cumulative weights (binary search).
pub(crate) struct Weighted {
    cumulative: Vec<f64>,
}

impl Weighted {
    pub(crate) fn new(weights: impl IntoIterator<Item = f64>) -> Self {
        let mut total = 0.0;
        let cumulative = weights
            .into_iter()
            .map(|w| {
                total += w.max(0.0);
                total
            })
            .collect();
        Self { cumulative }
    }

    pub(crate) fn sample(&self, gen: &mut Gen) -> usize {
        let total = *self.cumulative.last().expect("non-empty weights");
        let x = gen.unit() * total;
        self.cumulative
            .partition_point(|c| *c <= x)
            .min(self.cumulative.len() - 1)
    }
}

/// Splits `total` into parts proportional to `weights` that add up to exactly `total` (largest
/// remainders get the leftover units; ties go to the earlier part).
pub(crate) fn apportion(total: u64, weights: &[f64]) -> Vec<u64> {
    let sum: f64 = weights.iter().sum();
    if weights.is_empty() || sum <= 0.0 {
        return vec![0; weights.len()];
    }
    let exact: Vec<f64> = weights.iter().map(|w| total as f64 * w / sum).collect();
    let mut parts: Vec<u64> = exact.iter().map(|e| e.floor() as u64).collect();
    let mut left = total - parts.iter().sum::<u64>();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| {
        let (fa, fb) = (exact[a] - exact[a].floor(), exact[b] - exact[b].floor());
        fb.partial_cmp(&fa).unwrap_or(std::cmp::Ordering::Equal).then(a.cmp(&b))
    });
    for i in order.into_iter().cycle() {
        if left == 0 {
            break;
        }
        parts[i] += 1;
        left -= 1;
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_meteor_shaped_and_reproducible() {
        let (mut a, mut b) = (Gen::new(7, Part::People), Gen::new(7, Part::People));
        let id = a.id();
        assert_eq!(id.len(), 17);
        assert!(id.bytes().all(|c| ID_CHARS.contains(&c)));
        assert_eq!(id, b.id());
        assert_ne!(Gen::new(8, Part::People).id(), id);
        assert_ne!(Gen::new(7, Part::Rooms).id(), id);
        assert_eq!(a.secret().len(), 43);
    }

    #[test]
    fn apportion_adds_up() {
        assert_eq!(apportion(10, &[1.0, 1.0, 1.0]), vec![4, 3, 3]);
        assert_eq!(apportion(0, &[1.0, 2.0]), vec![0, 0]);
        assert_eq!(apportion(7, &[0.0, 1.0]), vec![0, 7]);
        assert_eq!(
            apportion(1_000_003, &[0.3, 1.7, 2.2, 0.9]).iter().sum::<u64>(),
            1_000_003
        );
    }

    #[test]
    fn weighted_never_picks_a_zero_weight() {
        let w = Weighted::new([0.0, 1.0, 0.0, 3.0]);
        let mut g = Gen::new(1, Part::Messages);
        let mut seen = [0; 4];
        for _ in 0..2000 {
            seen[w.sample(&mut g)] += 1;
        }
        assert_eq!((seen[0], seen[2]), (0, 0));
        assert!(seen[3] > seen[1]);
    }
}
