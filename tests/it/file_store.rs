//! The file-store reader against the real fixtures: every answer is compared
//! with the fixture's MANIFEST.json (ground truth recorded while the real
//! server ran), never with stanctl's own output.

use crate::common::expect::*;
use crate::common::truth;

const INTACT: &[&str] = &[
    "file-basic-v0.23",
    "file-basic-v0.9",
    "file-basic-v0.8",
    "file-basic-v0.6",
    "file-basic-v0.4",
    "deleted-channels-file-v0.23",
    "file-nocrc-v0.23",
    "file-encrypted-v0.23",
    "file-slices-v0.23",
    "file-kill9-v0.23",
    "file-torn-tail-kill9-v0.23",
    "damaged-idx-deleted-v0.23",
    "cluster-3node-v0.23",
    "cluster-encrypted-v0.23",
];

#[test]
fn channels_match_manifest() {
    for name in INTACT {
        check_channels(&fixture_file_store(name), name, &truth(name));
    }
}

#[test]
fn messages_match_manifest() {
    for name in INTACT {
        check_messages(&fixture_file_store(name), name, &truth(name));
    }
}

#[test]
fn subscriptions_match_manifest() {
    for name in INTACT {
        check_subscriptions(&fixture_file_store(name), name, &truth(name));
    }
}

#[test]
fn clients_match_manifest() {
    for name in INTACT {
        check_clients(&fixture_file_store(name), name, &truth(name));
    }
}

#[test]
fn info_matches_manifest() {
    for name in INTACT {
        check_info(&fixture_file_store(name), name, &truth(name));
    }
}
