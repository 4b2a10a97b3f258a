//! Retention and the disk-full guard, with an injected clock and disk usage.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::{SystemTime, UNIX_EPOCH};

use cometmq_store::{AcceptAll, GetStatus, MessageStore, PutStatus};
use common::*;

const HOUR: i64 = 3_600_000;

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// The first instant at or after `t` whose UTC hour is `h`.
fn at_hour(t: i64, h: i64) -> i64 {
    let hour = t.rem_euclid(24 * HOUR) / HOUR;
    t + (h - hour).rem_euclid(24) * HOUR
}

async fn setup(
    dir: &std::path::Path,
) -> (
    MessageStore,
    std::sync::Arc<ManualClock>,
    std::sync::Arc<FakeDisk>,
) {
    let clock = ManualClock::new(now());
    let disk = FakeDisk::new(0.1);
    let mut cfg = config(dir);
    cfg.mapped_file_size_commit_log = 4096;
    let store = MessageStore::open_with(cfg, clock.clone(), disk.clone()).unwrap();
    for i in 0..300 {
        let p = props(&[("KEYS", &format!("k{i}"))]);
        assert!(store
            .append(record("R", 0, &[1u8; 20], &p))
            .await
            .status
            .is_stored());
    }
    settle(&store).await;
    (store, clock, disk)
}

#[tokio::test]
async fn expired_files_go_at_the_delete_hour() {
    let dir = tempfile::tempdir().unwrap();
    let (store, clock, _disk) = setup(dir.path()).await;
    // CommitLog files (not the next one, prepared in the background as `<name>.tmp`).
    let files = || {
        std::fs::read_dir(dir.path().join("commitlog"))
            .unwrap()
            .filter(|e| e.as_ref().unwrap().file_name().len() == 20)
            .count()
    };
    let cq_files = || {
        std::fs::read_dir(dir.path().join("consumequeue/R/0"))
            .unwrap()
            .count()
    };
    let before = files();
    assert!(before > 5);
    assert_eq!(cq_files(), 3);

    // Expired, but not the delete hour and the disk is nearly empty: kept.
    clock.set(at_hour(now() + 73 * HOUR, 5));
    assert_eq!(store.run_retention().unwrap().commit_log_files_deleted, 0);
    // Not expired, at the delete hour: kept.
    clock.set(at_hour(now(), 4));
    assert_eq!(store.run_retention().unwrap().commit_log_files_deleted, 0);
    // Expired at the delete hour: deleted (10 per pass at most, never the newest).
    clock.set(at_hour(now() + 73 * HOUR, 4));
    let r = store.run_retention().unwrap();
    assert_eq!(r.commit_log_files_deleted, 10.min(before - 1));
    while store.run_retention().unwrap().commit_log_files_deleted > 0 {}
    assert_eq!(files(), 1);
    assert!(store.min_phys_offset() > 0);
    assert_eq!(
        cq_files(),
        1,
        "queue files wholly below the log's min offset are gone"
    );
    let min = store.min_offset("R", 0);
    assert!(min > 0);
    let r = store.get_messages(None, "R", 0, 0, 32, &AcceptAll);
    assert_eq!(
        (r.status, r.next_begin_offset),
        (GetStatus::OffsetTooSmall, min)
    );
    let r = store.get_messages(None, "R", 0, min, 32, &AcceptAll);
    assert_eq!(r.status, GetStatus::Found);
    assert_eq!(decode(&r.messages[0]).queue_offset, min);
    assert!(store.earliest_time().is_some());
}

#[tokio::test]
async fn disk_pressure_deletes_at_any_hour_and_full_disk_refuses_appends() {
    let dir = tempfile::tempdir().unwrap();
    let (store, clock, disk) = setup(dir.path()).await;
    clock.set(at_hour(now() + 73 * HOUR, 13));
    disk.set(0.80);
    assert!(
        store.run_retention().unwrap().commit_log_files_deleted > 0,
        "above 75 %"
    );

    let (store2_dir, _) = (tempfile::tempdir().unwrap(), ());
    let (store2, _c2, disk2) = setup(store2_dir.path()).await;
    disk2.set(0.86);
    assert!(
        store2.run_retention().unwrap().commit_log_files_deleted > 0,
        "forcibly above 85 %, not expired"
    );

    disk.set(0.95);
    let report = store.run_retention().unwrap();
    assert!(report.disk_full);
    let end = store.max_phys_offset();
    let r = store.append(record("R", 0, b"refused", "")).await;
    assert_eq!(r.status, PutStatus::DiskFull);
    assert_eq!(r.status.java_name(), "SERVICE_NOT_AVAILABLE");
    assert_eq!(store.max_phys_offset(), end, "nothing written");
    disk.set(0.5);
    assert!(!store.run_retention().unwrap().disk_full);
    assert_eq!(
        store.append(record("R", 0, b"ok", "")).await.status,
        PutStatus::PutOk
    );
}

/// A broker's committed offsets, as the store sees them.
#[derive(Debug)]
struct Offsets(Vec<(String, String, i32, i64)>);

impl cometmq_store::ConsumerProgress for Offsets {
    fn committed(&self) -> Vec<(String, String, i32, i64)> {
        self.0.clone()
    }
}

#[tokio::test]
async fn a_forced_deletion_reports_what_it_destroyed_and_is_counted() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _clock, disk) = setup(dir.path()).await;
    store.set_consumer_progress(std::sync::Arc::new(Offsets(vec![
        ("G1".into(), "R".into(), 0, 5),
        ("G2".into(), "R".into(), 0, 100_000),
        ("G3".into(), "Other".into(), 0, 0),
    ])));
    assert_eq!(store.forced_deletion_totals(), (0, 0));
    disk.set(0.86);
    let r = store.run_retention().unwrap();
    assert!(!r.disk_full, "0.86 is not above the warning level");
    let loss = r.forced.expect("unexpired files went: a forced deletion");
    assert_eq!(loss.files, r.commit_log_files_deleted);
    assert!(loss.files > 1);
    let min = store.min_offset("R", 0);
    assert_eq!(loss.messages, min as u64, "every message below the new min");
    assert_eq!(
        loss.unconsumed,
        vec![cometmq_store::LostRange {
            group: "G1".into(),
            topic: "R".into(),
            queue_id: 0,
            from: 5,
            to: min,
        }],
        "G2 had consumed past the range, G3 is on another topic"
    );
    assert_eq!(loss.unconsumed_text(), format!("G1@R:0[5,{min})"));
    assert_eq!(
        store.forced_deletion_totals(),
        (loss.files as u64, min as u64)
    );
}

#[tokio::test]
async fn retention_settings_change_while_running() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _clock, disk) = setup(dir.path()).await;
    let mut s = store.retention_settings();
    assert!(s.clean_file_forcibly_enable);
    s.clean_file_forcibly_enable = false;
    store.set_retention_settings(s.clone());
    disk.set(0.86);
    let r = store.run_retention().unwrap();
    assert_eq!(
        r.commit_log_files_deleted, 0,
        "forced cleaning switched off"
    );
    s.disk_space_warning_level_ratio = 0.8;
    s.disk_space_clean_forcibly_ratio = 0.7;
    store.set_retention_settings(s);
    assert!(
        store.run_retention().unwrap().disk_full,
        "0.86 > the new 0.8"
    );
}

#[tokio::test]
async fn without_clean_file_forcibly_nothing_unexpired_goes_and_full_refuses_until_below_85() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(now());
    let disk = FakeDisk::new(0.1);
    let mut cfg = config(dir.path());
    cfg.mapped_file_size_commit_log = 4096;
    cfg.clean_file_forcibly_enable = false;
    let store = MessageStore::open_with(cfg, clock.clone(), disk.clone()).unwrap();
    for _ in 0..100 {
        let r = store.append(record("R", 0, &[1u8; 20], "")).await;
        assert!(r.status.is_stored());
    }
    settle(&store).await;
    let min = store.min_phys_offset();
    disk.set(0.95);
    let r = store.run_retention().unwrap();
    assert!(r.disk_full);
    assert_eq!(r.commit_log_files_deleted, 0, "nothing expired");
    assert!(r.forced.is_none());
    assert_eq!(store.min_phys_offset(), min);
    assert_eq!(
        store.append(record("R", 0, b"x", "")).await.status,
        PutStatus::DiskFull
    );
    // Between the two ratios the full mark stays (Java's hysteresis).
    disk.set(0.87);
    assert!(store.run_retention().unwrap().disk_full);
    assert_eq!(
        store.append(record("R", 0, b"x", "")).await.status,
        PutStatus::DiskFull
    );
    disk.set(0.85);
    assert!(!store.run_retention().unwrap().disk_full);
    assert!(store
        .append(record("R", 0, b"x", ""))
        .await
        .status
        .is_stored());
    // Expired files still go when space is short.
    clock.set(now() + 73 * HOUR);
    disk.set(0.95);
    let r = store.run_retention().unwrap();
    assert!(r.commit_log_files_deleted > 0);
    assert!(r.forced.is_none(), "expired: not forced");
    assert_eq!(store.forced_deletion_totals(), (0, 0));
}
