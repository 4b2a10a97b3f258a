//! SQL92 selectors: the text of a consumer's subscription, compiled by the broker (pulls,
//! CHECK_CLIENT_CONFIG) and by our client. Any text compiles or is refused without a
//! panic, and a compiled selector evaluates on any properties.

use cometmq_filter::Selector;

/// One selector text (lossy UTF-8), then its evaluation against a few property sets.
pub fn sql92_selector(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let Ok(selector) = Selector::compile(&text) else {
        return;
    };
    for value in [
        None,
        Some("1"),
        Some("abc"),
        Some("-2.5e3"),
        Some("true"),
        Some(""),
    ] {
        let _ = selector.matches(|_| value);
    }
}
