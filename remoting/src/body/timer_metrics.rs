//! GET_TIMER_METRICS's body and the broker's `config/timermetrics` file (Java
//! `TimerMetrics.TimerMetricsSerializeWrapper`):
//! `{"dataVersion":{…},"timingCount":{"<topic>":{"count":n,"timeStamp":ms}}}`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::DataVersion;

/// One topic's pending timers (Java `TimerMetrics.Metric`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TimerMetric {
    /// Timers pending.
    pub count: i64,
    /// Last change, ms since the epoch.
    pub time_stamp: i64,
}

/// Pending timers per real topic.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TimerMetricsSerializeWrapper {
    /// Bumped on every save.
    pub data_version: DataVersion,
    /// Real topic → pending timers.
    pub timing_count: BTreeMap<String, TimerMetric>,
}
