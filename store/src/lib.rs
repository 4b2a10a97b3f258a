//! The CometMQ storage engine: CommitLog, ConsumeQueue, IndexFile, flush, recovery and
//! retention in Apache RocketMQ's on-disk layout.

pub mod checkpoint;
pub mod clock;
mod commit_log;
pub mod config;
pub mod consume_queue;
pub mod error;
mod index;
pub mod index_file;
mod mmap;
mod queues;
mod record;
mod run_guard;
mod segment;
mod segment_list;
mod statvfs;
pub mod status;

pub use clock::{Clock, DiskUsage, StatvfsDiskUsage, SystemClock};
pub use config::{FlushDiskType, StoreConfig};
pub use error::{Result, StoreError};
pub use status::{Appended, GetResult, GetStatus, PutResult, PutStatus, QueryResult};
