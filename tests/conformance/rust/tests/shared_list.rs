//! `tests/conformance/shared.txt` lists the scenarios shared with the other
//! implementations, which CI also runs through the Python and Kotlin
//! runners on PostgreSQL (`scripts/test-postgres`). These tests keep it
//! honest: every listed file is one of ours; and when a copy of the shared
//! scenario folder is named by `PMSG_SHARED_SCENARIOS`, the list is exactly
//! the shared files that ours equal byte for byte. The project never needs
//! that folder: without the variable the second check prints SKIPPED.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn conformance_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// The file names listed in shared.txt (blank lines and `#` comments skipped).
fn listed() -> Vec<String> {
    let path = conformance_dir().join("shared.txt");
    let text = std::fs::read_to_string(&path).expect("tests/conformance/shared.txt");
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

#[test]
fn every_listed_shared_scenario_is_one_of_ours() {
    let names = listed();
    assert!(names.len() >= 29, "shared.txt lists too few: {names:?}");
    let unique: BTreeSet<&String> = names.iter().collect();
    assert_eq!(unique.len(), names.len(), "a name is listed twice");
    for name in &names {
        assert!(
            !name.contains('/') && name.ends_with(".json"),
            "{name:?} is not a scenario file name"
        );
        let file = conformance_dir().join("scenarios").join(name);
        assert!(
            file.is_file(),
            "shared.txt lists {name}, which is not in tests/conformance/scenarios"
        );
    }
}

#[test]
fn the_list_is_the_shared_files_ours_equal_when_the_shared_folder_is_at_hand() {
    let Some(shared) = std::env::var_os("PMSG_SHARED_SCENARIOS").map(PathBuf::from) else {
        eprintln!("SKIPPED: PMSG_SHARED_SCENARIOS names no shared scenario folder");
        return;
    };
    if !shared.is_dir() {
        eprintln!(
            "SKIPPED: no shared scenario folder at {} (set PMSG_SHARED_SCENARIOS)",
            shared.display()
        );
        return;
    }
    let ours = conformance_dir().join("scenarios");
    let same = |name: &str| -> bool {
        let read = |dir: &Path| std::fs::read(dir.join(name)).ok();
        matches!((read(&shared), read(&ours)), (Some(a), Some(b)) if a == b)
    };
    let expected: BTreeSet<String> = std::fs::read_dir(&shared)
        .expect("read the shared folder")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".json") && same(n))
        .collect();
    let listed: BTreeSet<String> = listed().into_iter().collect();
    assert_eq!(
        listed,
        expected,
        "tests/conformance/shared.txt must list exactly the files of {} that ours equal",
        shared.display()
    );
}
