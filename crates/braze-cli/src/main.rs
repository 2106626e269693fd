//! The `braze` command: everything is in the library (`braze_cli::main`).

fn main() -> std::process::ExitCode {
    braze_cli::main()
}
