//! A small seeded generator (SplitMix64): the whole data set follows from
//! one seed, and each conversation draws from its own stream, so its plan
//! does not depend on the order in which the simulation interleaves it.

/// SplitMix64 (Steele, Lea and Flood): 64 bits of state, good equidistribution,
/// and every seed is valid.
#[derive(Debug, Clone)]
pub struct Rng(u64);

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Rng {
    /// The stream `stream` of the data set `seed`.
    pub fn derive(seed: u64, stream: u64) -> Rng {
        Rng(mix(seed) ^ mix(stream.wrapping_add(0x9E37_79B9_7F4A_7C15)))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }

    /// Uniform in [0, 1).
    pub fn f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [0, n); `n` > 0.
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in [lo, hi].
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.f64() < p
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// An item of `items` skewed towards the front: the first of 300 is
    /// drawn about 2% of the time, the first ten about 10%.
    pub fn skewed<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        let u = self.f64().powf(1.5);
        &items[(u * items.len() as f64) as usize]
    }

    /// An exponentially distributed delay, capped at `cap_ms`.
    pub fn exp_ms(&mut self, mean_ms: f64, cap_ms: i64) -> i64 {
        let u = 1.0 - self.f64(); // (0, 1]
        ((-u.ln() * mean_ms) as i64).clamp(1, cap_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_seed_and_stream_give_one_sequence() {
        let seq = |seed, stream| {
            let mut r = Rng::derive(seed, stream);
            (0..5).map(|_| r.next_u64()).collect::<Vec<_>>()
        };
        assert_eq!(seq(7, 3), seq(7, 3));
        assert_ne!(seq(7, 3), seq(7, 4));
        assert_ne!(seq(7, 3), seq(8, 3));
    }

    #[test]
    fn bounded_draws_stay_in_bounds() {
        let mut r = Rng::derive(1, 1);
        for _ in 0..10_000 {
            assert!(r.below(7) < 7);
            let x = r.range(3, 14);
            assert!((3..=14).contains(&x));
            let f = r.f64();
            assert!((0.0..1.0).contains(&f));
        }
    }
}
