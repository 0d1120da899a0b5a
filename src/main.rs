//! The `keyctl` binary: everything happens in the library.

fn main() {
    std::process::exit(keyctl::cli::main());
}
