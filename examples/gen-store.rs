//! Generate a synthetic file store for benchmarks:
//! `cargo run --release --example gen-store -- --dir D --channels C --msgs N --size S --subs K [--compressible]`

use std::path::PathBuf;

use clap::Parser;
use stanctl::generate::{generate_store, GenOptions};

#[derive(Parser)]
struct Args {
    /// Target directory (must not exist).
    #[arg(long)]
    dir: PathBuf,
    #[arg(long, default_value_t = 4)]
    channels: usize,
    /// Messages per channel.
    #[arg(long, default_value_t = 10_000)]
    msgs: u64,
    /// Payload bytes.
    #[arg(long, default_value_t = 256)]
    size: usize,
    /// Durable subscriptions per channel.
    #[arg(long, default_value_t = 2)]
    subs: usize,
    /// Text-like payloads instead of random bytes.
    #[arg(long)]
    compressible: bool,
    /// Slice size in bytes.
    #[arg(long, default_value_t = 64 * 1024 * 1024)]
    slice_max_bytes: u64,
}

fn main() -> anyhow::Result<()> {
    let a = Args::parse();
    let n = generate_store(
        &a.dir,
        &GenOptions {
            channels: a.channels,
            msgs: a.msgs,
            size: a.size,
            subs: a.subs,
            compressible: a.compressible,
            slice_max_bytes: a.slice_max_bytes,
            ..GenOptions::default()
        },
    )?;
    eprintln!("wrote {n} messages to {}", a.dir.display());
    Ok(())
}
