//! The `hld` binary: the command line of [`hld::cli`].

/// mimalloc keeps the resident peak of a 100,000-component check under
/// 300 MB where glibc's heap does not (src/cli/memory.rs).
#[cfg(not(target_arch = "wasm32"))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    hld::cli::main()
}
