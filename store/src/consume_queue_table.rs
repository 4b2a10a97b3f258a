//! The table of ConsumeQueues, `consumequeue/<topic>/<queueId>/`.
//!
//! Concurrency: a `RwLock` over `topic → queueId → Arc<ConsumeQueue>`, held only for
//! lookups and inserts; queues are used after the lock is released.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use parking_lot::RwLock;

use crate::consume_queue::ConsumeQueue;
use crate::error::{IoContext, Result};

type Table = HashMap<String, HashMap<i32, Arc<ConsumeQueue>>>;

/// All ConsumeQueues.
#[derive(Debug)]
pub(crate) struct ConsumeQueueTable {
    dir: PathBuf,
    file_size: usize,
    table: RwLock<Table>,
}

impl ConsumeQueueTable {
    /// Loads and recovers every queue under `dir` against the CommitLog end `log_end`.
    pub(crate) fn load(dir: &Path, file_size: usize, log_end: i64) -> Result<ConsumeQueueTable> {
        let mut table = Table::new();
        if dir.exists() {
            for topic in std::fs::read_dir(dir).at(dir)? {
                let topic = topic.at(dir)?;
                let Some(name) = topic.file_name().to_str().map(str::to_owned) else {
                    continue;
                };
                if !topic.path().is_dir() {
                    continue;
                }
                for q in std::fs::read_dir(topic.path()).at(topic.path())? {
                    let q = q.at(topic.path())?;
                    let Some(id) = q.file_name().to_str().and_then(|s| s.parse::<i32>().ok())
                    else {
                        continue;
                    };
                    let cq = ConsumeQueue::load(dir, &name, id, file_size, log_end)?;
                    table
                        .entry(name.clone())
                        .or_default()
                        .insert(id, Arc::new(cq));
                }
            }
        }
        Ok(ConsumeQueueTable {
            dir: dir.to_path_buf(),
            file_size,
            table: RwLock::new(table),
        })
    }

    /// The queue, if it exists.
    pub(crate) fn get(&self, topic: &str, queue_id: i32) -> Option<Arc<ConsumeQueue>> {
        let t = self.table.read();
        t.get(topic)?.get(&queue_id).cloned()
    }

    /// The queue, created empty (no files yet) if missing.
    pub(crate) fn get_or_create(&self, topic: &str, queue_id: i32) -> Arc<ConsumeQueue> {
        if let Some(q) = self.get(topic, queue_id) {
            return q;
        }
        let mut t = self.table.write();
        let queues = t.entry(topic.to_owned()).or_default();
        Arc::clone(queues.entry(queue_id).or_insert_with(|| {
            Arc::new(ConsumeQueue::new(
                &self.dir,
                topic,
                queue_id,
                self.file_size,
            ))
        }))
    }

    /// Removes every queue of `topic` from the table and returns them (their files
    /// stay until [`ConsumeQueue::destroy`]).
    pub(crate) fn remove_topic(&self, topic: &str) -> Vec<Arc<ConsumeQueue>> {
        let mut t = self.table.write();
        t.remove(topic)
            .map(|qs| qs.into_values().collect())
            .unwrap_or_default()
    }

    /// Every queue.
    pub(crate) fn all(&self) -> Vec<Arc<ConsumeQueue>> {
        let t = self.table.read();
        t.values().flat_map(|q| q.values().cloned()).collect()
    }

    /// `topic → queueId → max offset`, for the appender's offset table.
    pub(crate) fn max_offsets(&self) -> HashMap<String, HashMap<i32, i64>> {
        let mut out: HashMap<String, HashMap<i32, i64>> = HashMap::new();
        for q in self.all() {
            out.entry(q.topic().to_owned())
                .or_default()
                .insert(q.queue_id(), q.max_offset());
        }
        out
    }
}
