//! Memory the analysis no longer needs goes back to the operating system.
//!
//! The binary allocates with mimalloc (`src/main.rs`): at 100,000
//! components glibc's heap, full of the syntax tree's small freed holes,
//! kept the resident peak over issue 7's 300 MB, and mimalloc's pages
//! keep it at about 270 MB (docs/performance.md, "Memory").

/// Hands the syntax tree's freed pages back to the operating system before
/// analysis starts: the resolver frees the tree declaration by declaration
/// and the parse threads allocated it, so without this the peak is the tree
/// plus the analysis instead of the design plus the analysis. Both
/// allocators are asked, as tests and benchmarks run on the system one.
#[cfg(not(target_arch = "wasm32"))]
pub(super) fn release_freed() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        unsafe extern "C" {
            fn malloc_trim(pad: usize) -> i32;
        }
        // SAFETY: malloc_trim only returns free heap pages to the kernel;
        // it takes no pointers and is safe to call at any time.
        unsafe {
            malloc_trim(0);
        }
    }
    // SAFETY: mi_collect frees and purges mimalloc's own free pages (of
    // every thread's heap, as `force` is set); it takes no pointers and
    // is safe to call at any time, allocating with mimalloc or not.
    unsafe {
        libmimalloc_sys::mi_collect(true);
    }
}

#[cfg(target_arch = "wasm32")]
pub(super) fn release_freed() {}
