//! Progress bars for long commands, drawn only on a terminal.

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use stanctl::migrate::Progress;

/// Progress bars on a terminal: one per channel and one in total.
pub struct Bars {
    multi: MultiProgress,
    total: ProgressBar,
    channel: Option<ProgressBar>,
}

impl Bars {
    pub fn new(total_msgs: u64) -> Self {
        let multi = MultiProgress::new();
        let total = multi.add(ProgressBar::new(total_msgs));
        total.set_style(
            ProgressStyle::with_template(
                "total   {bar:30} {pos}/{len} msgs {binary_bytes} {per_sec} eta {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        Bars {
            multi,
            total,
            channel: None,
        }
    }
}

impl Progress for Bars {
    fn channel_start(&mut self, channel: &str, msgs: u64) {
        let bar = self
            .multi
            .insert_before(&self.total, ProgressBar::new(msgs));
        bar.set_style(
            ProgressStyle::with_template("{prefix:20} {bar:30} {pos}/{len} msgs {per_sec}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.set_prefix(channel.to_string());
        self.channel = Some(bar);
    }
    fn message(&mut self, _bytes: u64) {
        self.total.inc(1);
        if let Some(bar) = &self.channel {
            bar.inc(1);
        }
    }
    fn channel_end(&mut self) {
        if let Some(bar) = self.channel.take() {
            bar.finish_and_clear();
        }
    }
}

impl Drop for Bars {
    fn drop(&mut self) {
        self.total.finish_and_clear();
    }
}
