//! The CometMQ broker: request processors over the store. (Built in a later issue.)
