//! `cargo afl fuzz ... target/.../release/rows`: see `braze_fuzz::rows`.

fn main() {
    afl::fuzz!(|data: &[u8]| {
        braze_fuzz::rows(data);
    });
}
