//! Config text: Java `.properties` (config files, GET/UPDATE_BROKER_CONFIG and
//! UPDATE_NAMESRV_CONFIG bodies) and the broker and NameServer loaders on top of it.

use cometmq_broker::config::BrokerConfig;
use cometmq_namesrv::NamesrvConfig;
use cometmq_remoting::java_properties;

/// Properties text; the pairs it yields render to text that parses to the same pairs.
pub fn java_properties(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let Ok(pairs) = java_properties::parse(&text) else {
        return;
    };
    let rendered = java_properties::render(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    assert_eq!(
        java_properties::parse(&rendered).ok(),
        Some(pairs),
        "properties changed on a round trip through {rendered:?}"
    );
}

/// A `broker.conf` applied over the defaults, then the values derived from it.
pub fn broker_config(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut config = BrokerConfig::default();
    let path = std::path::Path::new("broker.conf");
    if cometmq_broker::config::RULES
        .apply_text(&mut config, &text, path)
        .is_ok()
    {
        let _ = config.validate();
        let _ = config.namesrv_addrs();
        let _ = (
            config.ha_port(),
            config.fast_port(),
            config.store.commit_log_dir(),
            config.store.retention_settings(),
        );
        let _ = config.important_entries();
    }
}

/// A NameServer properties file applied over the defaults.
pub fn namesrv_config(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut config = NamesrvConfig::default();
    let Ok(pairs) = java_properties::parse(&text) else {
        return;
    };
    if config.apply(&pairs).is_ok() {
        let _ = (config.broker_expired(), config.scan_interval());
    }
}
