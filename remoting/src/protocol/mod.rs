//! The frame layout and header codecs (reference §1.1–§1.3).

pub mod body;
