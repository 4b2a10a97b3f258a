//! The CometMQ storage engine: CommitLog, ConsumeQueue, IndexFile, flush, recovery and HA stream
//! in Apache RocketMQ's on-disk layout. (Built in a later issue.)
