//! The CometMQ NameServer: broker registry, topic routes and KV config. (Built in a later issue.)
