//! Floating-point functions that give the same bits on every platform.
//!
//! `f64::exp`, `ln`, `powf` and the like call the platform's C library on
//! Linux (glibc) but Rust's own port of musl's on WebAssembly, and the two
//! may differ in the last bit. `hld estimate --format json` prints every
//! bit, and the browser playground must print what the command line does
//! (issue 17), so every such call goes through the `libm` crate on every
//! target. clippy.toml forbids the std methods. `sqrt` is exact by IEEE
//! 754 and `powi` is compiled from the same code everywhere: both stay.

/// `x.portable_exp()` for `x.exp()`, and so on: the `libm` crate's result.
pub trait Portable {
    fn portable_exp(self) -> Self;
    fn portable_exp_m1(self) -> Self;
    fn portable_ln(self) -> Self;
    fn portable_ln_1p(self) -> Self;
    fn portable_log2(self) -> Self;
    fn portable_log10(self) -> Self;
    fn portable_powf(self, exponent: Self) -> Self;
    fn portable_sin(self) -> Self;
    fn portable_cos(self) -> Self;
    fn portable_sin_cos(self) -> (Self, Self)
    where
        Self: Sized;
}

impl Portable for f64 {
    fn portable_exp(self) -> f64 {
        libm::exp(self)
    }
    fn portable_exp_m1(self) -> f64 {
        libm::expm1(self)
    }
    fn portable_ln(self) -> f64 {
        libm::log(self)
    }
    fn portable_ln_1p(self) -> f64 {
        libm::log1p(self)
    }
    fn portable_log2(self) -> f64 {
        libm::log2(self)
    }
    fn portable_log10(self) -> f64 {
        libm::log10(self)
    }
    fn portable_powf(self, exponent: f64) -> f64 {
        libm::pow(self, exponent)
    }
    fn portable_sin(self) -> f64 {
        libm::sin(self)
    }
    fn portable_cos(self) -> f64 {
        libm::cos(self)
    }
    fn portable_sin_cos(self) -> (f64, f64) {
        (libm::sin(self), libm::cos(self))
    }
}

#[cfg(test)]
mod tests {
    use super::Portable;

    #[test]
    fn agrees_with_std_to_the_last_bits() {
        for x in [0.001_f64, 0.5, 1.0, 2.5, 10.0, 123.456] {
            let close = |a: f64, b: f64| (a - b).abs() <= 4.0 * f64::EPSILON * a.abs().max(b.abs()).max(1.0);
            #[allow(clippy::disallowed_methods)] // the reference
            let (exp, ln, powf, sin) = (x.exp(), x.ln(), x.powf(1.7), x.sin());
            assert!(close(x.portable_exp(), exp));
            assert!(close(x.portable_ln(), ln));
            assert!(close(x.portable_powf(1.7), powf));
            assert!(close(x.portable_sin(), sin));
        }
    }
}
