//! The model's source of randomness: ChaCha8 seeded from an explicit `u64`, and the few
//! distributions the model draws from, written out here so that no library's sampling
//! algorithm can change the stream under us.
//!
//! Portability: ChaCha8 and `seed_from_u64` are specified bit for bit; uniforms are built
//! from raw `u64`s; the only transcendental functions are `libm`'s, which are pure Rust and
//! give the same bits on every platform (the system libm may differ in the last place).

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{RngCore, SeedableRng};

/// 2^-53: the spacing of the uniforms built from the top 53 bits of a `u64`.
const UNIT: f64 = 1.0 / (1u64 << 53) as f64;

/// A seeded, deterministic random stream with the model's distributions.
#[derive(Debug, Clone)]
pub(crate) struct ModelRng {
    inner: ChaCha8Rng,
    /// The second normal of the last polar-method pair, handed out next.
    spare_normal: Option<f64>,
}

impl ModelRng {
    /// Stream `stream` of the generator seeded with `seed`; streams of one seed are independent.
    pub(crate) fn new(seed: u64, stream: u64) -> Self {
        let mut inner = ChaCha8Rng::seed_from_u64(seed);
        inner.set_stream(stream);
        Self {
            inner,
            spare_normal: None,
        }
    }

    /// Uniform on `(0, 1]`: never zero, so its logarithm is always finite.
    pub(crate) fn unit_open0(&mut self) -> f64 {
        ((self.inner.next_u64() >> 11) + 1) as f64 * UNIT
    }

    /// Uniform on `[0, 1)`.
    pub(crate) fn unit(&mut self) -> f64 {
        (self.inner.next_u64() >> 11) as f64 * UNIT
    }

    /// Standard normal by Marsaglia's polar method (no trigonometry, two normals per accept).
    pub(crate) fn standard_normal(&mut self) -> f64 {
        if let Some(spare) = self.spare_normal.take() {
            return spare;
        }
        loop {
            let u = 2.0 * self.unit() - 1.0;
            let v = 2.0 * self.unit() - 1.0;
            let s = u * u + v * v;
            if s > 0.0 && s < 1.0 {
                let scale = libm::sqrt(-2.0 * libm::log(s) / s);
                self.spare_normal = Some(v * scale);
                return u * scale;
            }
        }
    }

    /// Gamma(`shape`, 1) for `shape >= 1` by Marsaglia and Tsang's squeeze method.
    pub(crate) fn gamma(&mut self, shape: f64) -> f64 {
        let d = shape - 1.0 / 3.0;
        let c = 1.0 / libm::sqrt(9.0 * d);
        loop {
            let x = self.standard_normal();
            let t = 1.0 + c * x;
            if t <= 0.0 {
                continue;
            }
            let v = t * t * t;
            let u = self.unit_open0();
            let x2 = x * x;
            if u < 1.0 - 0.0331 * x2 * x2 || libm::log(u) < 0.5 * x2 + d * (1.0 - v + libm::log(v))
            {
                return d * v;
            }
        }
    }

    /// Student-t with `dof > 2` degrees of freedom, scaled to unit variance:
    /// `Z * sqrt((dof - 2) / chi2(dof))`, with `chi2(dof) = 2 * Gamma(dof / 2)`.
    pub(crate) fn unit_student_t(&mut self, dof: f64) -> f64 {
        let z = self.standard_normal();
        let chi2 = 2.0 * self.gamma(0.5 * dof);
        z * libm::sqrt((dof - 2.0) / chi2)
    }
}

/// `E|T|` of the unit-variance Student-t with `dof > 2`:
/// `2 sqrt(dof - 2) Γ((dof + 1) / 2) / (sqrt(π) (dof - 1) Γ(dof / 2))`.
pub(crate) fn unit_student_t_mean_abs(dof: f64) -> f64 {
    let log_ratio = libm::lgamma(0.5 * (dof + 1.0)) - libm::lgamma(0.5 * dof);
    2.0 * libm::sqrt(dof - 2.0) * libm::exp(log_ratio)
        / (libm::sqrt(std::f64::consts::PI) * (dof - 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn moments(mut draw: impl FnMut() -> f64, n: usize) -> (f64, f64, f64) {
        let (mut s1, mut s2, mut s4) = (0.0, 0.0, 0.0);
        for _ in 0..n {
            let x = draw();
            s1 += x;
            s2 += x * x;
            s4 += x * x * x * x;
        }
        let n = n as f64;
        let mean = s1 / n;
        let var = s2 / n - mean * mean;
        (mean, var, s4 / n / (var * var))
    }

    #[test]
    fn same_seed_and_stream_repeat_and_streams_differ() {
        let draw = |seed, stream| {
            let mut rng = ModelRng::new(seed, stream);
            (0..8).map(|_| rng.unit()).collect::<Vec<_>>()
        };
        assert_eq!(draw(1, 0), draw(1, 0));
        assert_ne!(draw(1, 0), draw(1, 1));
        assert_ne!(draw(1, 0), draw(2, 0));
    }

    #[test]
    fn uniforms_stay_in_their_intervals() {
        let mut rng = ModelRng::new(3, 0);
        for _ in 0..100_000 {
            let u = rng.unit_open0();
            assert!(u > 0.0 && u <= 1.0);
            let v = rng.unit();
            assert!((0.0..1.0).contains(&v));
        }
    }

    #[test]
    fn normal_has_zero_mean_unit_variance_and_kurtosis_three() {
        let mut rng = ModelRng::new(11, 0);
        let (mean, var, kurt) = moments(|| rng.standard_normal(), 200_000);
        assert!(mean.abs() < 0.01, "mean {mean}");
        assert!((var - 1.0).abs() < 0.02, "variance {var}");
        assert!((kurt - 3.0).abs() < 0.1, "kurtosis {kurt}");
    }

    #[test]
    fn gamma_has_mean_and_variance_equal_to_its_shape() {
        let mut rng = ModelRng::new(5, 0);
        let (mean, var, _) = moments(|| rng.gamma(3.0), 200_000);
        assert!((mean - 3.0).abs() < 0.03, "mean {mean}");
        assert!((var - 3.0).abs() < 0.1, "variance {var}");
    }

    #[test]
    fn student_t_is_unit_variance_and_fat_tailed() {
        // dof = 8 has a finite kurtosis, 3 + 6 / (dof - 4) = 4.5, so the estimate settles.
        let mut rng = ModelRng::new(9, 0);
        let (mean, var, kurt) = moments(|| rng.unit_student_t(8.0), 400_000);
        assert!(mean.abs() < 0.01, "mean {mean}");
        assert!((var - 1.0).abs() < 0.03, "variance {var}");
        assert!(kurt > 3.8 && kurt < 5.5, "kurtosis {kurt}");
    }

    #[test]
    fn mean_abs_of_unit_t_matches_the_closed_form() {
        // dof = 4: 2 * sqrt(2) * Γ(2.5) / (sqrt(π) * 3 * Γ(2)) = 1 / sqrt(2).
        assert!((unit_student_t_mean_abs(4.0) - std::f64::consts::FRAC_1_SQRT_2).abs() < 1e-12);
        // Large dof tends to the normal's sqrt(2 / π).
        let normal = (2.0 / std::f64::consts::PI).sqrt();
        assert!((unit_student_t_mean_abs(1e6) - normal).abs() < 1e-5);
        let mut rng = ModelRng::new(2, 0);
        let n = 400_000;
        let mean_abs = (0..n).map(|_| rng.unit_student_t(6.0).abs()).sum::<f64>() / n as f64;
        assert!((mean_abs - unit_student_t_mean_abs(6.0)).abs() < 0.01);
    }
}
