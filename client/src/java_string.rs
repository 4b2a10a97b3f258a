//! The few Java semantics the client must reproduce to agree with Java clients in the same
//! group: string ordering (`String.compareTo`) and `hashCode()`.
//!
//! Every consumer of a group computes its share of queues on its own, so a Rust consumer must
//! sort queues and client ids exactly as a Java consumer does, and a Rust producer using
//! [`SelectByHash`](crate::producer::SelectByHash) must pick the same queue as a Java producer
//! for the same key, or ordered messages would interleave across queues.

pub use cometmq_remoting::message::java_string_hash;

/// Java's `String.compareTo`: lexicographic over UTF-16 code units.
///
/// Equals byte order for ASCII (all topic names, and broker names and client ids in
/// practice); differs from Rust's `str` order only for characters outside the BMP.
pub use cometmq_remoting::body::client::java_cmp;

/// A value with Java's `hashCode()`, used by [`SelectByHash`](crate::producer::SelectByHash)
/// so Rust and Java producers send the same key to the same queue.
///
/// ```
/// use cometmq_client::JavaHashCode;
/// assert_eq!("TagA".java_hash_code(), 2598919);
/// assert_eq!(7i32.java_hash_code(), 7);
/// assert_eq!((-1i64).java_hash_code(), 0); // Long.hashCode(-1) = (int)(v ^ v >>> 32)
/// ```
pub trait JavaHashCode {
    /// The value of `hashCode()` of the equivalent Java object.
    fn java_hash_code(&self) -> i32;
}

impl JavaHashCode for str {
    fn java_hash_code(&self) -> i32 {
        java_string_hash(self)
    }
}

impl JavaHashCode for String {
    fn java_hash_code(&self) -> i32 {
        java_string_hash(self)
    }
}

impl JavaHashCode for i32 {
    /// `Integer.hashCode`: the value itself.
    fn java_hash_code(&self) -> i32 {
        *self
    }
}

impl JavaHashCode for u32 {
    /// As a Java `int` holding the same bits.
    fn java_hash_code(&self) -> i32 {
        *self as i32
    }
}

impl JavaHashCode for i64 {
    /// `Long.hashCode`: `(int)(value ^ (value >>> 32))`.
    fn java_hash_code(&self) -> i32 {
        let v = *self as u64;
        (v ^ (v >> 32)) as i32
    }
}

impl JavaHashCode for u64 {
    /// As a Java `long` holding the same bits.
    fn java_hash_code(&self) -> i32 {
        (*self as i64).java_hash_code()
    }
}

impl JavaHashCode for bool {
    /// `Boolean.hashCode`: 1231 for true, 1237 for false.
    fn java_hash_code(&self) -> i32 {
        if *self {
            1231
        } else {
            1237
        }
    }
}

impl<T: JavaHashCode + ?Sized> JavaHashCode for &T {
    fn java_hash_code(&self) -> i32 {
        (**self).java_hash_code()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_codes_like_java() {
        assert_eq!("".java_hash_code(), 0);
        assert_eq!(String::from("hello").java_hash_code(), 99162322);
        assert_eq!((-5i32).java_hash_code(), -5);
        assert_eq!(0x1_0000_0001i64.java_hash_code(), 0);
        assert_eq!(0x1_0000_0000i64.java_hash_code(), 1);
        assert_eq!(u32::MAX.java_hash_code(), -1);
        assert_eq!(true.java_hash_code(), 1231);
        assert_eq!(false.java_hash_code(), 1237);
    }
}
