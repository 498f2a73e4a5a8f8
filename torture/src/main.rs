//! pmsg-torture (being written).
fn main() {}
