//! Link `miniapp` as a position-dependent executable on Linux: the dynamic
//! loader then has no relocations to apply to its tens of megabytes at every
//! start, which is a large share of a one-event `miniapp run`.

#[allow(
    clippy::disallowed_macros,
    reason = "a build script speaks to cargo on stdout"
)]
fn main() {
    let linux_gnu = std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux")
        && std::env::var("CARGO_CFG_TARGET_ENV").as_deref() == Ok("gnu");
    if linux_gnu {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}
