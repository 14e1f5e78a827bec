//! The `hld` binary: the command line of [`hld::cli`].

fn main() -> std::process::ExitCode {
    hld::cli::main()
}
