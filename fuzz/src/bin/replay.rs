//! Runs every file under the given directories (seeds, an AFL++ queue or its crashes)
//! through a target without AFL++: `cargo run --release --bin replay -- rows DIR...`.
//! A panic names the file.

use std::path::Path;

fn main() {
    let mut args = std::env::args().skip(1);
    let target: fn(&[u8]) = match args.next().as_deref() {
        Some("rows") => braze_fuzz::rows,
        Some("resume") => braze_fuzz::resume,
        _ => {
            eprintln!("usage: replay rows|resume DIR...");
            std::process::exit(2);
        }
    };
    let mut count = 0u64;
    for dir in args {
        let mut files: Vec<_> = std::fs::read_dir(Path::new(&dir))
            .unwrap_or_else(|e| panic!("{dir}: {e}"))
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|path| path.is_file())
            .collect();
        files.sort();
        for file in files {
            let data = std::fs::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            eprintln!("{}", file.display());
            target(&data);
            count += 1;
        }
    }
    println!("{count} inputs ran clean");
}
