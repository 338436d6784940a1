//! `--help` examples of every subcommand (clap `after_help`), kept in step
//! with the code by the help snapshot test (tests/it/help.rs).

pub const INFO: &str = "Examples:
  stanctl --dir /data/stan info
  stanctl -c nats-streaming.conf info --format json
  stanctl --sql-driver postgres --sql-source 'dbname=stan user=stan' info";

pub const CHANNELS_LS: &str = "Examples:
  stanctl --dir /data/stan channels ls
  stanctl --dir /data/stan channels ls --format json | jq '.[].name'
  stanctl -c nats-streaming.conf channels ls   # with the server's limits";

pub const CHANNELS_SHOW: &str = "Examples:
  stanctl --dir /data/stan channels show orders.eu
  stanctl --dir /data/stan channels show orders.eu --format json";

pub const DUMP: &str = "Examples:
  stanctl --dir /data/stan dump --channel orders.eu --last 10
  stanctl --dir /data/stan dump --channel 'orders.*' --channel audit.log --since 1h --format ndjson
  stanctl --dir /data/stan dump --channel bin.data --from-seq 5 --to-seq 9 --format raw > out.bin";

pub const STATS: &str = "Examples:
  stanctl --dir /data/stan stats
  stanctl --dir /data/stan stats --channel 'orders.*' --buckets 48
  stanctl --sql-driver postgres --sql-source 'dbname=stan' stats --format json";

pub const CLIENTS_LS: &str = "Examples:
  stanctl --dir /data/stan clients ls
  stanctl --dir /data/stan clients ls --format json";

pub const CLIENTS_SHOW: &str = "Examples:
  stanctl --dir /data/stan clients show pub-1
  stanctl --dir /data/stan clients show pub-1 --format json";

pub const SUBS_LS: &str = "Examples:
  stanctl --dir /data/stan subs ls
  stanctl --dir /data/stan subs ls --channel orders.eu --format json";

pub const SUBS_SHOW: &str = "Examples:
  stanctl --dir /data/stan subs show orders.eu 3
  stanctl --dir /data/stan subs show orders.eu 3 --format json";

pub const FILE_TO_SQL: &str = "Examples:
  stanctl --dir /data/stan migrate file-to-sql --to-sql-source stan.db --verify
  stanctl --dir /data/stan migrate file-to-sql --to-sql-driver postgres \\
      --to-sql-source 'dbname=stan user=stan' --channel 'orders.>'";

pub const SQL_TO_FILE: &str = "Examples:
  stanctl --sql-driver sqlite --sql-source stan.db migrate sql-to-file --to-dir /data/new
  stanctl -c nats-streaming.conf migrate sql-to-file --to-dir /data/new --verify";

pub const FILE_TO_FILE: &str = "Examples:
  stanctl --dir /data/stan migrate file-to-file --to-dir /data/new --slice-max-msgs 100000
  stanctl --dir /data/stan migrate file-to-file --to-dir /data/new \\
      --to-encryption-key-file key.txt --to-encryption-cipher CHACHA";

pub const SQL_TO_SQL: &str = "Examples:
  stanctl --sql-driver mysql --sql-source 'stan:pw@tcp(db:3306)/stan' \\
      migrate sql-to-sql --to-sql-driver postgres --to-sql-source 'dbname=stan'
  stanctl --sql-driver sqlite --sql-source old.db migrate sql-to-sql --to-sql-source new.db";

pub const TO_JETSTREAM: &str = "Examples:
  stanctl --dir /data/stan migrate to-jetstream --dry-run
  stanctl --dir /data/stan migrate to-jetstream --server nats://127.0.0.1:4222 --verify";

pub const CHECK: &str = "Examples:
  stanctl --dir /data/stan check
  stanctl --dir /data/stan check --deep --server-version 0.25.6 --format json
  stanctl --dir fixture/store check --expect fixture/MANIFEST.json";

pub const MANIFEST: &str = "Examples:
  stanctl --dir /data/stan manifest -o MANIFEST.json
  stanctl --dir /data/stan manifest --messages | jq '.channels[].msg_count'";

pub const SQL_UPGRADE: &str = "Examples:
  stanctl --sql-driver postgres --sql-source 'dbname=stan' sql upgrade
  stanctl --sql-driver postgres --sql-source 'dbname=stan' sql upgrade --apply";

pub const SALVAGE: &str = "Examples:
  stanctl --dir /data/broken salvage --to-dir /data/salvaged
  stanctl --dir /data/broken salvage --to-dir /data/salvaged --format json";

pub const COMPLETIONS: &str = "Examples:
  stanctl completions bash > /etc/bash_completion.d/stanctl
  stanctl completions zsh > \"${fpath[1]}/_stanctl\"
  stanctl completions fish > ~/.config/fish/completions/stanctl.fish";

pub const MAN_PAGES: &str = "Examples:
  stanctl man-pages /usr/local/share/man/man1
  stanctl man-pages /tmp/man && man -l /tmp/man/stanctl-dump.1";
