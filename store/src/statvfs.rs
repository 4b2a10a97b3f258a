//! `statvfs(2)`, the one libc call of the crate (std has no wrapper).
#![allow(unsafe_code)]

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// Used / total blocks of the file system holding `path` (what `df` shows), or `None`.
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
    let total = st.f_blocks as f64;
    if total <= 0.0 {
        return None;
    }
    let free = st.f_bavail as f64;
    Some(((total - free) / total).clamp(0.0, 1.0))
}

#[cfg(test)]
mod tests {
    #[test]
    fn tmp_has_a_ratio() {
        let r = super::used_ratio(&std::env::temp_dir()).unwrap();
        assert!((0.0..=1.0).contains(&r));
        assert!(super::used_ratio(std::path::Path::new("/no/such/dir")).is_none());
    }
}
