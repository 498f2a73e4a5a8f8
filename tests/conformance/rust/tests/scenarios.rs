//! Every scenario in tests/conformance/scenarios passes through the Rust runner.

use std::path::PathBuf;

#[test]
fn every_project_scenario_passes() {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../scenarios"));
    let files = pmsg_conformance::scenario_files(&[dir]).expect("scenario folder");
    assert!(
        files.len() >= 59,
        "the shared scenarios are missing: {files:?}"
    );
    let (passed, failed) = pmsg_conformance::run_files(&files, None);
    assert_eq!(
        failed, 0,
        "{failed} scenario(s) failed, {passed} passed (see the FAIL lines above)"
    );
}

#[test]
fn an_unknown_op_or_key_fails_the_scenario() {
    let dir = std::env::temp_dir().join(format!("pmsg-unknown-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let op = dir.join("op.json");
    std::fs::write(
        &op,
        r#"{"name":"x","steps":[{"at":"2026-01-01T00:00:00Z","op":"teleport"}]}"#,
    )
    .unwrap();
    let key = dir.join("key.json");
    std::fs::write(
        &key,
        r#"{"name":"x","steps":[{"at":"2026-01-01T00:00:00Z","op":"purge","colour":"red"}]}"#,
    )
    .unwrap();
    let top = dir.join("top.json");
    std::fs::write(&top, r#"{"name":"x","extra":1,"steps":[]}"#).unwrap();
    for f in [&op, &key, &top] {
        let why = pmsg_conformance::run_file(f, None).expect_err("must fail");
        assert!(why.contains("unknown"), "{why}");
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn instants_compare_as_instants_and_lists_by_length() {
    use serde_json::json;
    let m = pmsg_conformance::matches;
    assert!(m(
        &json!("2026-03-09T09:00:00-04:00"),
        &json!("2026-03-09T13:00:00Z"),
        ""
    )
    .is_ok());
    assert!(m(
        &json!("2026-03-09T09:00:00-04:00"),
        &json!("2026-03-09T14:00:00Z"),
        ""
    )
    .is_err());
    assert!(m(&json!([{"a": 1}]), &json!([{"a": 1, "b": 2}]), "").is_ok());
    assert!(m(&json!([]), &json!([1]), "").is_err());
    assert!(m(&json!({"a": 1}), &json!({"b": 1}), "").is_err());
}

#[test]
fn repeat_shorthands_are_expanded_in_arguments_and_in_expect() {
    use serde_json::json;
    let step = json!({"op": "assign", "note": {"repeat": "ab", "times": 2},
        "expect": {"assignments": [{"note": {"repeat": "y", "times": 3}}]}});
    assert_eq!(
        pmsg_conformance::expand_shorthands(&step),
        json!({"op": "assign", "note": "abab", "expect": {"assignments": [{"note": "yyy"}]}})
    );
    // Anything that is not the shorthand stays as written.
    let other = json!({"repeat": "x", "times": 2, "extra": 1});
    assert_eq!(pmsg_conformance::expand_shorthands(&other), other);
}

#[test]
fn sized_attachments_are_expanded_by_the_runner_not_the_library() {
    use base64::Engine;
    use serde_json::json;
    let step = json!({"op": "send", "attachments": [
        {"name": "a", "media_type": "text/plain", "size": 300},
        {"name": "", "media_type": "x/y", "size": 2},
        {"name": "b", "media_type": "text/plain", "size": "big"}]});
    let out = pmsg_conformance::expand_sized_attachments(&step);
    let files = out["attachments"].as_array().unwrap();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(files[0]["content_base64"].as_str().unwrap())
        .unwrap();
    assert_eq!((bytes.len(), bytes[250], bytes[251]), (300, 250, 0));
    assert!(files[0].get("size").is_none());
    // Other keys stay as written, for the library to judge.
    assert_eq!(files[1]["name"], json!(""));
    assert_eq!(files[1]["content_base64"], json!("AAE="));
    // A size the runner cannot read is passed on (the library refuses it).
    assert_eq!(files[2], step["attachments"][2]);
    // The library itself knows no `size`.
    let err = pmsg_core::request::attachment(&step["attachments"][0]).unwrap_err();
    assert_eq!(err.code(), "invalid_argument");
}
