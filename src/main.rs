//! The `keyctl` binary: everything happens in the library.

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(keyctl::cli::main());
}
