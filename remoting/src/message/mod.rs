//! Stored-record layout, properties, batches and message ids (reference §5).
