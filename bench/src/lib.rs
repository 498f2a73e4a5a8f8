//! The data generator of pmsg-bench, as a library: the `pmsg-bench`
//! binary builds its stores with it, and the `pmsg` command offers it to
//! operators as `pmsg populate` (a realistic clinic network at any size).
//! See BENCHMARKS.md ("The data").

pub mod corpus;
pub mod pgstore;
pub mod populate;
pub mod rng;
