//! Progress bars for long commands, drawn only on a terminal: messages in
//! messages, bytes in bytes, each rate in its own unit.

use std::collections::HashMap;
use std::time::Instant;

use std::io::IsTerminal;

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use stanctl::migrate::Progress;
use stanctl::StoreReader;

use super::output::human_bytes;

/// Progress bars on a terminal: one per channel and one in total.
pub struct Bars {
    multi: MultiProgress,
    total: ProgressBar,
    /// The bars of the channels under way, by lane.
    channels: HashMap<usize, ProgressBar>,
    started: Instant,
    msgs: u64,
    bytes: u64,
}

/// Messages between two refreshes of the total's rates (a refresh formats
/// text; the bar itself draws at most a few times a second).
const REFRESH_EVERY: u64 = 4096;

impl Bars {
    pub fn new(total_msgs: u64) -> Self {
        let multi = MultiProgress::new();
        let total = multi.add(ProgressBar::new(total_msgs));
        total.set_style(
            ProgressStyle::with_template(
                "total   {bar:30} {human_pos}/{human_len} msgs  {msg}  eta {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        Bars {
            multi,
            total,
            channels: HashMap::new(),
            started: Instant::now(),
            msgs: 0,
            bytes: 0,
        }
    }

    fn refresh(&self) {
        self.total.set_message(rates(
            self.msgs,
            self.bytes,
            self.started.elapsed().as_secs_f64(),
        ));
    }
}

/// `12.5 MiB  268,179 msgs/s  41.2 MiB/s`
pub fn rates(msgs: u64, bytes: u64, seconds: f64) -> String {
    let per_sec = |n: u64| {
        if seconds > 0.0 {
            n as f64 / seconds
        } else {
            0.0
        }
    };
    format!(
        "{}  {} msgs/s  {}/s",
        human_bytes(bytes),
        group_thousands(per_sec(msgs).round() as u64),
        human_bytes(per_sec(bytes).round() as u64)
    )
}

/// `268179` -> `268,179`
fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Bars for the messages of the channels `wants` selects, when stderr is
/// a terminal and not `quiet`.
pub fn bars_for(
    store: &mut dyn StoreReader,
    quiet: bool,
    wants: impl Fn(&str) -> bool,
) -> anyhow::Result<Option<Bars>> {
    if quiet || !std::io::stderr().is_terminal() {
        return Ok(None);
    }
    let mut total = 0;
    for name in store.channel_names()? {
        if wants(&name) {
            total += store.channel_stats(&name)?.counts.msgs;
        }
    }
    Ok(Some(Bars::new(total)))
}

/// The lane of the channel-at-a-time commands.
const ONLY_LANE: usize = usize::MAX;

impl Progress for Bars {
    fn channel_start(&mut self, channel: &str, msgs: u64) {
        self.lane_start(ONLY_LANE, channel, msgs);
    }
    fn message(&mut self, bytes: u64) {
        self.lane_message(ONLY_LANE, bytes);
    }
    fn channel_end(&mut self) {
        self.lane_end(ONLY_LANE);
    }
    fn lane_start(&mut self, lane: usize, channel: &str, msgs: u64) {
        let bar = self
            .multi
            .insert_before(&self.total, ProgressBar::new(msgs));
        bar.set_style(
            ProgressStyle::with_template("{prefix:20} {bar:30} {human_pos}/{human_len} msgs")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.set_prefix(channel.to_string());
        if let Some(old) = self.channels.insert(lane, bar) {
            old.finish_and_clear();
        }
        self.refresh();
    }
    fn lane_message(&mut self, lane: usize, bytes: u64) {
        self.msgs += 1;
        self.bytes += bytes;
        self.total.inc(1);
        if let Some(bar) = self.channels.get(&lane) {
            bar.inc(1);
        }
        if self.msgs % REFRESH_EVERY == 0 {
            self.refresh();
        }
    }
    fn lane_end(&mut self, lane: usize) {
        self.refresh();
        if let Some(bar) = self.channels.remove(&lane) {
            bar.finish_and_clear();
        }
    }
}

impl Drop for Bars {
    fn drop(&mut self) {
        self.total.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_have_their_own_units() {
        assert_eq!(group_thousands(0), "0");
        assert_eq!(group_thousands(999), "999");
        assert_eq!(group_thousands(268_179), "268,179");
        assert_eq!(group_thousands(1_234_567), "1,234,567");
        assert_eq!(
            rates(536_358, 2 * 1024 * 1024, 2.0),
            "2.0 MiB  268,179 msgs/s  1.0 MiB/s"
        );
    }
}
