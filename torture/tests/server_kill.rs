//! `pmsg-torture server-kill`, run small: the PostgreSQL server killed
//! with SIGKILL twice under four threads on one handle. A file of its own,
//! so that no other test of this crate uses the cluster while its server
//! is down (cargo runs test files one after the other). Needs
//! `PMSG_TEST_DATABASE_URL`, `PMSG_TEST_PG_DATA` and `PMSG_TEST_PG_BIN`
//! (`scripts/with-postgres cargo test -p pmsg-torture --test server_kill`);
//! prints a `SKIPPED` line without them.

use std::process::Command;

const EXE: &str = env!("CARGO_BIN_EXE_pmsg-torture");

#[test]
fn a_killed_server_loses_nothing_acknowledged_and_the_handle_works_again() {
    let vars = [
        "PMSG_TEST_DATABASE_URL",
        "PMSG_TEST_PG_DATA",
        "PMSG_TEST_PG_BIN",
    ];
    let missing: Vec<&str> = vars
        .iter()
        .copied()
        .filter(|v| std::env::var(v).map_or(true, |s| s.is_empty()))
        .collect();
    if !missing.is_empty() {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED server_kill: {} not set (scripts/with-postgres sets them)",
            missing.join(", ")
        );
        return;
    }
    let url = std::env::var("PMSG_TEST_DATABASE_URL").unwrap();
    let out = Command::new(EXE)
        .args(["server-kill", "--db", &url])
        .args(["--kills", "2", "--work-ms", "1000", "--down-ms", "500"])
        .output()
        .expect("run pmsg-torture");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last = stdout.lines().last().unwrap_or_default();
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        last.starts_with("server-kill: 2 kills, ")
            && last.contains(" 0 lost, ")
            && last.ends_with(" 0 failed after the server was back, 0 other errors, 0 corrupt"),
        "{stdout}"
    );
    assert!(stdout.contains("the handle served again"), "{stdout}");
}
