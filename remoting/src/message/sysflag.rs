//! Message sysFlag bits (reference §5.3, Java `MessageSysFlag`) and pull sysFlag bits
//! (Java `PullSysFlag`, in [`pull`]).
//!
//! The message sysFlag is the SYSFLAG field of a stored record and of SEND_MESSAGE
//! headers: it says whether the body is compressed (and how), the transaction state, and
//! whether the born/store hosts are IPv6 (which changes the record layout).

/// Bit 0: the stored body is compressed (see the type bits, [`COMPRESSION_TYPE_MASK`]).
pub const COMPRESSED: i32 = 0x1;
/// Bit 1: the topic filter type is MULTI_TAG.
pub const MULTI_TAGS: i32 = 0x2;
/// Transaction type: not transactional.
pub const TRANSACTION_NOT_TYPE: i32 = 0;
/// Transaction type: half (prepared) message.
pub const TRANSACTION_PREPARED_TYPE: i32 = 0x4;
/// Transaction type: commit record.
pub const TRANSACTION_COMMIT_TYPE: i32 = 0x8;
/// Transaction type: rollback record.
pub const TRANSACTION_ROLLBACK_TYPE: i32 = 0xC;
/// Mask of the two transaction-type bits (equal to [`TRANSACTION_ROLLBACK_TYPE`]).
pub const TRANSACTION_MASK: i32 = 0xC;
/// Bit 4: BORNHOST is IPv6 (20 bytes instead of 8 in the record).
pub const BORNHOST_V6: i32 = 0x10;
/// Bit 5: STOREHOSTADDRESS is IPv6 (20 bytes instead of 8 in the record).
pub const STOREHOST_V6: i32 = 0x20;
/// Bit 6: the body is an inner batch that must be unwrapped (5.x).
pub const NEED_UNWRAP: i32 = 0x40;
/// Bit 7: the record holds an inner batch (5.x).
pub const INNER_BATCH: i32 = 0x80;
/// Bits 8–10: compression type; 0 and 3 mean zlib, 1 LZ4, 2 ZSTD.
pub const COMPRESSION_TYPE_MASK: i32 = 0x700;
/// Compression type bits for LZ4.
pub const COMPRESSION_LZ4_TYPE: i32 = 0x100;
/// Compression type bits for ZSTD.
pub const COMPRESSION_ZSTD_TYPE: i32 = 0x200;
/// Compression type bits for zlib as written by 5.x producers (older ones leave 0).
pub const COMPRESSION_ZLIB_TYPE: i32 = 0x300;

/// The transaction type bits of `flag` (one of the `TRANSACTION_*_TYPE` values).
pub const fn transaction_value(flag: i32) -> i32 {
    flag & TRANSACTION_MASK
}

/// `flag` with its transaction type replaced by `ty` (a `TRANSACTION_*_TYPE` value).
pub const fn reset_transaction_value(flag: i32, ty: i32) -> i32 {
    (flag & !TRANSACTION_MASK) | (ty & TRANSACTION_MASK)
}

/// `flag` with [`COMPRESSED`] cleared, as clients do after decompressing a body.
pub const fn clear_compressed(flag: i32) -> i32 {
    flag & !COMPRESSED
}

/// Whether any bit of `bits` is set in `flag` (Java `MessageSysFlag.check`).
pub const fn check(flag: i32, bits: i32) -> bool {
    flag & bits != 0
}

/// `flag` with `bits` set.
pub const fn set(flag: i32, bits: i32) -> i32 {
    flag | bits
}

/// `flag` with `bits` cleared.
pub const fn clear(flag: i32, bits: i32) -> i32 {
    flag & !bits
}

/// The compression type number in bits 8–10 (0..=7; 0 and 3 = zlib, 1 = LZ4, 2 = ZSTD).
pub const fn compression_type_value(flag: i32) -> i32 {
    (flag & COMPRESSION_TYPE_MASK) >> 8
}

/// Pull request sysFlag bits (Java `PullSysFlag`), sent in PULL_MESSAGE headers.
pub mod pull {
    /// The request carries a consumer offset to commit.
    pub const COMMIT_OFFSET: i32 = 0x1;
    /// The broker may hold (long-poll) the request when no message is available.
    pub const SUSPEND: i32 = 0x2;
    /// The request carries a subscription expression.
    pub const SUBSCRIPTION: i32 = 0x4;
    /// Class filter mode (removed in 5.x).
    pub const CLASS_FILTER: i32 = 0x8;
    /// Lite pull consumer.
    pub const LITE_PULL: i32 = 0x10;

    /// Builds a pull sysFlag from its four classic bits (Java `buildSysFlag`).
    pub const fn build(
        commit_offset: bool,
        suspend: bool,
        subscription: bool,
        class_filter: bool,
    ) -> i32 {
        let mut flag = 0;
        if commit_offset {
            flag |= COMMIT_OFFSET;
        }
        if suspend {
            flag |= SUSPEND;
        }
        if subscription {
            flag |= SUBSCRIPTION;
        }
        if class_filter {
            flag |= CLASS_FILTER;
        }
        flag
    }

    /// `flag` without [`COMMIT_OFFSET`] (the broker clears it when it must not commit).
    pub const fn clear_commit_offset(flag: i32) -> i32 {
        flag & !COMMIT_OFFSET
    }

    /// Whether [`COMMIT_OFFSET`] is set.
    pub const fn has_commit_offset(flag: i32) -> bool {
        flag & COMMIT_OFFSET != 0
    }

    /// Whether [`SUSPEND`] is set.
    pub const fn has_suspend(flag: i32) -> bool {
        flag & SUSPEND != 0
    }

    /// Whether [`SUBSCRIPTION`] is set.
    pub const fn has_subscription(flag: i32) -> bool {
        flag & SUBSCRIPTION != 0
    }

    /// Whether [`CLASS_FILTER`] is set.
    pub const fn has_class_filter(flag: i32) -> bool {
        flag & CLASS_FILTER != 0
    }

    /// Whether [`LITE_PULL`] is set.
    pub const fn has_lite_pull(flag: i32) -> bool {
        flag & LITE_PULL != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transaction_bits() {
        let f = set(COMPRESSED, TRANSACTION_PREPARED_TYPE);
        assert_eq!(transaction_value(f), TRANSACTION_PREPARED_TYPE);
        let f = reset_transaction_value(f, TRANSACTION_COMMIT_TYPE);
        assert_eq!(transaction_value(f), TRANSACTION_COMMIT_TYPE);
        assert!(check(f, COMPRESSED));
        assert_eq!(clear_compressed(f), TRANSACTION_COMMIT_TYPE);
        assert_eq!(
            compression_type_value(COMPRESSION_ZLIB_TYPE | COMPRESSED),
            3
        );
    }

    #[test]
    fn pull_bits() {
        let f = pull::build(true, true, true, false);
        assert_eq!(f, 0x7);
        assert!(pull::has_suspend(f) && !pull::has_class_filter(f));
        assert_eq!(pull::clear_commit_offset(f), 0x6);
    }
}
