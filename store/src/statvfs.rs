//! `statvfs(2)`, the one libc call of the crate (std has no wrapper).
#![allow(unsafe_code)]

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// The used share of the file system holding `path`, as `df` and RocketMQ's
/// `UtilAll.getDiskPartitionSpaceUsedPercent` compute it: used / (used + available to
/// users), where used = total − free. Blocks reserved for root count as neither (a file
/// system with a large reserve would otherwise look full and have its CommitLog deleted).
pub(crate) fn used_ratio(path: &Path) -> Option<f64> {
    let c_path = CString::new(path.as_os_str().as_bytes()).ok()?;
    let mut st = std::mem::MaybeUninit::<libc::statvfs>::zeroed();
    // SAFETY: `c_path` is a valid NUL-terminated string and `st` points to writable
    // memory of the right type; statvfs only writes into it.
    let rc = unsafe { libc::statvfs(c_path.as_ptr(), st.as_mut_ptr()) };
    if rc != 0 {
        return None;
    }
    // SAFETY: statvfs returned 0, so it filled the struct (and it was zeroed anyway).
    let st = unsafe { st.assume_init() };
    let used = st.f_blocks.saturating_sub(st.f_bfree) as f64;
    let usable = used + st.f_bavail as f64;
    if usable <= 0.0 {
        return None;
    }
    Some((used / usable).clamp(0.0, 1.0))
}

#[cfg(test)]
mod tests {
    #[test]
    fn tmp_has_a_ratio() {
        let r = super::used_ratio(&std::env::temp_dir()).unwrap();
        assert!((0.0..=1.0).contains(&r));
        // What df prints as Use%, give or take the rounding and other writers.
        let df = std::process::Command::new("df")
            .arg("--output=pcent")
            .arg(std::env::temp_dir())
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&df.stdout);
        if let Some(pct) = text
            .lines()
            .nth(1)
            .and_then(|l| l.trim().trim_end_matches('%').parse::<f64>().ok())
        {
            assert!((r * 100.0 - pct).abs() <= 2.0, "ours {r}, df {pct}%");
        }
        assert!(super::used_ratio(std::path::Path::new("/no/such/dir")).is_none());
    }
}
