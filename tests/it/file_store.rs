//! The file-store reader against the real fixtures: every answer is compared
//! with the fixture's MANIFEST.json (ground truth recorded while the real
//! server ran), never with stanctl's own output.

use crate::common::expect::*;
use crate::common::truth;

fn channels(name: &str) {
    check_channels(&fixture_file_store(name), name, &truth(name));
}

fn messages(name: &str) {
    check_messages(&fixture_file_store(name), name, &truth(name));
}

fn subscriptions(name: &str) {
    check_subscriptions(&fixture_file_store(name), name, &truth(name));
}

fn clients(name: &str) {
    check_clients(&fixture_file_store(name), name, &truth(name));
}

fn info(name: &str) {
    check_info(&fixture_file_store(name), name, &truth(name));
}

// Each intact fixture × each comparison with its manifest.
per_fixture! { [channels, messages, subscriptions, clients, info]
    file_basic_v0_23 => "file-basic-v0.23",
    file_basic_v0_9 => "file-basic-v0.9",
    file_basic_v0_8 => "file-basic-v0.8",
    file_basic_v0_6 => "file-basic-v0.6",
    file_basic_v0_4 => "file-basic-v0.4",
    deleted_channels_file_v0_23 => "deleted-channels-file-v0.23",
    file_nocrc_v0_23 => "file-nocrc-v0.23",
    file_encrypted_v0_23 => "file-encrypted-v0.23",
    file_slices_v0_23 => "file-slices-v0.23",
    file_kill9_v0_23 => "file-kill9-v0.23",
    file_torn_tail_kill9_v0_23 => "file-torn-tail-kill9-v0.23",
    damaged_idx_deleted_v0_23 => "damaged-idx-deleted-v0.23",
    cluster_3node_v0_23 => "cluster-3node-v0.23",
    cluster_encrypted_v0_23 => "cluster-encrypted-v0.23",
}
