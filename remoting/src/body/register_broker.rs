//! [`RegisterBrokerBody`]: the REGISTER_BROKER request body, as JSON or in the zlib-compressed
//! layout brokers send with `compressedRegister=true` (reference §3.9).

use std::io::{Read, Write};

use flate2::read::ZlibDecoder;
use flate2::write::ZlibEncoder;
use flate2::Compression;
use serde::{Deserialize, Serialize};

use super::fastjson::{self, JsonStyle};
use super::topic_config::{TopicConfig, TopicConfigSerializeWrapper};
use super::BodyError;
use crate::code::version;

/// A decompressed body larger than this is refused (a broker with 100 000 topics needs ~10 MiB).
const MAX_INFLATED: u64 = 256 << 20;

/// `{"filterServerList":[…],"topicConfigSerializeWrapper":{…}}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RegisterBrokerBody {
    /// Filter server addresses (always empty with current brokers).
    pub filter_server_list: Vec<String>,
    /// The broker's topics and their data version.
    pub topic_config_serialize_wrapper: TopicConfigSerializeWrapper,
}

impl RegisterBrokerBody {
    /// Decodes a body sent by a broker of MQVersion `broker_version` with the header's
    /// `compressed` flag. Brokers older than V3_0_11 send a bare TopicConfigSerializeWrapper.
    pub fn decode(body: &[u8], compressed: bool, broker_version: i32) -> Result<Self, BodyError> {
        if compressed {
            return Self::decode_compressed(body, broker_version);
        }
        if broker_version < version::V3_0_11 {
            return Ok(RegisterBrokerBody {
                filter_server_list: Vec::new(),
                topic_config_serialize_wrapper: fastjson::from_slice(body)?,
            });
        }
        fastjson::from_slice(body)
    }

    /// Encodes as JSON or, with `compress`, in Java's zlib layout (for a V5 broker: with an
    /// empty static-topic mapping section).
    pub fn encode(&self, compress: bool) -> Result<Vec<u8>, BodyError> {
        if !compress {
            return fastjson::to_vec(self, JsonStyle::Legacy);
        }
        let wrapper = &self.topic_config_serialize_wrapper;
        let mut z = ZlibEncoder::new(Vec::new(), Compression::best());
        write_chunk(
            &mut z,
            &fastjson::to_vec(&wrapper.data_version, JsonStyle::Legacy)?,
        )?;
        write_len(&mut z, wrapper.topic_config_table.len())?;
        for topic in wrapper.topic_config_table.values() {
            write_chunk(&mut z, topic.encode_compact().as_bytes())?;
        }
        write_chunk(&mut z, &serde_json::to_vec(&self.filter_server_list)?)?;
        write_len(&mut z, 0)?;
        Ok(z.finish()?)
    }

    fn decode_compressed(body: &[u8], broker_version: i32) -> Result<Self, BodyError> {
        let mut raw = Vec::new();
        ZlibDecoder::new(body)
            .take(MAX_INFLATED)
            .read_to_end(&mut raw)
            .map_err(|e| BodyError::Invalid(format!("bad zlib stream: {e}")))?;
        let mut r = Chunks { rest: &raw };
        let mut out = RegisterBrokerBody::default();
        let wrapper = &mut out.topic_config_serialize_wrapper;
        wrapper.data_version = fastjson::from_slice(r.chunk("dataVersion")?)?;
        let topics = r.len("topic count")?;
        for _ in 0..topics {
            let text =
                std::str::from_utf8(r.chunk("topic config")?).map_err(|_| BodyError::NotUtf8)?;
            let topic = TopicConfig::decode_compact(text)?;
            wrapper
                .topic_config_table
                .insert(topic.topic_name.clone(), topic);
        }
        // Java logs and ignores a bad filter server list.
        out.filter_server_list =
            fastjson::from_slice(r.chunk("filterServerList")?).unwrap_or_default();
        if broker_version >= version::V5_0_0 {
            // Static-topic mappings: not served by CometMQ, but the lengths must be sane.
            for _ in 0..r.len("topic queue mapping count")? {
                r.chunk("topic queue mapping")?;
            }
        }
        Ok(out)
    }
}

fn write_len(w: &mut impl Write, len: usize) -> Result<(), BodyError> {
    let len = i32::try_from(len).map_err(|_| BodyError::Invalid("section too large".into()))?;
    Ok(w.write_all(&len.to_be_bytes())?)
}

fn write_chunk(w: &mut impl Write, bytes: &[u8]) -> Result<(), BodyError> {
    write_len(w, bytes.len())?;
    Ok(w.write_all(bytes)?)
}

/// Reads `i32 length + bytes` sections.
struct Chunks<'a> {
    rest: &'a [u8],
}

impl<'a> Chunks<'a> {
    fn len(&mut self, what: &str) -> Result<usize, BodyError> {
        let truncated = || BodyError::Invalid(format!("compressed body truncated at {what}"));
        let (head, rest) = self.rest.split_first_chunk::<4>().ok_or_else(truncated)?;
        self.rest = rest;
        usize::try_from(i32::from_be_bytes(*head))
            .map_err(|_| BodyError::Invalid(format!("negative length at {what}")))
    }

    fn chunk(&mut self, what: &str) -> Result<&'a [u8], BodyError> {
        let len = self.len(what)?;
        if len > self.rest.len() {
            return Err(BodyError::Invalid(format!(
                "compressed body truncated at {what}"
            )));
        }
        let (chunk, rest) = self.rest.split_at(len);
        self.rest = rest;
        Ok(chunk)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::body::DataVersion;

    fn body() -> RegisterBrokerBody {
        let mut b = RegisterBrokerBody::default();
        let w = &mut b.topic_config_serialize_wrapper;
        w.data_version = DataVersion {
            counter: 7,
            state_version: 0,
            timestamp: 1_700_000_000_000,
        };
        for (name, q) in [("TopicA", 8), ("TBW102", 4)] {
            w.topic_config_table
                .insert(name.into(), TopicConfig::new(name, q));
        }
        b
    }

    #[test]
    fn json_round_trip() {
        let json = body().encode(false).expect("encodes");
        assert!(json.starts_with(
            br#"{"filterServerList":[],"topicConfigSerializeWrapper":{"dataVersion":{"counter":7,"#
        ));
        assert_eq!(
            RegisterBrokerBody::decode(&json, false, version::V4_9_4).expect("decodes"),
            body()
        );
    }

    #[test]
    fn reads_what_a_java_5x_broker_sends() {
        let java = br#"{"filterServerList":[],"topicConfigSerializeWrapper":{"dataVersion":{"counter":3,"stateVersion":0,"timestamp":1700000000000},"mappingDataVersion":{"counter":0,"stateVersion":0,"timestamp":1700000000000},"topicConfigTable":{"TBW102":{"attributes":{},"order":false,"perm":7,"readQueueNums":8,"topicFilterType":"SINGLE_TAG","topicName":"TBW102","topicSysFlag":0,"writeQueueNums":8}},"topicQueueMappingDetailMap":{},"topicQueueMappingInfoMap":{}}}"#;
        let b = RegisterBrokerBody::decode(java, false, version::V5_3_3).expect("decodes");
        let w = &b.topic_config_serialize_wrapper;
        assert_eq!(w.data_version.counter, 3);
        assert_eq!(w.topic_config_table["TBW102"].perm, 7);
    }

    #[test]
    fn compressed_round_trip_for_4x_and_5x_brokers() {
        let z = body().encode(true).expect("encodes");
        assert_eq!(
            RegisterBrokerBody::decode(&z, true, version::V5_3_3).expect("5.x"),
            body()
        );
        // A 4.x broker's stream ends after the filter server list; trailing bytes are ignored.
        assert_eq!(
            RegisterBrokerBody::decode(&z, true, version::V4_9_4).expect("4.x"),
            body()
        );
    }

    #[test]
    fn old_brokers_send_a_bare_wrapper() {
        let json = fastjson::to_vec(&body().topic_config_serialize_wrapper, JsonStyle::Legacy)
            .expect("json");
        assert_eq!(
            RegisterBrokerBody::decode(&json, false, 20).expect("decodes"),
            body()
        );
    }

    #[test]
    fn garbage_is_an_error() {
        let z = body().encode(true).expect("encodes");
        for bad in [&b""[..], b"not zlib", &z[..z.len() / 2]] {
            assert!(RegisterBrokerBody::decode(bad, true, version::V5_3_3).is_err());
        }
        let mut e = ZlibEncoder::new(Vec::new(), Compression::fast());
        e.write_all(&(-1i32).to_be_bytes()).expect("write");
        let neg = e.finish().expect("finish");
        assert!(RegisterBrokerBody::decode(&neg, true, version::V5_3_3).is_err());
        assert!(RegisterBrokerBody::decode(b"{", false, version::V5_3_3).is_err());
    }
}
