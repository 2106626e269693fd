//! `cargo afl fuzz ... target/.../release/resume`: see `braze_fuzz::resume`.

fn main() {
    afl::fuzz!(|data: &[u8]| {
        braze_fuzz::resume(data);
    });
}
