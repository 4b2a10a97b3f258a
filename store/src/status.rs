//! Outcomes of appends and reads, named after Java's `PutMessageStatus` and
//! `GetMessageStatus` so the broker can map them to response codes in one place.

use bytes::Bytes;

/// Outcome of an append (Java `PutMessageStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PutStatus {
    /// `PUT_OK`: stored (and, under SYNC_FLUSH, on disk).
    PutOk,
    /// `FLUSH_DISK_TIMEOUT`: stored, but the SYNC_FLUSH fsync did not confirm within
    /// `syncFlushTimeout` (or failed).
    FlushDiskTimeout,
    /// `FLUSH_SLAVE_TIMEOUT`: stored, but no slave acknowledged it within
    /// `syncFlushTimeout` (SYNC_MASTER).
    FlushSlaveTimeout,
    /// `SLAVE_NOT_AVAILABLE`: stored, but no slave is connected or the slave lags more
    /// than `haSlaveFallbehindMax` (SYNC_MASTER).
    SlaveNotAvailable,
    /// `CREATE_MAPEDFILE_FAILED`: the next CommitLog file could not be created.
    CreateMappedFileFailed,
    /// `MESSAGE_ILLEGAL`: not a valid record, or too large (`maxMessageSize`, file size).
    MessageIllegal,
    /// `PROPERTIES_SIZE_EXCEEDED`: properties longer than 32767 bytes.
    PropertiesSizeExceeded,
    /// `SERVICE_NOT_AVAILABLE`: the store is shutting down or a write failed.
    ServiceNotAvailable,
    /// Disk use at or above `diskSpaceWarningLevelRatio`: nothing was written. Java
    /// reports SERVICE_NOT_AVAILABLE with a "disk full" remark.
    DiskFull,
}

impl PutStatus {
    /// The Java enum constant name.
    pub fn java_name(self) -> &'static str {
        match self {
            PutStatus::PutOk => "PUT_OK",
            PutStatus::FlushDiskTimeout => "FLUSH_DISK_TIMEOUT",
            PutStatus::FlushSlaveTimeout => "FLUSH_SLAVE_TIMEOUT",
            PutStatus::SlaveNotAvailable => "SLAVE_NOT_AVAILABLE",
            PutStatus::CreateMappedFileFailed => "CREATE_MAPEDFILE_FAILED",
            PutStatus::MessageIllegal => "MESSAGE_ILLEGAL",
            PutStatus::PropertiesSizeExceeded => "PROPERTIES_SIZE_EXCEEDED",
            PutStatus::ServiceNotAvailable | PutStatus::DiskFull => "SERVICE_NOT_AVAILABLE",
        }
    }

    /// Whether the message was written (PUT_OK, or a FLUSH_DISK_TIMEOUT,
    /// FLUSH_SLAVE_TIMEOUT or SLAVE_NOT_AVAILABLE that still stored it).
    pub fn is_stored(self) -> bool {
        matches!(
            self,
            PutStatus::PutOk
                | PutStatus::FlushDiskTimeout
                | PutStatus::FlushSlaveTimeout
                | PutStatus::SlaveNotAvailable
        )
    }
}

/// Where an append landed (Java `AppendMessageResult`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Appended {
    /// CommitLog offset of the first record.
    pub phys_offset: i64,
    /// Bytes written (all records of a batch).
    pub wrote_bytes: usize,
    /// Queue offset of the first record (0 for PREPARED/ROLLBACK records, which do not
    /// enter a ConsumeQueue).
    pub queue_offset: i64,
    /// Records written.
    pub msg_count: usize,
    /// STORETIMESTAMP stamped into the records.
    pub store_timestamp: i64,
}

impl Appended {
    /// CommitLog offset just past the last record.
    pub fn end_offset(&self) -> i64 {
        self.phys_offset + self.wrote_bytes as i64
    }
}

/// Result of an append: a status, and where it landed when [`PutStatus::is_stored`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PutResult {
    /// Outcome.
    pub status: PutStatus,
    /// Placement of a stored append.
    pub appended: Option<Appended>,
}

impl PutResult {
    pub(crate) fn failed(status: PutStatus) -> Self {
        PutResult {
            status,
            appended: None,
        }
    }
}

/// Outcome of a read by queue offset (Java `GetMessageStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GetStatus {
    /// `FOUND`: at least one message.
    Found,
    /// `NO_MATCHED_MESSAGE`: entries were scanned but none passed the filter.
    NoMatchedMessage,
    /// `MESSAGE_WAS_REMOVING`: the CommitLog data was deleted under the entries.
    MessageWasRemoving,
    /// `OFFSET_FOUND_NULL`: the ConsumeQueue file holding the offset went away during
    /// the read — retention or the topic's deletion removed it after the read checked
    /// the queue's bounds. `next_begin_offset` is the next file's first offset. Not
    /// reachable otherwise: a queue's files are contiguous and its min offset moves
    /// with its first file, so an offset within the bounds always has its file.
    OffsetFoundNull,
    /// `OFFSET_OVERFLOW_BADLY`: offset > max offset.
    OffsetOverflowBadly,
    /// `OFFSET_OVERFLOW_ONE`: offset == max offset (nothing new yet).
    OffsetOverflowOne,
    /// `OFFSET_TOO_SMALL`: offset < min offset.
    OffsetTooSmall,
    /// `NO_MATCHED_LOGIC_QUEUE`: the queue does not exist.
    NoMatchedLogicQueue,
    /// `NO_MESSAGE_IN_QUEUE`: the queue exists but is empty.
    NoMessageInQueue,
}

impl GetStatus {
    /// The Java enum constant name (the PULL response `remark`).
    pub fn java_name(self) -> &'static str {
        match self {
            GetStatus::Found => "FOUND",
            GetStatus::NoMatchedMessage => "NO_MATCHED_MESSAGE",
            GetStatus::MessageWasRemoving => "MESSAGE_WAS_REMOVING",
            GetStatus::OffsetFoundNull => "OFFSET_FOUND_NULL",
            GetStatus::OffsetOverflowBadly => "OFFSET_OVERFLOW_BADLY",
            GetStatus::OffsetOverflowOne => "OFFSET_OVERFLOW_ONE",
            GetStatus::OffsetTooSmall => "OFFSET_TOO_SMALL",
            GetStatus::NoMatchedLogicQueue => "NO_MATCHED_LOGIC_QUEUE",
            GetStatus::NoMessageInQueue => "NO_MESSAGE_IN_QUEUE",
        }
    }
}

/// Result of [`crate::MessageStore::get_messages`].
#[derive(Debug, Clone)]
pub struct GetResult {
    /// Outcome.
    pub status: GetStatus,
    /// Offset to read from next (see reference §3.4 for each status).
    pub next_begin_offset: i64,
    /// The queue's min offset.
    pub min_offset: i64,
    /// The queue's max offset (one past the last message).
    pub max_offset: i64,
    /// The records, each a zero-copy view of the CommitLog, in queue order.
    pub messages: Vec<Bytes>,
    /// Queue offset of each record in `messages`.
    pub queue_offsets: Vec<i64>,
    /// Sum of the records' sizes.
    pub total_size: usize,
    /// The last entry scanned lies further behind the CommitLog's end than
    /// `accessMessageInMemoryMaxRatio` of memory: the consumer lags, and its reads
    /// come from disk (Java `GetMessageResult.suggestPullingFromSlave`). The broker
    /// then suggests the group's `whichBrokerWhenConsumeSlowly` (with
    /// `slaveReadEnable`). False when no entry was scanned.
    pub suggest_pulling_from_slave: bool,
}

/// Result of [`crate::MessageStore::query_by_key`].
#[derive(Debug, Clone, Default)]
pub struct QueryResult {
    /// Matching records, newest first, each a zero-copy view of the CommitLog.
    pub messages: Vec<Bytes>,
    /// End timestamp of the newest IndexFile (QueryMessageResponseHeader).
    pub index_last_update_timestamp: i64,
    /// End CommitLog offset of the newest IndexFile.
    pub index_last_update_phy_offset: i64,
}
