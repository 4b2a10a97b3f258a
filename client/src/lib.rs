//! The CometMQ Rust client: producers, consumers, rebalance and admin API. (Built in a later issue.)
