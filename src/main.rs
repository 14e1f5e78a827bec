fn main() -> std::process::ExitCode {
    hld::cli::main()
}
