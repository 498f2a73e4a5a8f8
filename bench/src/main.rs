//! pmsg-bench (being written).
fn main() {}
