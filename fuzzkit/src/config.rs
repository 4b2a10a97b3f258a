//! Config text: Java `.properties` (config files, GET/UPDATE_BROKER_CONFIG and
//! UPDATE_NAMESRV_CONFIG bodies) and the broker and NameServer loaders on top of it.

use cometmq_broker::config::BrokerConfig;
use cometmq_namesrv::NamesrvConfig;
use cometmq_remoting::java_properties;

/// Properties text; the pairs it yields render to text that parses to the same pairs.
pub fn java_properties(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let pairs = java_properties::parse(&text);
    let rendered = java_properties::render(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    assert_eq!(
        java_properties::parse(&rendered),
        pairs,
        "properties changed on a round trip through {rendered:?}"
    );
}

/// A `broker.conf` applied over the defaults, then the values derived from it.
pub fn broker_config(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut config = BrokerConfig::default();
    if config.apply(&text).is_ok() {
        let _ = config.delay_levels_ms();
        let _ = config.namesrv_addrs();
        let _ = (
            config.ha_port(),
            config.fast_port(),
            config.commit_log_dir(),
        );
        let _ = config.important_entries();
    }
}

/// A NameServer properties file applied over the defaults.
pub fn namesrv_config(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut config = NamesrvConfig::default();
    if config.apply(&java_properties::parse(&text)).is_ok() {
        let _ = (config.broker_expired(), config.scan_interval());
    }
}
