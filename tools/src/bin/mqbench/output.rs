//! What mqbench prints: a line a second (redrawn in place on a terminal, one line each
//! on a pipe), the first error of each side on stderr, and a JSON summary line per side.

use std::io::{IsTerminal, Write};
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::stats::{Histogram, LatencyMs, Side};

/// One side as the reporter sees it.
pub struct View {
    pub side: Arc<Side>,
    /// `send` or `recv`.
    label: &'static str,
    interval: Histogram,
    total: Histogram,
    last_ok: u64,
    error_shown: bool,
}

impl View {
    pub fn new(side: Arc<Side>, label: &'static str) -> Self {
        View {
            side,
            label,
            interval: Histogram::default(),
            total: Histogram::default(),
            last_ok: 0,
            error_shown: false,
        }
    }

    /// Drains the samples since the last call; returns this interval's part of the line.
    fn tick(&mut self, secs: f64) -> String {
        self.interval.drain(&self.side.latency);
        self.total.merge(&self.interval);
        let ok = self.side.ok.load(Relaxed);
        let tps = (ok - self.last_ok.min(ok)) as f64 / secs.max(1e-9);
        self.last_ok = ok;
        let l = self.interval.summary_ms();
        let what = if self.label == "send" { "" } else { "e2e " };
        format!(
            "{} {:>7.0} msg/s {what}avg {} p99 {} max {} ms, total {} failed {}",
            self.label,
            tps,
            ms(l.avg),
            ms(l.p99),
            ms(l.max),
            ok,
            self.side.failed.load(Relaxed),
        )
    }

    /// Everything recorded (after a last drain).
    pub fn finish(&mut self) -> LatencyMs {
        self.interval.drain(&self.side.latency);
        self.total.merge(&self.interval);
        self.total.summary_ms()
    }

    fn new_error(&mut self) -> Option<String> {
        if self.error_shown {
            return None;
        }
        let e = self.side.first_error()?;
        self.error_shown = true;
        Some(e)
    }
}

/// A latency for the per-second line: three significant figures or so.
fn ms(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// Prints the per-second lines.
pub struct Reporter {
    pub views: Vec<View>,
    tty: bool,
    start: Instant,
    last: Instant,
    drawn: bool,
}

impl Reporter {
    pub fn new(views: Vec<View>) -> Self {
        let now = Instant::now();
        Reporter {
            views,
            tty: std::io::stdout().is_terminal(),
            start: now,
            last: now,
            drawn: false,
        }
    }

    /// One report: a line per second of what happened since the last one.
    pub fn tick(&mut self) {
        let now = Instant::now();
        let secs = now.duration_since(self.last).as_secs_f64();
        self.last = now;
        let parts: Vec<String> = self.views.iter_mut().map(|v| v.tick(secs)).collect();
        let errors: Vec<(&'static str, String)> = self
            .views
            .iter_mut()
            .filter_map(|v| Some((v.label, v.new_error()?)))
            .collect();
        let elapsed = now.duration_since(self.start).as_secs_f64();
        let line = format!("[{elapsed:>6.1}s] {}", parts.join(" | "));
        let mut out = std::io::stdout().lock();
        if self.tty {
            if !errors.is_empty() && self.drawn {
                let _ = write!(out, "\r\x1b[2K");
                let _ = out.flush();
                self.drawn = false;
            }
            print_errors(&errors);
            // One line, cut to the terminal's width so that it never wraps.
            let width = terminal_size::terminal_size_of(std::io::stdout())
                .map_or(80, |(w, _)| usize::from(w.0));
            let cut = fit(&line, width.saturating_sub(1).max(10));
            let _ = write!(out, "\r\x1b[2K{cut}");
            self.drawn = true;
        } else {
            print_errors(&errors);
            let _ = writeln!(out, "{line}");
        }
        let _ = out.flush();
    }

    /// Ends the progress line and shows any error not shown yet.
    pub fn finish(&mut self) {
        if self.tty && self.drawn {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out);
            let _ = out.flush();
            self.drawn = false;
        }
        let errors: Vec<(&'static str, String)> = self
            .views
            .iter_mut()
            .filter_map(|v| Some((v.label, v.new_error()?)))
            .collect();
        print_errors(&errors);
    }
}

/// `line` cut to at most `width` characters.
fn fit(line: &str, width: usize) -> &str {
    match line.char_indices().nth(width) {
        Some((i, _)) => line.get(..i).unwrap_or(line),
        None => line,
    }
}

fn print_errors(errors: &[(&'static str, String)]) {
    for (label, e) in errors {
        let what = if *label == "send" { "send" } else { "pull" };
        eprintln!("mqbench: first {what} error: {e}");
    }
}

/// Rounds to 3 decimals for the JSON summary.
pub fn r3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

/// Throughput over `d`.
pub fn per_sec(n: u64, d: Duration) -> f64 {
    let s = d.as_secs_f64();
    if s > 0.0 {
        n as f64 / s
    } else {
        0.0
    }
}

/// A summary line: JSON with its keys in a fixed order (`mode` first).
#[derive(Debug, Clone, Default)]
pub struct Summary(Vec<(&'static str, Value)>);

impl Summary {
    /// Adds (or replaces) `key`.
    pub fn set(&mut self, key: &'static str, value: impl Into<Value>) -> &mut Self {
        let value = value.into();
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => *v = value,
            None => self.0.push((key, value)),
        }
        self
    }

    /// The value of `key`.
    #[cfg(test)]
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.iter().find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    /// Appends `other`'s keys.
    fn append(&mut self, other: Summary) {
        for (k, v) in other.0 {
            self.set(k, v);
        }
    }
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("{")?;
        for (i, (k, v)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{}:{v}", Value::from(*k))?;
        }
        f.write_str("}")
    }
}

/// The producer's summary line.
pub fn producer_summary(side: &Side, lat: LatencyMs, ran: Duration, extra: Summary) -> Summary {
    let sent = side.ok.load(Relaxed);
    let mut v = Summary::default();
    v.set("mode", "producer")
        .set("sent", sent)
        .set("failed", side.failed.load(Relaxed))
        .set("tps", r3(per_sec(sent, ran)))
        .set("avg_ms", r3(lat.avg))
        .set("p50_ms", r3(lat.p50))
        .set("p99_ms", r3(lat.p99))
        .set("p999_ms", r3(lat.p999))
        .set("max_ms", r3(lat.max))
        .set("duration_s", r3(ran.as_secs_f64()));
    finish(v, extra, side)
}

/// The consumer's summary line.
pub fn consumer_summary(side: &Side, lat: LatencyMs, ran: Duration, extra: Summary) -> Summary {
    let received = side.ok.load(Relaxed);
    let mut v = Summary::default();
    v.set("mode", "consumer")
        .set("received", received)
        .set("failed", side.failed.load(Relaxed))
        .set("tps", r3(per_sec(received, ran)))
        .set("e2e_avg_ms", r3(lat.avg))
        .set("e2e_p50_ms", r3(lat.p50))
        .set("e2e_p99_ms", r3(lat.p99))
        .set("e2e_p999_ms", r3(lat.p999))
        .set("e2e_max_ms", r3(lat.max))
        .set("duration_s", r3(ran.as_secs_f64()));
    finish(v, extra, side)
}

fn finish(mut v: Summary, extra: Summary, side: &Side) -> Summary {
    v.append(extra);
    if let Some(e) = side.first_error() {
        v.set("first_error", e);
    }
    v
}

/// Prints a summary as one JSON line.
pub fn print_summary(v: &Summary) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{v}");
    let _ = out.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_have_the_documented_keys() {
        let side = Side::default();
        side.ok.store(500, Relaxed);
        side.latency.record(1500);
        let mut view = View::new(Arc::new(side), "send");
        let lat = view.finish();
        let mut extra = Summary::default();
        extra.set("threads", 4);
        let p = producer_summary(&view.side, lat, Duration::from_secs(2), extra);
        for k in [
            "mode",
            "sent",
            "failed",
            "tps",
            "avg_ms",
            "p50_ms",
            "p99_ms",
            "max_ms",
            "duration_s",
        ] {
            assert!(p.get(k).is_some(), "{k} missing in {p}");
        }
        assert_eq!(p.get("tps"), Some(&Value::from(250.0)));
        assert_eq!(p.get("avg_ms"), Some(&Value::from(1.5)));
        assert_eq!(p.get("threads"), Some(&Value::from(4)));
        let line = p.to_string();
        assert!(
            line.starts_with(r#"{"mode":"producer","sent":500,"#),
            "{line}"
        );
        let parsed: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(parsed["threads"], 4);
        assert!(p.get("first_error").is_none());
        let c = consumer_summary(&view.side, lat, Duration::from_secs(1), Summary::default());
        for k in ["mode", "received", "tps", "e2e_avg_ms", "e2e_p99_ms"] {
            assert!(c.get(k).is_some(), "{k} missing in {c}");
        }
        assert_eq!(c.get("received"), Some(&Value::from(500)));
        let line = c.to_string();
        assert!(!line.contains('\n'));
    }

    #[test]
    fn tick_lines_show_rate_and_latency() {
        let side = Arc::new(Side::default());
        side.ok.store(100, Relaxed);
        side.latency.record(2_000);
        let mut v = View::new(side.clone(), "recv");
        let line = v.tick(0.5);
        assert!(line.contains("200 msg/s"), "{line}");
        assert!(line.contains("e2e avg 2.00"), "{line}");
        side.fail(1, &"boom");
        assert_eq!(v.new_error().as_deref(), Some("boom"));
        assert_eq!(v.new_error(), None);
        assert_eq!(fit("abcdef", 4), "abcd");
        assert_eq!(fit("abc", 4), "abc");
        assert_eq!(ms(123.4), "123");
        assert_eq!(ms(12.34), "12.3");
    }
}
