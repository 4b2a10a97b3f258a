//! A full disk, honestly (issue 14 F2): an `mqbroker` process whose store is on a
//! 64 MiB tmpfs this test mounts, filled by sends (and a ballast file the test owns).
//!
//! - With `cleanFileForciblyEnable=true` (Java's default), past
//!   `diskSpaceCleanForciblyRatio` the oldest, unexpired CommitLog files are deleted:
//!   the broker logs it at ERROR as a forced deletion naming the messages and the
//!   group's unconsumed range it destroyed, and GET_BROKER_RUNTIME_INFO counts it.
//! - With `cleanFileForciblyEnable=false`, nothing unexpired is deleted; past
//!   `diskSpaceWarningLevelRatio` sends are refused with SERVICE_NOT_AVAILABLE and Java's
//!   "disk is full" remark; once space returns they are accepted again without a
//!   restart; and after a restart every acknowledged message is readable.
//!
//! Needs root (mount). CI runs as root; elsewhere the tests print why and pass.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use cometmq_remoting::code::{request, response};
use cometmq_remoting::transport::RemotingClient;
use cometmq_remoting::RemotingCommand;
use common::ha::{self, Node, SERIAL};

const TOPIC: &str = "DiskT";
const GROUP: &str = "DiskG";
/// 32 KiB bodies: the 64 MiB file system fills in a few hundred sends.
const BODY: usize = 32 * 1024;

/// A tmpfs of `size` mounted on a fresh temp directory; unmounted when dropped.
struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    fn mount(size: &str) -> Option<Tmpfs> {
        let dir = tempfile::tempdir().unwrap();
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .output();
        match out {
            Ok(o) if o.status.success() => Some(Tmpfs { dir }),
            Ok(o) => {
                eprintln!(
                    "\n!!!!! SKIPPED: cannot mount a tmpfs (needs root): {} !!!!!\n",
                    String::from_utf8_lossy(&o.stderr).trim()
                );
                None
            }
            Err(e) => {
                eprintln!("\n!!!!! SKIPPED: cannot run mount: {e} !!!!!\n");
                None
            }
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

/// Fills `path` with `bytes` of real (allocated) data.
fn ballast(path: &Path, bytes: usize) {
    std::fs::write(path, vec![7u8; bytes]).unwrap();
}

/// Writes `path` until the file system has no byte left.
fn fill_up(path: &Path) {
    use std::io::Write;
    let mut f = std::fs::File::create(path).unwrap();
    let chunk = vec![7u8; 64 * 1024];
    while f.write_all(&chunk).is_ok() {}
    let small = [7u8; 512];
    while f.write_all(&small).is_ok() {}
    let _ = f.sync_all();
}

fn body(seq: usize) -> Vec<u8> {
    let mut b = format!("msg-{seq:06}:").into_bytes();
    b.resize(BODY, b'x');
    b
}

fn seq_of(body: &[u8]) -> Option<usize> {
    let text = std::str::from_utf8(body.get(4..10)?).ok()?;
    text.parse().ok()
}

/// A broker process with its store on `store`, logging to a file outside it.
fn node(root: &Path, store: &Path, namesrv: &str, forcibly: bool) -> Node {
    let store = store.display().to_string();
    let forcibly = forcibly.to_string();
    Node::new(
        root,
        "disk",
        "broker-disk",
        "ASYNC_MASTER",
        namesrv,
        &[
            ("storePathRootDir", &store),
            ("cleanFileForciblyEnable", &forcibly),
            ("cleanResourceInterval", "100"),
            ("flushConsumerOffsetInterval", "200"),
            // The ConsumeQueue of 600 entries per file, so it does not crowd the disk.
            ("mapedFileSizeConsumeQueue", "12000"),
        ],
    )
}

async fn runtime_info(c: &RemotingClient, addr: &str) -> serde_json::Value {
    let req = RemotingCommand::request(request::GET_BROKER_RUNTIME_INFO);
    let r = ha::call(c, addr, req).await.expect("runtime info");
    let v: serde_json::Value = serde_json::from_slice(&r.body.to_bytes()).unwrap();
    v["table"].clone()
}

fn counter(info: &serde_json::Value, key: &str) -> u64 {
    info[key]
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{key} missing from runtime info: {info}"))
}

async fn commit_offset(c: &RemotingClient, addr: &str, offset: i64) -> i32 {
    let mut commit = RemotingCommand::request(request::UPDATE_CONSUMER_OFFSET);
    for (k, v) in [
        ("consumerGroup", GROUP.to_string()),
        ("topic", TOPIC.into()),
        ("queueId", "0".into()),
        ("commitOffset", offset.to_string()),
    ] {
        commit.ext_fields.insert(k.into(), v);
    }
    ha::call(c, addr, commit).await.map_or(-1, |r| r.code)
}

/// What one send got.
enum Sent {
    Acked,
    /// SERVICE_NOT_AVAILABLE, with its remark.
    Refused(String),
    /// Another error (SYSTEM_ERROR "create mapped file failed" while the disk fills
    /// faster than the disk check runs).
    Failed,
}

async fn send(c: &RemotingClient, addr: &str, seq: usize) -> Sent {
    match ha::send(c, addr, TOPIC, 0, &body(seq)).await {
        Some(r) if r.code == response::SUCCESS => Sent::Acked,
        Some(r) if r.code == response::SERVICE_NOT_AVAILABLE => {
            Sent::Refused(r.remark.unwrap_or_default())
        }
        _ => Sent::Failed,
    }
}

fn commit_log_files(store: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(store.join("commitlog"))
        .map(|d| {
            d.filter_map(|e| e.ok()?.file_name().into_string().ok())
                .filter(|n| n.len() == 20)
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Lines of `log` containing `what`.
fn lines_with(log: &str, what: &str) -> usize {
    log.lines().filter(|l| l.contains(what)).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forced_cleaning_is_logged_with_what_it_destroyed_and_counted() {
    let _serial = SERIAL.lock().await;
    let Some(fs) = Tmpfs::mount("64m") else {
        return;
    };
    let root = tempfile::tempdir().unwrap();
    let ns = ha::Namesrv::start().await;
    let store = fs.path().join("store");
    // 28 MiB of ballast: the CommitLog reaches 85 % after about 26 MiB of messages.
    ballast(&fs.path().join("ballast"), 28 << 20);
    let mut b = node(root.path(), &store, &ns.addr, true);
    b.start().await;
    let c = ha::client();
    let addr = b.addr();
    let started = Instant::now();

    let mut acked = 0usize;
    let mut seq = 0usize;
    let mut committed = false;
    let mut forced = 0;
    while seq < 5000 {
        if let Sent::Acked = send(&c, &addr, seq).await {
            acked += 1;
        }
        seq += 1;
        if !committed && acked >= 20 {
            // The group has consumed 10 messages: 10.. are its unconsumed range.
            assert_eq!(commit_offset(&c, &addr, 10).await, response::SUCCESS);
            committed = true;
        }
        if seq.is_multiple_of(25) {
            forced = counter(&runtime_info(&c, &addr).await, "commitLogForcedDeleteFiles");
            if forced > 0 {
                break;
            }
        }
    }
    assert!(
        forced > 0,
        "no forced deletion after {seq} sends ({acked} acked)"
    );
    let info = runtime_info(&c, &addr).await;
    let destroyed = counter(&info, "commitLogForcedDeleteMessages");
    assert!(destroyed > 0);
    assert!(
        counter(&info, "commitLogMinOffset") > 0,
        "the first files went"
    );
    assert!(!commit_log_files(&store).contains(&"0".repeat(20)));

    eprintln!(
        "forced: {seq} sends, {acked} acked, {forced} files and {destroyed} messages destroyed"
    );
    let log = b.log_text();
    let line = log
        .lines()
        .find(|l| l.contains("FORCED deletion"))
        .unwrap_or_else(|| panic!("no forced-deletion line:\n{}", b.log_tail()));
    eprintln!("{line}");
    assert!(line.contains("ERROR"), "{line}");
    assert!(line.contains("unexpired CommitLog files"), "{line}");
    assert!(line.contains(" messages"), "{line}");
    assert!(
        line.contains(&format!("{GROUP}@{TOPIC}:0[10,")),
        "the group's unconsumed range is named: {line}"
    );
    assert_eq!(
        lines_with(&log, "deleted expired CommitLog files"),
        0,
        "nothing here was expired"
    );
    // Repeated store warnings are rate-limited: at most one line per 10 s per site.
    let bound = 2 + started.elapsed().as_secs() as usize / 10;
    for what in [
        "creating a CommitLog file failed",
        "preparing the next CommitLog file failed",
        "dispatch failed",
    ] {
        assert!(
            lines_with(&log, what) <= bound,
            "{what}: {} lines",
            lines_with(&log, what)
        );
    }

    b.kill9();
    ns.stop().await;
    drop(fs);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_forced_cleaning_sends_are_refused_until_space_returns_and_nothing_is_lost() {
    let _serial = SERIAL.lock().await;
    let Some(fs) = Tmpfs::mount("64m") else {
        return;
    };
    let root = tempfile::tempdir().unwrap();
    let ns = ha::Namesrv::start().await;
    let store = fs.path().join("store");
    let ballast_path = fs.path().join("ballast");
    ballast(&ballast_path, 32 << 20);
    let mut b = node(root.path(), &store, &ns.addr, false);
    b.start().await;
    let c = ha::client();
    let addr = b.addr();

    // Fill the disk until the broker refuses sends as Java does.
    let mut acked = BTreeSet::new();
    let mut seq = 0usize;
    let remark = loop {
        assert!(seq < 5000, "never refused after {} acks", acked.len());
        match send(&c, &addr, seq).await {
            Sent::Acked => {
                acked.insert(seq);
            }
            Sent::Refused(remark) => break remark,
            Sent::Failed => {}
        }
        seq += 1;
    };
    assert!(
        remark.contains("service not available now") && remark.contains("disk is full [CL:"),
        "{remark}"
    );
    assert!(acked.len() > 50, "{} acked", acked.len());
    let info = runtime_info(&c, &addr).await;
    assert_eq!(info["diskFull"], "true");
    // Refused, and stays refused while the disk is full; nothing unexpired is deleted.
    for _ in 0..20 {
        seq += 1;
        assert!(matches!(send(&c, &addr, seq).await, Sent::Refused(_)));
    }
    let info = runtime_info(&c, &addr).await;
    assert_eq!(counter(&info, "commitLogForcedDeleteFiles"), 0);
    assert_eq!(counter(&info, "commitLogMinOffset"), 0);
    assert!(commit_log_files(&store).contains(&"0".repeat(20)));
    // A CommitLog file that could not be created left nothing behind: every file there,
    // in place or prepared (`.tmp`), is whole.
    for e in std::fs::read_dir(store.join("commitlog")).unwrap() {
        let e = e.unwrap();
        assert_eq!(
            e.metadata().unwrap().len(),
            4 << 20,
            "partial file {:?}",
            e.file_name()
        );
    }
    // Not a byte left: config saves fail. A group created now (by its first pull) and
    // its committed offset are kept in memory, and both files are saved once space
    // returns.
    let rest = fs.path().join("rest");
    fill_up(&rest);
    assert!(ha::pull(&c, &addr, GROUP, TOPIC, 0, 0).await.is_some());
    assert_eq!(commit_offset(&c, &addr, 7).await, response::SUCCESS);
    common::eventually("a failed config save", || {
        let failed = b.log_text().contains("cannot save config file");
        async move { failed.then_some(()) }
    })
    .await;

    // Space returns: sends are accepted again, without a restart.
    std::fs::remove_file(&rest).unwrap();
    std::fs::remove_file(&ballast_path).unwrap();
    let mut back = false;
    for _ in 0..400 {
        seq += 1;
        if let Sent::Acked = send(&c, &addr, seq).await {
            acked.insert(seq);
            back = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(back, "sends not accepted after space returned");
    for _ in 0..10 {
        seq += 1;
        if let Sent::Acked = send(&c, &addr, seq).await {
            acked.insert(seq);
        }
    }
    for (file, what) in [
        ("consumerOffset.json", format!("{TOPIC}@{GROUP}")),
        ("subscriptionGroup.json", format!("\"{GROUP}\"")),
    ] {
        let path = store.join("config").join(file);
        common::eventually(file, || {
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            let ok = text.contains(&what);
            async move { ok.then_some(()) }
        })
        .await;
    }
    let stray: Vec<PathBuf> = std::fs::read_dir(store.join("config"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "tmp"))
        .collect();
    assert!(stray.is_empty(), "half-written temp files left: {stray:?}");

    // Restart: every acknowledged message is readable.
    b.signal("TERM");
    if let Some(mut child) = b.child.take() {
        child.wait().unwrap();
    }
    b.start().await;
    let want = acked.len() as i64;
    let end = common::eventually("the queue's max offset", || {
        let (c, addr) = (&c, &addr);
        async move {
            let m = ha::max_offset(c, addr, TOPIC, 0).await;
            (m >= want).then_some(m)
        }
    })
    .await;
    let read = ha::read_queue(&c, &addr, GROUP, TOPIC, 0, 0, end).await;
    let got: BTreeSet<usize> = read.iter().filter_map(|m| seq_of(&m.body)).collect();
    let missing: Vec<_> = acked.difference(&got).collect();
    assert!(
        missing.is_empty(),
        "{} of {} acknowledged messages missing after restart: {:?}",
        missing.len(),
        acked.len(),
        &missing[..missing.len().min(20)]
    );
    let log = b.log_text();
    eprintln!(
        "not forced: {} acked of {seq} sends, {} read back after restart; log lines: \
         {} 'creating a CommitLog file failed', {} 'dispatch failed', {} 'cannot save config file'",
        acked.len(),
        got.len(),
        lines_with(&log, "creating a CommitLog file failed"),
        lines_with(&log, "dispatch failed"),
        lines_with(&log, "cannot save config file"),
    );
    assert_eq!(lines_with(&log, "FORCED deletion"), 0);

    b.kill9();
    ns.stop().await;
    drop(fs);
}
