//! Test builds only (cargo feature `test-panic`): an export that panics.

use crate::boundary::boundary;
use crate::status::PmsgStatus;

/// Test builds only (cargo feature `test-panic`, C macro
/// `PMSG_TEST_PANIC`): panics inside the boundary, to show that a panic
/// returns `PMSG_INTERNAL` with a message instead of unwinding into C.
/// A shipped libpmsg does not export it.
#[no_mangle]
pub extern "C" fn pmsg_test_force_panic() -> PmsgStatus {
    boundary(|| panic!("pmsg_test_force_panic was called"))
}
