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
//! - [`consume_queue`], `consume_queue_table`, [`index_file`], `message_index`, `dispatch`:
//!   derived indexes; `state`: what the store's threads share; `wakeup`: how they are woken.
//! - [`checkpoint`], `run_guard` (lock/abort files), `recovery`, `retention`,
//!   `disk_space` (the disk-full mark), [`disk_usage`] (its injectable source), [`forced_loss`] (what a forced deletion
//!   destroyed); [`log_throttle`] for warnings that repeat.
//! - `read`: reads by queue offset, key and time; `store`: [`MessageStore`].
//! - [`ha`]: master/slave replication (the HA stream, and the slaves' acknowledgements
//!   that `durability` waits for under SYNC_MASTER).

pub mod checkpoint;
mod commit_log;
pub mod config;
pub mod consume_queue;
mod consume_queue_table;
mod disk_space;
pub mod disk_usage;
mod dispatch;
mod durability;
pub mod error;
mod flush;
pub mod forced_loss;
pub mod ha;
pub mod index_file;
pub mod log_throttle;
mod message_index;
mod mmap;
mod prealloc;
mod read;
mod recovery;
pub mod retention;
mod run_guard;
mod segment;
mod segment_list;
mod state;
pub mod status;
mod statvfs;
mod store;
pub mod timer;
mod topic_delete;
mod validate;
mod wakeup;

pub use cometmq_remoting::clock::{Clock, SystemClock};
pub use config::{FlushDiskType, FlushSettings, RetentionSettings, StoreConfig};
pub use disk_usage::{DiskUsage, StatvfsDiskUsage};
pub use error::{Result, StoreError};
pub use forced_loss::{ConsumerProgress, ForcedLoss, LostRange};
pub use read::{AcceptAll, MessageFilter};
pub use retention::RetentionReport;
pub use status::{Appended, GetResult, GetStatus, PutResult, PutStatus, QueryResult};
pub use store::{MessageStore, PutOptions};
