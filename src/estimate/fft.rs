//! The discrete Fourier transform of real sequences, for the lattice
//! convolutions of `dist.rs` and `latency.rs`.
//!
//! A real sequence of length n (a power of two) is transformed as a complex
//! sequence of length n/2 (even points as real parts, odd points as
//! imaginary parts) and then split into the half spectrum X_0 ... X_{n/2}
//! (the rest is its mirror image, X_{n−k} = conj(X_k)): half the work of a
//! complex transform of length n, and half the storage. The complex
//! transform is an iterative radix-2 Cooley–Tukey with its bit reversal and
//! per-stage twiddle factors precomputed, on separate arrays of real and
//! imaginary parts so that the butterflies of a stage run over contiguous
//! memory (and vectorize).

use std::f64::consts::PI;

use crate::float::Portable;

/// A half spectrum X_0 ... X_{n/2} of a real sequence of length n.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Spectrum {
    pub re: Vec<f64>,
    pub im: Vec<f64>,
}

impl Spectrum {
    /// The spectrum of "all mass at 0": every coefficient 1.
    pub fn ones(&mut self, len: usize) {
        self.re.clear();
        self.re.resize(len, 1.0);
        self.im.clear();
        self.im.resize(len, 0.0);
    }

    /// Multiplies by another spectrum of the same length, coefficient by
    /// coefficient (a convolution of the sequences).
    pub fn multiply(&mut self, other: &Spectrum) {
        let count = self.re.len().min(other.re.len());
        let (re, im) = (&mut self.re[..count], &mut self.im[..count]);
        let (other_re, other_im) = (&other.re[..count], &other.im[..count]);
        for (((a_re, a_im), b_re), b_im) in re.iter_mut().zip(im.iter_mut()).zip(other_re).zip(other_im) {
            let (x, y) = (*a_re, *a_im);
            *a_re = x * b_re - y * b_im;
            *a_im = x * b_im + y * b_re;
        }
    }
}

/// The transforms of real sequences of one length n (a power of two, at
/// least 2).
pub struct RealFft {
    n: usize,
    /// The complex transform's length, n/2.
    m: usize,
    /// Bit reversal of 0..m.
    reversed: Vec<u32>,
    /// The passes after the first two stages, each of two stages at once
    /// (radix 4) but a last single one (radix 2) when their count is odd.
    passes: Vec<Pass>,
    /// e^(−2πik/n) for k < m, to split and join the half spectrum.
    split_re: Vec<f64>,
    split_im: Vec<f64>,
    /// Working arrays of length m.
    work_re: Vec<f64>,
    work_im: Vec<f64>,
}

impl RealFft {
    pub fn new(n: usize) -> RealFft {
        let n = n.max(2).next_power_of_two();
        let m = n / 2;
        let bits = m.trailing_zeros();
        let reversed = (0..m)
            .map(|i| {
                if bits == 0 {
                    0
                } else {
                    (i as u32).reverse_bits() >> (32 - bits)
                }
            })
            .collect();
        let mut passes = Vec::new();
        let mut half = 4;
        while half < m {
            let radix4 = 4 * half <= m;
            // w = e^(−iπk/(2 half)) for a pass of two stages (half and 2 half),
            // e^(−iπk/half) for a single stage.
            let step = if radix4 { 2 * half } else { half };
            let mut twiddles = [(); 3].map(|_| (Vec::with_capacity(half), Vec::with_capacity(half)));
            for k in 0..half {
                for (power, (re, im)) in twiddles.iter_mut().enumerate() {
                    let angle = -PI * ((power + 1) * k) as f64 / step as f64;
                    let (sin, cos) = angle.portable_sin_cos();
                    re.push(cos);
                    im.push(sin);
                }
            }
            passes.push(Pass { half, radix4, twiddles });
            half *= if radix4 { 4 } else { 2 };
        }
        let (split_re, split_im) = (0..m)
            .map(|k| {
                let (sin, cos) = (-2.0 * PI * k as f64 / n as f64).portable_sin_cos();
                (cos, sin)
            })
            .unzip();
        RealFft {
            n,
            m,
            reversed,
            passes,
            split_re,
            split_im,
            work_re: vec![0.0; m],
            work_im: vec![0.0; m],
        }
    }

    /// ω^i = e^(−2πi·i/n), for any i (taken mod n, a power of two).
    pub fn root(&self, i: usize) -> (f64, f64) {
        let i = i & (self.n - 1);
        match i.checked_sub(self.m) {
            None => (self.split_re[i], self.split_im[i]),
            // ω^(m + i) = −ω^i.
            Some(i) => (-self.split_re[i], -self.split_im[i]),
        }
    }

    /// The sequence length n.
    pub fn len(&self) -> usize {
        self.n
    }

    /// Whether n is 0 (never: at least 2).
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// The half spectrum (n/2 + 1 coefficients) of `input` (its first n
    /// values; missing ones are 0).
    pub fn forward(&mut self, input: &[f64], out: &mut Spectrum) {
        let m = self.m;
        for k in 0..m {
            self.work_re[k] = input.get(2 * k).copied().unwrap_or(0.0);
            self.work_im[k] = input.get(2 * k + 1).copied().unwrap_or(0.0);
        }
        self.complex();
        out.re.clear();
        out.im.clear();
        out.re.resize(m + 1, 0.0);
        out.im.resize(m + 1, 0.0);
        // Z = E + iO with E, O the transforms of the even and odd points:
        // E_k = (Z_k + conj Z_{m−k})/2, O_k = (Z_k − conj Z_{m−k})/(2i), and
        // X_k = E_k + w^k O_k, w = e^(−2πi/n); Z_m is Z_0.
        let (z_re, z_im) = (&self.work_re[..m], &self.work_im[..m]);
        let (x_re, x_im) = (&mut out.re[..=m], &mut out.im[..=m]);
        x_re[0] = z_re[0] + z_im[0];
        x_im[0] = 0.0;
        x_re[m] = z_re[0] - z_im[0];
        x_im[m] = 0.0;
        for k in 1..m {
            let (a_re, a_im) = (z_re[k], z_im[k]);
            let (c_re, c_im) = (z_re[m - k], -z_im[m - k]);
            let (e_re, e_im) = (0.5 * (a_re + c_re), 0.5 * (a_im + c_im));
            // (a + ib)/(2i) = (b − ia)/2
            let (o_re, o_im) = (0.5 * (a_im - c_im), -0.5 * (a_re - c_re));
            let (w_re, w_im) = (self.split_re[k], self.split_im[k]);
            x_re[k] = e_re + w_re * o_re - w_im * o_im;
            x_im[k] = e_im + w_re * o_im + w_im * o_re;
        }
    }

    /// The real sequence (length n) whose half spectrum is `spectrum`,
    /// normalized (the inverse of [`RealFft::forward`]).
    pub fn inverse(&mut self, spectrum: &Spectrum, out: &mut Vec<f64>) {
        let m = self.m;
        if spectrum.re.len() <= m || spectrum.im.len() <= m {
            out.clear();
            out.resize(self.n, 0.0);
            return;
        }
        let (x_re, x_im) = (&spectrum.re[..=m], &spectrum.im[..=m]);
        // E_k = (X_k + conj X_{m−k})/2, O_k = (X_k − conj X_{m−k}) w^(−k)/2,
        // Z_k = E_k + iO_k.
        let (z_re, z_im) = (&mut self.work_re[..m], &mut self.work_im[..m]);
        for k in 0..m {
            let (a_re, a_im) = (x_re[k], x_im[k]);
            let (c_re, c_im) = (x_re[m - k], -x_im[m - k]);
            let (e_re, e_im) = (0.5 * (a_re + c_re), 0.5 * (a_im + c_im));
            let (d_re, d_im) = (0.5 * (a_re - c_re), 0.5 * (a_im - c_im));
            // times conj(w^k)
            let (w_re, w_im) = (self.split_re[k], -self.split_im[k]);
            let (o_re, o_im) = (d_re * w_re - d_im * w_im, d_re * w_im + d_im * w_re);
            // Conjugated, for the forward transform to invert.
            z_re[k] = e_re - o_im;
            z_im[k] = -(e_im + o_re);
        }
        self.complex();
        let scale = 1.0 / m as f64;
        out.clear();
        out.reserve(self.n);
        for (re, im) in self.work_re.iter().zip(&self.work_im) {
            out.push(re * scale);
            out.push(-im * scale);
        }
    }

    /// The forward complex transform of the working arrays, in place. (The
    /// inverse runs it on conjugates: F⁻¹(Z) = conj(F(conj Z))/m.)
    fn complex(&mut self) {
        let m = self.m;
        let (re, im) = (&mut self.work_re[..m], &mut self.work_im[..m]);
        for (i, &j) in self.reversed.iter().enumerate() {
            let j = j as usize;
            if i < j {
                re.swap(i, j);
                im.swap(i, j);
            }
        }
        if m >= 2 {
            // Half-width 1: twiddle 1.
            for (r, i) in re.chunks_exact_mut(2).zip(im.chunks_exact_mut(2)) {
                let (a_re, a_im, b_re, b_im) = (r[0], i[0], r[1], i[1]);
                r[0] = a_re + b_re;
                i[0] = a_im + b_im;
                r[1] = a_re - b_re;
                i[1] = a_im - b_im;
            }
        }
        if m >= 4 {
            // Half-width 2: twiddles 1 and −i.
            for (r, i) in re.chunks_exact_mut(4).zip(im.chunks_exact_mut(4)) {
                let (a_re, a_im, b_re, b_im) = (r[0], i[0], r[2], i[2]);
                r[0] = a_re + b_re;
                i[0] = a_im + b_im;
                r[2] = a_re - b_re;
                i[2] = a_im - b_im;
                // b × (−i) = (b_im, −b_re).
                let (b_re, b_im) = (i[3], -r[3]);
                let (a_re, a_im) = (r[1], i[1]);
                r[1] = a_re + b_re;
                i[1] = a_im + b_im;
                r[3] = a_re - b_re;
                i[3] = a_im - b_im;
            }
        }
        for pass in &self.passes {
            if pass.radix4 {
                pass.radix4(re, im);
            } else {
                pass.radix2(re, im);
            }
        }
    }
}

/// One pass of the complex transform over blocks of 4 half (two stages) or
/// 2 half (one stage).
struct Pass {
    half: usize,
    radix4: bool,
    /// w, w², w³ (real and imaginary parts) for k < half: w = e^(−iπk/(2
    /// half)) for two stages, e^(−iπk/half) for one (only w used).
    twiddles: [(Vec<f64>, Vec<f64>); 3],
}

impl Pass {
    /// Stages of half-width h and 2h at once. With a0..a3 the points k, k +
    /// h, k + 2h, k + 3h of a block (bit-reversed order) and w = e^(−iπk/2h):
    /// b = a1 w², c = a2 w, d = a3 w³; the block becomes a0 + b + (c + d),
    /// a0 − b − i(c − d), a0 + b − (c + d), a0 − b + i(c − d).
    fn radix4(&self, re: &mut [f64], im: &mut [f64]) {
        let h = self.half;
        let [(w1_re, w1_im), (w2_re, w2_im), (w3_re, w3_im)] = &self.twiddles;
        // Every slice exactly h long, so the loop runs without bounds checks.
        let (w1_re, w1_im, w2_re, w2_im, w3_re, w3_im) = (
            &w1_re[..h],
            &w1_im[..h],
            &w2_re[..h],
            &w2_im[..h],
            &w3_re[..h],
            &w3_im[..h],
        );
        for (r, i) in re.chunks_exact_mut(4 * h).zip(im.chunks_exact_mut(4 * h)) {
            let (r01, r23) = r.split_at_mut(2 * h);
            let (r0, r1) = r01.split_at_mut(h);
            let (r2, r3) = r23.split_at_mut(h);
            let (i01, i23) = i.split_at_mut(2 * h);
            let (i0, i1) = i01.split_at_mut(h);
            let (i2, i3) = i23.split_at_mut(h);
            let (r0, r1, r2, r3) = (&mut r0[..h], &mut r1[..h], &mut r2[..h], &mut r3[..h]);
            let (i0, i1, i2, i3) = (&mut i0[..h], &mut i1[..h], &mut i2[..h], &mut i3[..h]);
            for k in 0..h {
                let (a0_re, a0_im) = (r0[k], i0[k]);
                let (x_re, x_im) = (r1[k], i1[k]);
                let (b_re, b_im) = (x_re * w2_re[k] - x_im * w2_im[k], x_re * w2_im[k] + x_im * w2_re[k]);
                let (x_re, x_im) = (r2[k], i2[k]);
                let (c_re, c_im) = (x_re * w1_re[k] - x_im * w1_im[k], x_re * w1_im[k] + x_im * w1_re[k]);
                let (x_re, x_im) = (r3[k], i3[k]);
                let (d_re, d_im) = (x_re * w3_re[k] - x_im * w3_im[k], x_re * w3_im[k] + x_im * w3_re[k]);
                let (s_re, s_im) = (a0_re + b_re, a0_im + b_im);
                let (t_re, t_im) = (a0_re - b_re, a0_im - b_im);
                let (u_re, u_im) = (c_re + d_re, c_im + d_im);
                let (v_re, v_im) = (c_re - d_re, c_im - d_im);
                r0[k] = s_re + u_re;
                i0[k] = s_im + u_im;
                r2[k] = s_re - u_re;
                i2[k] = s_im - u_im;
                // −i(c − d) = (v_im, −v_re)
                r1[k] = t_re + v_im;
                i1[k] = t_im - v_re;
                r3[k] = t_re - v_im;
                i3[k] = t_im + v_re;
            }
        }
    }

    /// One stage of half-width h: a0 ± a1 w, w = e^(−iπk/h).
    fn radix2(&self, re: &mut [f64], im: &mut [f64]) {
        let h = self.half;
        let (w_re, w_im) = &self.twiddles[0];
        let (w_re, w_im) = (&w_re[..h], &w_im[..h]);
        for (r, i) in re.chunks_exact_mut(2 * h).zip(im.chunks_exact_mut(2 * h)) {
            let (lo_re, hi_re) = r.split_at_mut(h);
            let (lo_im, hi_im) = i.split_at_mut(h);
            let (lo_re, hi_re, lo_im, hi_im) = (&mut lo_re[..h], &mut hi_re[..h], &mut lo_im[..h], &mut hi_im[..h]);
            for k in 0..h {
                let (x_re, x_im) = (hi_re[k], hi_im[k]);
                let v_re = x_re * w_re[k] - x_im * w_im[k];
                let v_im = x_re * w_im[k] + x_im * w_re[k];
                let (u_re, u_im) = (lo_re[k], lo_im[k]);
                lo_re[k] = u_re + v_re;
                lo_im[k] = u_im + v_im;
                hi_re[k] = u_re - v_re;
                hi_im[k] = u_im - v_im;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::float::Portable;

    /// The half spectrum by the definition, O(n²).
    fn naive(input: &[f64]) -> Spectrum {
        let n = input.len();
        let mut out = Spectrum::default();
        for k in 0..=n / 2 {
            let (mut re, mut im) = (0.0, 0.0);
            for (j, x) in input.iter().enumerate() {
                let angle = -2.0 * PI * (k * j % n) as f64 / n as f64;
                re += x * angle.portable_cos();
                im += x * angle.portable_sin();
            }
            out.re.push(re);
            out.im.push(im);
        }
        out
    }

    #[test]
    fn forward_matches_the_definition_and_inverse_undoes_it() {
        for n in [2, 4, 8, 16, 64, 1024] {
            let input: Vec<f64> = (0..n).map(|j| ((j * 7919 % 113) as f64 / 113.0) - 0.3).collect();
            let mut fft = RealFft::new(n);
            let mut spectrum = Spectrum::default();
            fft.forward(&input, &mut spectrum);
            let reference = naive(&input);
            for k in 0..=n / 2 {
                assert!((spectrum.re[k] - reference.re[k]).abs() < 1e-10, "n={n} k={k}");
                assert!((spectrum.im[k] - reference.im[k]).abs() < 1e-10, "n={n} k={k}");
            }
            let mut back = Vec::new();
            fft.inverse(&spectrum, &mut back);
            for (x, y) in back.iter().zip(&input) {
                assert!((x - y).abs() < 1e-13, "n={n}");
            }
        }
    }

    #[test]
    fn products_of_spectra_are_circular_convolutions() {
        let n = 32;
        let a: Vec<f64> = (0..n).map(|j| if j < 5 { 1.0 + j as f64 } else { 0.0 }).collect();
        let b: Vec<f64> = (0..n).map(|j| if j < 7 { 0.5 * j as f64 } else { 0.0 }).collect();
        let mut fft = RealFft::new(n);
        let (mut fa, mut fb) = (Spectrum::default(), Spectrum::default());
        fft.forward(&a, &mut fa);
        fft.forward(&b, &mut fb);
        fa.multiply(&fb);
        let mut out = Vec::new();
        fft.inverse(&fa, &mut out);
        for k in 0..n {
            let direct: f64 = (0..n).map(|j| a[j] * b[(k + n - j) % n]).sum();
            assert!((out[k] - direct).abs() < 1e-12, "{k}: {} vs {direct}", out[k]);
        }
    }
}
