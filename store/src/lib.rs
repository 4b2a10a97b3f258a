//! The CometMQ storage engine: CommitLog, ConsumeQueue, IndexFile, flush, recovery and
//! retention in Apache RocketMQ's on-disk layout (reference §5–§6), so a store
//! directory written by the Java broker opens here and vice versa.
//!
//! Start with [`MessageStore::open`]. Records are encoded by the broker with
//! `cometmq_remoting::message::encode_record` and appended as bytes; the store stamps
//! offsets and times into them, builds the ConsumeQueues and the IndexFile in the
//! background ([`MessageStore::subscribe_growth`] announces new messages), and serves
//! reads as zero-copy `Bytes` views of the mapped CommitLog.
//!
//! Layout of the crate, one concept per module:
//! - [`mmap`](self) (private): the only `unsafe` code — shared maps with a
//!   published/immutable prefix and a single writer.
//! - `segment`, `segment_list`: fixed-size files named by offset, and their sequence.
//! - `commit_log`, `flush`: appends (one writer), group commit on a dedicated thread;
//!   `durability`: the one place an append waits for the fsync and for a slave;
//!   `prealloc`: the next CommitLog file, prepared in the background.
//! - [`consume_queue`], `queues`, [`index_file`], `index`, `dispatch`: derived indexes.
//! - [`checkpoint`], `run_guard` (lock/abort files), `recovery`, `retention`,
//!   `disk_space` (the disk-full mark), [`forced_loss`] (what a forced deletion
//!   destroyed); [`log_throttle`] for warnings that repeat.
//! - `read`: reads by queue offset, key and time; `store`: [`MessageStore`].
//! - [`ha`]: master/slave replication (the HA stream, and the slaves' acknowledgements
//!   that `durability` waits for under SYNC_MASTER).

pub mod checkpoint;
pub mod clock;
mod commit_log;
pub mod config;
pub mod consume_queue;
mod disk_space;
mod dispatch;
mod durability;
pub mod error;
mod flush;
pub mod forced_loss;
pub mod ha;
mod index;
pub mod index_file;
pub mod log_throttle;
mod mmap;
mod prealloc;
mod queues;
mod read;
mod recovery;
pub mod retention;
mod run_guard;
mod segment;
mod segment_list;
mod shared;
mod signal;
pub mod status;
mod statvfs;
mod store;
mod topic_delete;
mod validate;

pub use clock::{Clock, DiskUsage, StatvfsDiskUsage, SystemClock};
pub use config::{FlushDiskType, FlushSettings, RetentionSettings, StoreConfig};
pub use error::{Result, StoreError};
pub use forced_loss::{ConsumerProgress, ForcedLoss, LostRange};
pub use read::{AcceptAll, MessageFilter};
pub use retention::RetentionReport;
pub use status::{Appended, GetResult, GetStatus, PutResult, PutStatus, QueryResult};
pub use store::{MessageStore, PutOptions};
