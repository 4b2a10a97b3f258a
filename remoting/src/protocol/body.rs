//! [`Body`]: a command body as one or more `Bytes` chunks, so a pull response can carry
//! several CommitLog slices without copying them together.

use bytes::{Bytes, BytesMut};

/// A command body. Decoded bodies are one chunk; bodies built from the store may be many.
#[derive(Debug, Clone, Default)]
pub enum Body {
    /// No body.
    #[default]
    Empty,
    /// One contiguous chunk.
    One(Bytes),
    /// Several chunks sent back to back.
    Many(Vec<Bytes>),
}

impl Body {
    /// Total length in bytes.
    pub fn len(&self) -> usize {
        match self {
            Body::Empty => 0,
            Body::One(b) => b.len(),
            Body::Many(v) => v.iter().map(Bytes::len).sum(),
        }
    }

    /// True when there are no bytes.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The chunks, in order.
    pub fn chunks(&self) -> &[Bytes] {
        match self {
            Body::Empty => &[],
            Body::One(b) => std::slice::from_ref(b),
            Body::Many(v) => v,
        }
    }

    /// The whole body as one `Bytes`: free for zero or one chunk, a copy for several.
    pub fn to_bytes(&self) -> Bytes {
        match self {
            Body::Empty => Bytes::new(),
            Body::One(b) => b.clone(),
            Body::Many(v) => {
                let mut out = BytesMut::with_capacity(self.len());
                for c in v {
                    out.extend_from_slice(c);
                }
                out.freeze()
            }
        }
    }
}

impl PartialEq for Body {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.to_bytes() == other.to_bytes()
    }
}

impl From<Bytes> for Body {
    fn from(b: Bytes) -> Self {
        if b.is_empty() {
            Body::Empty
        } else {
            Body::One(b)
        }
    }
}

impl From<Vec<u8>> for Body {
    fn from(v: Vec<u8>) -> Self {
        Body::from(Bytes::from(v))
    }
}

impl From<&'static [u8]> for Body {
    fn from(v: &'static [u8]) -> Self {
        Body::from(Bytes::from_static(v))
    }
}

impl From<Vec<Bytes>> for Body {
    fn from(v: Vec<Bytes>) -> Self {
        let v: Vec<Bytes> = v.into_iter().filter(|b| !b.is_empty()).collect();
        match v.len() {
            0 => Body::Empty,
            1 => Body::One(v.into_iter().next().unwrap_or_default()),
            _ => Body::Many(v),
        }
    }
}
