//! JSON bodies shared by NameServer, broker and client (reference §4), written the way
//! RocketMQ's fastjson writes them and read leniently.
