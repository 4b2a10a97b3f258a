//! Replays every input kept in `fuzz/corpus/<target>/` (the minimized corpus) and
//! `fuzz/regressions/<target>/` (inputs that once failed, named for what they were)
//! through its decoder, so that a regression of anything the fuzzer once found (or
//! reached) fails `cargo test` without libFuzzer or nightly. Also checks that the targets,
//! their files under `fuzz/fuzz_targets/` and the corpus directories name each other.

#![allow(clippy::panic)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use cometmq_fuzzkit::TARGETS;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz")
}

fn names_in(dir: &Path, strip: &str) -> BTreeSet<String> {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    entries
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().into_string().ok())
        .filter_map(|n| n.strip_suffix(strip).map(str::to_owned))
        .collect()
}

#[test]
fn every_target_has_a_fuzz_target_file_and_a_corpus() {
    let registered: BTreeSet<String> = TARGETS.iter().map(|t| t.name.to_owned()).collect();
    assert_eq!(registered.len(), TARGETS.len(), "a target name is repeated");
    let files = names_in(&fuzz_dir().join("fuzz_targets"), ".rs");
    assert_eq!(
        files, registered,
        "fuzz/fuzz_targets/*.rs against fuzzkit::TARGETS"
    );
    let corpora = names_in(&fuzz_dir().join("corpus"), "");
    assert_eq!(
        corpora, registered,
        "fuzz/corpus/* against fuzzkit::TARGETS"
    );
}

/// The files of `dir`, sorted; none when it does not exist.
fn inputs_in(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut inputs: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    inputs.sort();
    inputs
}

#[test]
fn regressions_belong_to_targets() {
    let registered: BTreeSet<String> = TARGETS.iter().map(|t| t.name.to_owned()).collect();
    let dirs = names_in(&fuzz_dir().join("regressions"), "");
    assert!(
        dirs.is_subset(&registered),
        "fuzz/regressions/* names no target: {dirs:?}"
    );
}

#[test]
fn every_corpus_input_decodes_without_panic() {
    let mut replayed = 0usize;
    let mut failures = Vec::new();
    for target in TARGETS {
        let corpus = inputs_in(&fuzz_dir().join("corpus").join(target.name));
        assert!(!corpus.is_empty(), "{} has no corpus", target.name);
        let regressions = inputs_in(&fuzz_dir().join("regressions").join(target.name));
        for path in corpus.into_iter().chain(regressions) {
            let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let run = target.run;
            if std::panic::catch_unwind(|| run(&data)).is_err() {
                failures.push(path.display().to_string());
            }
            replayed += 1;
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {replayed} corpus inputs failed: {failures:#?}",
        failures.len()
    );
}
