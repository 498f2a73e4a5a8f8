//! `pmsg-conformance [--fhir-out DIR] [PATH...]`: runs scenario files or
//! folders (default: the project's tests/conformance/scenarios) per FORMAT.md.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut paths = Vec::new();
    let mut fhir_out = None;
    while let Some(a) = args.next() {
        if a == "--fhir-out" {
            match args.next() {
                Some(d) => fhir_out = Some(PathBuf::from(d)),
                None => {
                    eprintln!("--fhir-out needs a folder");
                    return ExitCode::from(2);
                }
            }
        } else {
            paths.push(PathBuf::from(a));
        }
    }
    if paths.is_empty() {
        paths.push(PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../scenarios"
        )));
    }
    if let Some(dir) = &fhir_out {
        if let Err(e) = std::fs::create_dir_all(dir) {
            eprintln!("cannot create {}: {e}", dir.display());
            return ExitCode::from(2);
        }
    }
    let files = match pmsg_conformance::scenario_files(&paths) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    match std::env::var("PMSG_TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => {
            println!("backend: PostgreSQL (PMSG_TEST_DATABASE_URL), a fresh schema per scenario")
        }
        _ => println!("backend: SQLite in memory"),
    }
    let (_, failed) = pmsg_conformance::run_files(&files, fhir_out.as_deref());
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
