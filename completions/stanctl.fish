# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_stanctl_global_optspecs
    string join \n dir= store= sql-driver= sql-source= c/config= file-crc-poly= file-crc= encryption-key-file= encryption-key= cluster-log-path= strict-commit now= format= v/verbose q/quiet color= h/help V/version
end

function __fish_stanctl_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_stanctl_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_stanctl_using_subcommand
    set -l cmd (__fish_stanctl_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c stanctl -n "__fish_stanctl_needs_command" -l dir -d 'File store root directory (the server\'s -dir)' -r -F
complete -c stanctl -n "__fish_stanctl_needs_command" -l store -d 'Store type (the server\'s -store); guessed from the other options when omitted' -r -f -a "file\t''
sql\t''"
complete -c stanctl -n "__fish_stanctl_needs_command" -l sql-driver -d 'SQL driver: postgres, mysql or sqlite' -r
complete -c stanctl -n "__fish_stanctl_needs_command" -l sql-source -d 'SQL data source, in the server\'s own form (Go MySQL DSN, Postgres key=value or URL, SQLite path)' -r
complete -c stanctl -n "__fish_stanctl_needs_command" -s c -l config -d 'nats-streaming-server configuration file: store, dir, file and SQL options, limits' -r -F
complete -c stanctl -n "__fish_stanctl_needs_command" -l file-crc-poly -d 'CRC-32 polynomial the store was written with (the server\'s -file_crc_poly), decimal or 0x hex' -r
complete -c stanctl -n "__fish_stanctl_needs_command" -l file-crc -d 'Verify CRCs when reading (the server\'s -file_crc)' -r -f -a "true\t''
false\t''"
complete -c stanctl -n "__fish_stanctl_needs_command" -l encryption-key-file -d 'File holding the encryption key (the whole file, one trailing newline removed)' -r -F
complete -c stanctl -n "__fish_stanctl_needs_command" -l encryption-key -d 'Encryption key (visible in the process list: prefer --encryption-key-file or NATS_STREAMING_ENCRYPTION_KEY, which takes precedence, as for the server)' -r
complete -c stanctl -n "__fish_stanctl_needs_command" -l cluster-log-path -d 'Raft log directory of a cluster node (the server\'s -cluster_log_path); found next to the store when omitted' -r -F
complete -c stanctl -n "__fish_stanctl_needs_command" -l now -d '"Now" for age limits (RFC 3339, epoch time with a unit like 1795570246s, or ns since the epoch); default: the current time' -r
complete -c stanctl -n "__fish_stanctl_needs_command" -l format -d 'Output format' -r -f -a "table\t'Human-readable table'
json\t'One JSON document'
ndjson\t'One JSON object per line'
raw\t'Payload bytes only (dump)'"
complete -c stanctl -n "__fish_stanctl_needs_command" -l color -d 'Colour check severities: auto (a terminal, unless NO_COLOR is set), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c stanctl -n "__fish_stanctl_needs_command" -l strict-commit -d 'Cluster node: stop the Raft log replay at the last entry known to be committed'
complete -c stanctl -n "__fish_stanctl_needs_command" -s v -l verbose -d 'Also print informational findings'
complete -c stanctl -n "__fish_stanctl_needs_command" -s q -l quiet -d 'Print no findings, notes or progress (exit codes still tell)'
complete -c stanctl -n "__fish_stanctl_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c stanctl -n "__fish_stanctl_needs_command" -s V -l version -d 'Print version'
complete -c stanctl -n "__fish_stanctl_needs_command" -f -a "info" -d 'Cluster id, node id, store type, totals and disk size'
complete -c stanctl -n "__fish_stanctl_needs_command" -f -a "channels" -d 'Channels with counts, bytes, first/last sequence and time, limits'
complete -c stanctl -n "__fish_stanctl_needs_command" -f -a "dump" -d 'Messages of a channel by sequence or time range'
complete -c stanctl -n "__fish_stanctl_needs_command" -f -a "stats" -d 'Messages over time (bar chart), payload size percentiles, top subjects, reply use and subscription lag, for a store or channels'
complete -c stanctl -n "__fish_stanctl_needs_command" -f -a "clients" -d 'Clients recorded in the store'
complete -c stanctl -n "__fish_stanctl_needs_command" -f -a "subs" -d 'Subscriptions with last sent, lag and unacknowledged messages'
complete -c stanctl -n "__fish_stanctl_needs_command" -f -a "export" -d 'Export a store to another format (the source is never modified)'
complete -c stanctl -n "__fish_stanctl_needs_command" -f -a "migrate" -d 'Copy a store to another backend (the source is never modified)'
complete -c stanctl -n "__fish_stanctl_needs_command" -f -a "check" -d 'Integrity and compatibility check: exit 0 clean, 1 problems, 2 cannot open'
complete -c stanctl -n "__fish_stanctl_needs_command" -f -a "manifest" -d 'Write a MANIFEST-shaped JSON description of the store (for check --expect)'
complete -c stanctl -n "__fish_stanctl_needs_command" -f -a "sql" -d 'SQL store schema upgrade (the one command that writes, with --apply)'
complete -c stanctl -n "__fish_stanctl_needs_command" -f -a "salvage" -d 'Copy what is recoverable from a damaged file store into a new one'
complete -c stanctl -n "__fish_stanctl_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c stanctl -n "__fish_stanctl_needs_command" -f -a "man-pages" -d 'Write the man pages (stanctl.1, one per subcommand) into a directory'
complete -c stanctl -n "__fish_stanctl_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c stanctl -n "__fish_stanctl_using_subcommand info" -l dir -d 'File store root directory (the server\'s -dir)' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand info" -l store -d 'Store type (the server\'s -store); guessed from the other options when omitted' -r -f -a "file\t''
sql\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand info" -l sql-driver -d 'SQL driver: postgres, mysql or sqlite' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand info" -l sql-source -d 'SQL data source, in the server\'s own form (Go MySQL DSN, Postgres key=value or URL, SQLite path)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand info" -s c -l config -d 'nats-streaming-server configuration file: store, dir, file and SQL options, limits' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand info" -l file-crc-poly -d 'CRC-32 polynomial the store was written with (the server\'s -file_crc_poly), decimal or 0x hex' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand info" -l file-crc -d 'Verify CRCs when reading (the server\'s -file_crc)' -r -f -a "true\t''
false\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand info" -l encryption-key-file -d 'File holding the encryption key (the whole file, one trailing newline removed)' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand info" -l encryption-key -d 'Encryption key (visible in the process list: prefer --encryption-key-file or NATS_STREAMING_ENCRYPTION_KEY, which takes precedence, as for the server)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand info" -l cluster-log-path -d 'Raft log directory of a cluster node (the server\'s -cluster_log_path); found next to the store when omitted' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand info" -l now -d '"Now" for age limits (RFC 3339, epoch time with a unit like 1795570246s, or ns since the epoch); default: the current time' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand info" -l format -d 'Output format' -r -f -a "table\t'Human-readable table'
json\t'One JSON document'
ndjson\t'One JSON object per line'
raw\t'Payload bytes only (dump)'"
complete -c stanctl -n "__fish_stanctl_using_subcommand info" -l color -d 'Colour check severities: auto (a terminal, unless NO_COLOR is set), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand info" -l strict-commit -d 'Cluster node: stop the Raft log replay at the last entry known to be committed'
complete -c stanctl -n "__fish_stanctl_using_subcommand info" -s v -l verbose -d 'Also print informational findings'
complete -c stanctl -n "__fish_stanctl_using_subcommand info" -s q -l quiet -d 'Print no findings, notes or progress (exit codes still tell)'
complete -c stanctl -n "__fish_stanctl_using_subcommand info" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c stanctl -n "__fish_stanctl_using_subcommand channels; and not __fish_seen_subcommand_from ls show help" -l dir -d 'File store root directory (the server\'s -dir)' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand channels; and not __fish_seen_subcommand_from ls show help" -l store -d 'Store type (the server\'s -store); guessed from the other options when omitted' -r -f -a "file\t''
sql\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand channels; and not __fish_seen_subcommand_from ls show help" -l sql-driver -d 'SQL driver: postgres, mysql or sqlite' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand channels; and not __fish_seen_subcommand_from ls show help" -l sql-source -d 'SQL data source, in the server\'s own form (Go MySQL DSN, Postgres key=value or URL, SQLite path)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand channels; and not __fish_seen_subcommand_from ls show help" -s c -l config -d 'nats-streaming-server configuration file: store, dir, file and SQL options, limits' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand channels; and not __fish_seen_subcommand_from ls show help" -l file-crc-poly -d 'CRC-32 polynomial the store was written with (the server\'s -file_crc_poly), decimal or 0x hex' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand channels; and not __fish_seen_subcommand_from ls show help" -l file-crc -d 'Verify CRCs when reading (the server\'s -file_crc)' -r -f -a "true\t''
false\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand channels; and not __fish_seen_subcommand_from ls show help" -l encryption-key-file -d 'File holding the encryption key (the whole file, one trailing newline removed)' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand channels; and not __fish_seen_subcommand_from ls show help" -l encryption-key -d 'Encryption key (visible in the process list: prefer --encryption-key-file or NATS_STREAMING_ENCRYPTION_KEY, which takes precedence, as for the server)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand channels; and not __fish_seen_subcommand_from ls show help" -l cluster-log-path -d 'Raft log directory of a cluster node (the server\'s -cluster_log_path); found next to the store when omitted' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand channels; and not __fish_seen_subcommand_from ls show help" -l now -d '"Now" for age limits (RFC 3339, epoch time with a unit like 1795570246s, or ns since the epoch); default: the current time' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand channels; and not __fish_seen_subcommand_from ls show help" -l format -d 'Output format' -r -f -a "table\t'Human-readable table'
json\t'One JSON document'
ndjson\t'One JSON object per line'
raw\t'Payload bytes only (dump)'"
complete -c stanctl -n "__fish_stanctl_using_subcommand channels; and not __fish_seen_subcommand_from ls show help" -l color -d 'Colour check severities: auto (a terminal, unless NO_COLOR is set), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand channels; and not __fish_seen_subcommand_from ls show help" -l strict-commit -d 'Cluster node: stop the Raft log replay at the last entry known to be committed'
complete -c stanctl -n "__fish_stanctl_using_subcommand channels; and not __fish_seen_subcommand_from ls show help" -s v -l verbose -d 'Also print informational findings'
complete -c stanctl -n "__fish_stanctl_using_subcommand channels; and not __fish_seen_subcommand_from ls show help" -s q -l quiet -d 'Print no findings, notes or progress (exit codes still tell)'
complete -c stanctl -n "__fish_stanctl_using_subcommand channels; and not __fish_seen_subcommand_from ls show help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c stanctl -n "__fish_stanctl_using_subcommand channels; and not __fish_seen_subcommand_from ls show help" -f -a "ls" -d 'List every channel'
complete -c stanctl -n "__fish_stanctl_using_subcommand channels; and not __fish_seen_subcommand_from ls show help" -f -a "show" -d 'One channel in detail'
complete -c stanctl -n "__fish_stanctl_using_subcommand channels; and not __fish_seen_subcommand_from ls show help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c stanctl -n "__fish_stanctl_using_subcommand channels; and __fish_seen_subcommand_from ls" -l dir -d 'File store root directory (the server\'s -dir)' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand channels; and __fish_seen_subcommand_from ls" -l store -d 'Store type (the server\'s -store); guessed from the other options when omitted' -r -f -a "file\t''
sql\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand channels; and __fish_seen_subcommand_from ls" -l sql-driver -d 'SQL driver: postgres, mysql or sqlite' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand channels; and __fish_seen_subcommand_from ls" -l sql-source -d 'SQL data source, in the server\'s own form (Go MySQL DSN, Postgres key=value or URL, SQLite path)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand channels; and __fish_seen_subcommand_from ls" -s c -l config -d 'nats-streaming-server configuration file: store, dir, file and SQL options, limits' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand channels; and __fish_seen_subcommand_from ls" -l file-crc-poly -d 'CRC-32 polynomial the store was written with (the server\'s -file_crc_poly), decimal or 0x hex' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand channels; and __fish_seen_subcommand_from ls" -l file-crc -d 'Verify CRCs when reading (the server\'s -file_crc)' -r -f -a "true\t''
false\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand channels; and __fish_seen_subcommand_from ls" -l encryption-key-file -d 'File holding the encryption key (the whole file, one trailing newline removed)' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand channels; and __fish_seen_subcommand_from ls" -l encryption-key -d 'Encryption key (visible in the process list: prefer --encryption-key-file or NATS_STREAMING_ENCRYPTION_KEY, which takes precedence, as for the server)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand channels; and __fish_seen_subcommand_from ls" -l cluster-log-path -d 'Raft log directory of a cluster node (the server\'s -cluster_log_path); found next to the store when omitted' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand channels; and __fish_seen_subcommand_from ls" -l now -d '"Now" for age limits (RFC 3339, epoch time with a unit like 1795570246s, or ns since the epoch); default: the current time' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand channels; and __fish_seen_subcommand_from ls" -l format -d 'Output format' -r -f -a "table\t'Human-readable table'
json\t'One JSON document'
ndjson\t'One JSON object per line'
raw\t'Payload bytes only (dump)'"
complete -c stanctl -n "__fish_stanctl_using_subcommand channels; and __fish_seen_subcommand_from ls" -l color -d 'Colour check severities: auto (a terminal, unless NO_COLOR is set), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand channels; and __fish_seen_subcommand_from ls" -l strict-commit -d 'Cluster node: stop the Raft log replay at the last entry known to be committed'
complete -c stanctl -n "__fish_stanctl_using_subcommand channels; and __fish_seen_subcommand_from ls" -s v -l verbose -d 'Also print informational findings'
complete -c stanctl -n "__fish_stanctl_using_subcommand channels; and __fish_seen_subcommand_from ls" -s q -l quiet -d 'Print no findings, notes or progress (exit codes still tell)'
complete -c stanctl -n "__fish_stanctl_using_subcommand channels; and __fish_seen_subcommand_from ls" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c stanctl -n "__fish_stanctl_using_subcommand channels; and __fish_seen_subcommand_from show" -l dir -d 'File store root directory (the server\'s -dir)' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand channels; and __fish_seen_subcommand_from show" -l store -d 'Store type (the server\'s -store); guessed from the other options when omitted' -r -f -a "file\t''
sql\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand channels; and __fish_seen_subcommand_from show" -l sql-driver -d 'SQL driver: postgres, mysql or sqlite' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand channels; and __fish_seen_subcommand_from show" -l sql-source -d 'SQL data source, in the server\'s own form (Go MySQL DSN, Postgres key=value or URL, SQLite path)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand channels; and __fish_seen_subcommand_from show" -s c -l config -d 'nats-streaming-server configuration file: store, dir, file and SQL options, limits' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand channels; and __fish_seen_subcommand_from show" -l file-crc-poly -d 'CRC-32 polynomial the store was written with (the server\'s -file_crc_poly), decimal or 0x hex' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand channels; and __fish_seen_subcommand_from show" -l file-crc -d 'Verify CRCs when reading (the server\'s -file_crc)' -r -f -a "true\t''
false\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand channels; and __fish_seen_subcommand_from show" -l encryption-key-file -d 'File holding the encryption key (the whole file, one trailing newline removed)' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand channels; and __fish_seen_subcommand_from show" -l encryption-key -d 'Encryption key (visible in the process list: prefer --encryption-key-file or NATS_STREAMING_ENCRYPTION_KEY, which takes precedence, as for the server)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand channels; and __fish_seen_subcommand_from show" -l cluster-log-path -d 'Raft log directory of a cluster node (the server\'s -cluster_log_path); found next to the store when omitted' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand channels; and __fish_seen_subcommand_from show" -l now -d '"Now" for age limits (RFC 3339, epoch time with a unit like 1795570246s, or ns since the epoch); default: the current time' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand channels; and __fish_seen_subcommand_from show" -l format -d 'Output format' -r -f -a "table\t'Human-readable table'
json\t'One JSON document'
ndjson\t'One JSON object per line'
raw\t'Payload bytes only (dump)'"
complete -c stanctl -n "__fish_stanctl_using_subcommand channels; and __fish_seen_subcommand_from show" -l color -d 'Colour check severities: auto (a terminal, unless NO_COLOR is set), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand channels; and __fish_seen_subcommand_from show" -l strict-commit -d 'Cluster node: stop the Raft log replay at the last entry known to be committed'
complete -c stanctl -n "__fish_stanctl_using_subcommand channels; and __fish_seen_subcommand_from show" -s v -l verbose -d 'Also print informational findings'
complete -c stanctl -n "__fish_stanctl_using_subcommand channels; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Print no findings, notes or progress (exit codes still tell)'
complete -c stanctl -n "__fish_stanctl_using_subcommand channels; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c stanctl -n "__fish_stanctl_using_subcommand channels; and __fish_seen_subcommand_from help" -f -a "ls" -d 'List every channel'
complete -c stanctl -n "__fish_stanctl_using_subcommand channels; and __fish_seen_subcommand_from help" -f -a "show" -d 'One channel in detail'
complete -c stanctl -n "__fish_stanctl_using_subcommand channels; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c stanctl -n "__fish_stanctl_using_subcommand dump" -l channel -d 'Channel to dump: a name, or a subject pattern with the server\'s wildcards (`orders.*` one token, `orders.>` or `>` the rest). Repeat it for more. Several channels are merged by timestamp (ties in channel name order, each channel in sequence order)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand dump" -l from-seq -d 'First sequence (inclusive)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand dump" -l since -d 'Only messages at or after this time: RFC 3339, epoch time with a unit (1795570246s, ms, us, ns), or back from now (1h, 90s ago)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand dump" -l to-seq -d 'Last sequence (inclusive)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand dump" -l until -d 'Only messages at or before this time' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand dump" -l last -d 'Only the last N messages of each channel' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand dump" -l payload -d 'How payloads are written in table and JSON output' -r -f -a "auto\t'UTF-8 text when the payload is valid UTF-8, else base64'
utf8\t'UTF-8 text (invalid bytes replaced by U+FFFD)'
base64\t''
hex\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand dump" -l follow-timeout -d 'With --follow: stop after this long without a new message (90s, 1m)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand dump" -l dir -d 'File store root directory (the server\'s -dir)' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand dump" -l store -d 'Store type (the server\'s -store); guessed from the other options when omitted' -r -f -a "file\t''
sql\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand dump" -l sql-driver -d 'SQL driver: postgres, mysql or sqlite' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand dump" -l sql-source -d 'SQL data source, in the server\'s own form (Go MySQL DSN, Postgres key=value or URL, SQLite path)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand dump" -s c -l config -d 'nats-streaming-server configuration file: store, dir, file and SQL options, limits' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand dump" -l file-crc-poly -d 'CRC-32 polynomial the store was written with (the server\'s -file_crc_poly), decimal or 0x hex' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand dump" -l file-crc -d 'Verify CRCs when reading (the server\'s -file_crc)' -r -f -a "true\t''
false\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand dump" -l encryption-key-file -d 'File holding the encryption key (the whole file, one trailing newline removed)' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand dump" -l encryption-key -d 'Encryption key (visible in the process list: prefer --encryption-key-file or NATS_STREAMING_ENCRYPTION_KEY, which takes precedence, as for the server)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand dump" -l cluster-log-path -d 'Raft log directory of a cluster node (the server\'s -cluster_log_path); found next to the store when omitted' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand dump" -l now -d '"Now" for age limits (RFC 3339, epoch time with a unit like 1795570246s, or ns since the epoch); default: the current time' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand dump" -l format -d 'Output format' -r -f -a "table\t'Human-readable table'
json\t'One JSON document'
ndjson\t'One JSON object per line'
raw\t'Payload bytes only (dump)'"
complete -c stanctl -n "__fish_stanctl_using_subcommand dump" -l color -d 'Colour check severities: auto (a terminal, unless NO_COLOR is set), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand dump" -l by-channel -d 'With several channels: one channel after the other (by name), not merged by timestamp'
complete -c stanctl -n "__fish_stanctl_using_subcommand dump" -l follow -d 'Keep reading as the server appends to the channel (a live file store, read-only), like `tail -f`, until SIGINT/SIGTERM. Starts with the selection, or the last 10 messages when none is given'
complete -c stanctl -n "__fish_stanctl_using_subcommand dump" -l force -d 'Write --format raw even to a terminal'
complete -c stanctl -n "__fish_stanctl_using_subcommand dump" -l strict-commit -d 'Cluster node: stop the Raft log replay at the last entry known to be committed'
complete -c stanctl -n "__fish_stanctl_using_subcommand dump" -s v -l verbose -d 'Also print informational findings'
complete -c stanctl -n "__fish_stanctl_using_subcommand dump" -s q -l quiet -d 'Print no findings, notes or progress (exit codes still tell)'
complete -c stanctl -n "__fish_stanctl_using_subcommand dump" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c stanctl -n "__fish_stanctl_using_subcommand stats" -l channel -d 'Channels: names or subject patterns (`orders.*`, `>`); repeatable. All channels when omitted' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand stats" -l buckets -d 'Time buckets of the bar chart, from the first to the last message' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand stats" -l dir -d 'File store root directory (the server\'s -dir)' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand stats" -l store -d 'Store type (the server\'s -store); guessed from the other options when omitted' -r -f -a "file\t''
sql\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand stats" -l sql-driver -d 'SQL driver: postgres, mysql or sqlite' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand stats" -l sql-source -d 'SQL data source, in the server\'s own form (Go MySQL DSN, Postgres key=value or URL, SQLite path)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand stats" -s c -l config -d 'nats-streaming-server configuration file: store, dir, file and SQL options, limits' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand stats" -l file-crc-poly -d 'CRC-32 polynomial the store was written with (the server\'s -file_crc_poly), decimal or 0x hex' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand stats" -l file-crc -d 'Verify CRCs when reading (the server\'s -file_crc)' -r -f -a "true\t''
false\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand stats" -l encryption-key-file -d 'File holding the encryption key (the whole file, one trailing newline removed)' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand stats" -l encryption-key -d 'Encryption key (visible in the process list: prefer --encryption-key-file or NATS_STREAMING_ENCRYPTION_KEY, which takes precedence, as for the server)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand stats" -l cluster-log-path -d 'Raft log directory of a cluster node (the server\'s -cluster_log_path); found next to the store when omitted' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand stats" -l now -d '"Now" for age limits (RFC 3339, epoch time with a unit like 1795570246s, or ns since the epoch); default: the current time' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand stats" -l format -d 'Output format' -r -f -a "table\t'Human-readable table'
json\t'One JSON document'
ndjson\t'One JSON object per line'
raw\t'Payload bytes only (dump)'"
complete -c stanctl -n "__fish_stanctl_using_subcommand stats" -l color -d 'Colour check severities: auto (a terminal, unless NO_COLOR is set), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand stats" -l strict-commit -d 'Cluster node: stop the Raft log replay at the last entry known to be committed'
complete -c stanctl -n "__fish_stanctl_using_subcommand stats" -s v -l verbose -d 'Also print informational findings'
complete -c stanctl -n "__fish_stanctl_using_subcommand stats" -s q -l quiet -d 'Print no findings, notes or progress (exit codes still tell)'
complete -c stanctl -n "__fish_stanctl_using_subcommand stats" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c stanctl -n "__fish_stanctl_using_subcommand clients; and not __fish_seen_subcommand_from ls show help" -l dir -d 'File store root directory (the server\'s -dir)' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand clients; and not __fish_seen_subcommand_from ls show help" -l store -d 'Store type (the server\'s -store); guessed from the other options when omitted' -r -f -a "file\t''
sql\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand clients; and not __fish_seen_subcommand_from ls show help" -l sql-driver -d 'SQL driver: postgres, mysql or sqlite' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand clients; and not __fish_seen_subcommand_from ls show help" -l sql-source -d 'SQL data source, in the server\'s own form (Go MySQL DSN, Postgres key=value or URL, SQLite path)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand clients; and not __fish_seen_subcommand_from ls show help" -s c -l config -d 'nats-streaming-server configuration file: store, dir, file and SQL options, limits' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand clients; and not __fish_seen_subcommand_from ls show help" -l file-crc-poly -d 'CRC-32 polynomial the store was written with (the server\'s -file_crc_poly), decimal or 0x hex' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand clients; and not __fish_seen_subcommand_from ls show help" -l file-crc -d 'Verify CRCs when reading (the server\'s -file_crc)' -r -f -a "true\t''
false\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand clients; and not __fish_seen_subcommand_from ls show help" -l encryption-key-file -d 'File holding the encryption key (the whole file, one trailing newline removed)' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand clients; and not __fish_seen_subcommand_from ls show help" -l encryption-key -d 'Encryption key (visible in the process list: prefer --encryption-key-file or NATS_STREAMING_ENCRYPTION_KEY, which takes precedence, as for the server)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand clients; and not __fish_seen_subcommand_from ls show help" -l cluster-log-path -d 'Raft log directory of a cluster node (the server\'s -cluster_log_path); found next to the store when omitted' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand clients; and not __fish_seen_subcommand_from ls show help" -l now -d '"Now" for age limits (RFC 3339, epoch time with a unit like 1795570246s, or ns since the epoch); default: the current time' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand clients; and not __fish_seen_subcommand_from ls show help" -l format -d 'Output format' -r -f -a "table\t'Human-readable table'
json\t'One JSON document'
ndjson\t'One JSON object per line'
raw\t'Payload bytes only (dump)'"
complete -c stanctl -n "__fish_stanctl_using_subcommand clients; and not __fish_seen_subcommand_from ls show help" -l color -d 'Colour check severities: auto (a terminal, unless NO_COLOR is set), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand clients; and not __fish_seen_subcommand_from ls show help" -l strict-commit -d 'Cluster node: stop the Raft log replay at the last entry known to be committed'
complete -c stanctl -n "__fish_stanctl_using_subcommand clients; and not __fish_seen_subcommand_from ls show help" -s v -l verbose -d 'Also print informational findings'
complete -c stanctl -n "__fish_stanctl_using_subcommand clients; and not __fish_seen_subcommand_from ls show help" -s q -l quiet -d 'Print no findings, notes or progress (exit codes still tell)'
complete -c stanctl -n "__fish_stanctl_using_subcommand clients; and not __fish_seen_subcommand_from ls show help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c stanctl -n "__fish_stanctl_using_subcommand clients; and not __fish_seen_subcommand_from ls show help" -f -a "ls" -d 'List clients'
complete -c stanctl -n "__fish_stanctl_using_subcommand clients; and not __fish_seen_subcommand_from ls show help" -f -a "show" -d 'One client and its subscriptions'
complete -c stanctl -n "__fish_stanctl_using_subcommand clients; and not __fish_seen_subcommand_from ls show help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c stanctl -n "__fish_stanctl_using_subcommand clients; and __fish_seen_subcommand_from ls" -l dir -d 'File store root directory (the server\'s -dir)' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand clients; and __fish_seen_subcommand_from ls" -l store -d 'Store type (the server\'s -store); guessed from the other options when omitted' -r -f -a "file\t''
sql\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand clients; and __fish_seen_subcommand_from ls" -l sql-driver -d 'SQL driver: postgres, mysql or sqlite' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand clients; and __fish_seen_subcommand_from ls" -l sql-source -d 'SQL data source, in the server\'s own form (Go MySQL DSN, Postgres key=value or URL, SQLite path)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand clients; and __fish_seen_subcommand_from ls" -s c -l config -d 'nats-streaming-server configuration file: store, dir, file and SQL options, limits' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand clients; and __fish_seen_subcommand_from ls" -l file-crc-poly -d 'CRC-32 polynomial the store was written with (the server\'s -file_crc_poly), decimal or 0x hex' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand clients; and __fish_seen_subcommand_from ls" -l file-crc -d 'Verify CRCs when reading (the server\'s -file_crc)' -r -f -a "true\t''
false\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand clients; and __fish_seen_subcommand_from ls" -l encryption-key-file -d 'File holding the encryption key (the whole file, one trailing newline removed)' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand clients; and __fish_seen_subcommand_from ls" -l encryption-key -d 'Encryption key (visible in the process list: prefer --encryption-key-file or NATS_STREAMING_ENCRYPTION_KEY, which takes precedence, as for the server)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand clients; and __fish_seen_subcommand_from ls" -l cluster-log-path -d 'Raft log directory of a cluster node (the server\'s -cluster_log_path); found next to the store when omitted' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand clients; and __fish_seen_subcommand_from ls" -l now -d '"Now" for age limits (RFC 3339, epoch time with a unit like 1795570246s, or ns since the epoch); default: the current time' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand clients; and __fish_seen_subcommand_from ls" -l format -d 'Output format' -r -f -a "table\t'Human-readable table'
json\t'One JSON document'
ndjson\t'One JSON object per line'
raw\t'Payload bytes only (dump)'"
complete -c stanctl -n "__fish_stanctl_using_subcommand clients; and __fish_seen_subcommand_from ls" -l color -d 'Colour check severities: auto (a terminal, unless NO_COLOR is set), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand clients; and __fish_seen_subcommand_from ls" -l strict-commit -d 'Cluster node: stop the Raft log replay at the last entry known to be committed'
complete -c stanctl -n "__fish_stanctl_using_subcommand clients; and __fish_seen_subcommand_from ls" -s v -l verbose -d 'Also print informational findings'
complete -c stanctl -n "__fish_stanctl_using_subcommand clients; and __fish_seen_subcommand_from ls" -s q -l quiet -d 'Print no findings, notes or progress (exit codes still tell)'
complete -c stanctl -n "__fish_stanctl_using_subcommand clients; and __fish_seen_subcommand_from ls" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c stanctl -n "__fish_stanctl_using_subcommand clients; and __fish_seen_subcommand_from show" -l dir -d 'File store root directory (the server\'s -dir)' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand clients; and __fish_seen_subcommand_from show" -l store -d 'Store type (the server\'s -store); guessed from the other options when omitted' -r -f -a "file\t''
sql\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand clients; and __fish_seen_subcommand_from show" -l sql-driver -d 'SQL driver: postgres, mysql or sqlite' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand clients; and __fish_seen_subcommand_from show" -l sql-source -d 'SQL data source, in the server\'s own form (Go MySQL DSN, Postgres key=value or URL, SQLite path)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand clients; and __fish_seen_subcommand_from show" -s c -l config -d 'nats-streaming-server configuration file: store, dir, file and SQL options, limits' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand clients; and __fish_seen_subcommand_from show" -l file-crc-poly -d 'CRC-32 polynomial the store was written with (the server\'s -file_crc_poly), decimal or 0x hex' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand clients; and __fish_seen_subcommand_from show" -l file-crc -d 'Verify CRCs when reading (the server\'s -file_crc)' -r -f -a "true\t''
false\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand clients; and __fish_seen_subcommand_from show" -l encryption-key-file -d 'File holding the encryption key (the whole file, one trailing newline removed)' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand clients; and __fish_seen_subcommand_from show" -l encryption-key -d 'Encryption key (visible in the process list: prefer --encryption-key-file or NATS_STREAMING_ENCRYPTION_KEY, which takes precedence, as for the server)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand clients; and __fish_seen_subcommand_from show" -l cluster-log-path -d 'Raft log directory of a cluster node (the server\'s -cluster_log_path); found next to the store when omitted' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand clients; and __fish_seen_subcommand_from show" -l now -d '"Now" for age limits (RFC 3339, epoch time with a unit like 1795570246s, or ns since the epoch); default: the current time' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand clients; and __fish_seen_subcommand_from show" -l format -d 'Output format' -r -f -a "table\t'Human-readable table'
json\t'One JSON document'
ndjson\t'One JSON object per line'
raw\t'Payload bytes only (dump)'"
complete -c stanctl -n "__fish_stanctl_using_subcommand clients; and __fish_seen_subcommand_from show" -l color -d 'Colour check severities: auto (a terminal, unless NO_COLOR is set), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand clients; and __fish_seen_subcommand_from show" -l strict-commit -d 'Cluster node: stop the Raft log replay at the last entry known to be committed'
complete -c stanctl -n "__fish_stanctl_using_subcommand clients; and __fish_seen_subcommand_from show" -s v -l verbose -d 'Also print informational findings'
complete -c stanctl -n "__fish_stanctl_using_subcommand clients; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Print no findings, notes or progress (exit codes still tell)'
complete -c stanctl -n "__fish_stanctl_using_subcommand clients; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c stanctl -n "__fish_stanctl_using_subcommand clients; and __fish_seen_subcommand_from help" -f -a "ls" -d 'List clients'
complete -c stanctl -n "__fish_stanctl_using_subcommand clients; and __fish_seen_subcommand_from help" -f -a "show" -d 'One client and its subscriptions'
complete -c stanctl -n "__fish_stanctl_using_subcommand clients; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c stanctl -n "__fish_stanctl_using_subcommand subs; and not __fish_seen_subcommand_from ls show help" -l dir -d 'File store root directory (the server\'s -dir)' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand subs; and not __fish_seen_subcommand_from ls show help" -l store -d 'Store type (the server\'s -store); guessed from the other options when omitted' -r -f -a "file\t''
sql\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand subs; and not __fish_seen_subcommand_from ls show help" -l sql-driver -d 'SQL driver: postgres, mysql or sqlite' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand subs; and not __fish_seen_subcommand_from ls show help" -l sql-source -d 'SQL data source, in the server\'s own form (Go MySQL DSN, Postgres key=value or URL, SQLite path)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand subs; and not __fish_seen_subcommand_from ls show help" -s c -l config -d 'nats-streaming-server configuration file: store, dir, file and SQL options, limits' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand subs; and not __fish_seen_subcommand_from ls show help" -l file-crc-poly -d 'CRC-32 polynomial the store was written with (the server\'s -file_crc_poly), decimal or 0x hex' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand subs; and not __fish_seen_subcommand_from ls show help" -l file-crc -d 'Verify CRCs when reading (the server\'s -file_crc)' -r -f -a "true\t''
false\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand subs; and not __fish_seen_subcommand_from ls show help" -l encryption-key-file -d 'File holding the encryption key (the whole file, one trailing newline removed)' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand subs; and not __fish_seen_subcommand_from ls show help" -l encryption-key -d 'Encryption key (visible in the process list: prefer --encryption-key-file or NATS_STREAMING_ENCRYPTION_KEY, which takes precedence, as for the server)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand subs; and not __fish_seen_subcommand_from ls show help" -l cluster-log-path -d 'Raft log directory of a cluster node (the server\'s -cluster_log_path); found next to the store when omitted' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand subs; and not __fish_seen_subcommand_from ls show help" -l now -d '"Now" for age limits (RFC 3339, epoch time with a unit like 1795570246s, or ns since the epoch); default: the current time' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand subs; and not __fish_seen_subcommand_from ls show help" -l format -d 'Output format' -r -f -a "table\t'Human-readable table'
json\t'One JSON document'
ndjson\t'One JSON object per line'
raw\t'Payload bytes only (dump)'"
complete -c stanctl -n "__fish_stanctl_using_subcommand subs; and not __fish_seen_subcommand_from ls show help" -l color -d 'Colour check severities: auto (a terminal, unless NO_COLOR is set), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand subs; and not __fish_seen_subcommand_from ls show help" -l strict-commit -d 'Cluster node: stop the Raft log replay at the last entry known to be committed'
complete -c stanctl -n "__fish_stanctl_using_subcommand subs; and not __fish_seen_subcommand_from ls show help" -s v -l verbose -d 'Also print informational findings'
complete -c stanctl -n "__fish_stanctl_using_subcommand subs; and not __fish_seen_subcommand_from ls show help" -s q -l quiet -d 'Print no findings, notes or progress (exit codes still tell)'
complete -c stanctl -n "__fish_stanctl_using_subcommand subs; and not __fish_seen_subcommand_from ls show help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c stanctl -n "__fish_stanctl_using_subcommand subs; and not __fish_seen_subcommand_from ls show help" -f -a "ls" -d 'List subscriptions'
complete -c stanctl -n "__fish_stanctl_using_subcommand subs; and not __fish_seen_subcommand_from ls show help" -f -a "show" -d 'One subscription with its full pending list'
complete -c stanctl -n "__fish_stanctl_using_subcommand subs; and not __fish_seen_subcommand_from ls show help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c stanctl -n "__fish_stanctl_using_subcommand subs; and __fish_seen_subcommand_from ls" -l channel -d 'Only this channel' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand subs; and __fish_seen_subcommand_from ls" -l dir -d 'File store root directory (the server\'s -dir)' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand subs; and __fish_seen_subcommand_from ls" -l store -d 'Store type (the server\'s -store); guessed from the other options when omitted' -r -f -a "file\t''
sql\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand subs; and __fish_seen_subcommand_from ls" -l sql-driver -d 'SQL driver: postgres, mysql or sqlite' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand subs; and __fish_seen_subcommand_from ls" -l sql-source -d 'SQL data source, in the server\'s own form (Go MySQL DSN, Postgres key=value or URL, SQLite path)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand subs; and __fish_seen_subcommand_from ls" -s c -l config -d 'nats-streaming-server configuration file: store, dir, file and SQL options, limits' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand subs; and __fish_seen_subcommand_from ls" -l file-crc-poly -d 'CRC-32 polynomial the store was written with (the server\'s -file_crc_poly), decimal or 0x hex' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand subs; and __fish_seen_subcommand_from ls" -l file-crc -d 'Verify CRCs when reading (the server\'s -file_crc)' -r -f -a "true\t''
false\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand subs; and __fish_seen_subcommand_from ls" -l encryption-key-file -d 'File holding the encryption key (the whole file, one trailing newline removed)' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand subs; and __fish_seen_subcommand_from ls" -l encryption-key -d 'Encryption key (visible in the process list: prefer --encryption-key-file or NATS_STREAMING_ENCRYPTION_KEY, which takes precedence, as for the server)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand subs; and __fish_seen_subcommand_from ls" -l cluster-log-path -d 'Raft log directory of a cluster node (the server\'s -cluster_log_path); found next to the store when omitted' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand subs; and __fish_seen_subcommand_from ls" -l now -d '"Now" for age limits (RFC 3339, epoch time with a unit like 1795570246s, or ns since the epoch); default: the current time' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand subs; and __fish_seen_subcommand_from ls" -l format -d 'Output format' -r -f -a "table\t'Human-readable table'
json\t'One JSON document'
ndjson\t'One JSON object per line'
raw\t'Payload bytes only (dump)'"
complete -c stanctl -n "__fish_stanctl_using_subcommand subs; and __fish_seen_subcommand_from ls" -l color -d 'Colour check severities: auto (a terminal, unless NO_COLOR is set), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand subs; and __fish_seen_subcommand_from ls" -l strict-commit -d 'Cluster node: stop the Raft log replay at the last entry known to be committed'
complete -c stanctl -n "__fish_stanctl_using_subcommand subs; and __fish_seen_subcommand_from ls" -s v -l verbose -d 'Also print informational findings'
complete -c stanctl -n "__fish_stanctl_using_subcommand subs; and __fish_seen_subcommand_from ls" -s q -l quiet -d 'Print no findings, notes or progress (exit codes still tell)'
complete -c stanctl -n "__fish_stanctl_using_subcommand subs; and __fish_seen_subcommand_from ls" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c stanctl -n "__fish_stanctl_using_subcommand subs; and __fish_seen_subcommand_from show" -l dir -d 'File store root directory (the server\'s -dir)' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand subs; and __fish_seen_subcommand_from show" -l store -d 'Store type (the server\'s -store); guessed from the other options when omitted' -r -f -a "file\t''
sql\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand subs; and __fish_seen_subcommand_from show" -l sql-driver -d 'SQL driver: postgres, mysql or sqlite' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand subs; and __fish_seen_subcommand_from show" -l sql-source -d 'SQL data source, in the server\'s own form (Go MySQL DSN, Postgres key=value or URL, SQLite path)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand subs; and __fish_seen_subcommand_from show" -s c -l config -d 'nats-streaming-server configuration file: store, dir, file and SQL options, limits' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand subs; and __fish_seen_subcommand_from show" -l file-crc-poly -d 'CRC-32 polynomial the store was written with (the server\'s -file_crc_poly), decimal or 0x hex' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand subs; and __fish_seen_subcommand_from show" -l file-crc -d 'Verify CRCs when reading (the server\'s -file_crc)' -r -f -a "true\t''
false\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand subs; and __fish_seen_subcommand_from show" -l encryption-key-file -d 'File holding the encryption key (the whole file, one trailing newline removed)' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand subs; and __fish_seen_subcommand_from show" -l encryption-key -d 'Encryption key (visible in the process list: prefer --encryption-key-file or NATS_STREAMING_ENCRYPTION_KEY, which takes precedence, as for the server)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand subs; and __fish_seen_subcommand_from show" -l cluster-log-path -d 'Raft log directory of a cluster node (the server\'s -cluster_log_path); found next to the store when omitted' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand subs; and __fish_seen_subcommand_from show" -l now -d '"Now" for age limits (RFC 3339, epoch time with a unit like 1795570246s, or ns since the epoch); default: the current time' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand subs; and __fish_seen_subcommand_from show" -l format -d 'Output format' -r -f -a "table\t'Human-readable table'
json\t'One JSON document'
ndjson\t'One JSON object per line'
raw\t'Payload bytes only (dump)'"
complete -c stanctl -n "__fish_stanctl_using_subcommand subs; and __fish_seen_subcommand_from show" -l color -d 'Colour check severities: auto (a terminal, unless NO_COLOR is set), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand subs; and __fish_seen_subcommand_from show" -l strict-commit -d 'Cluster node: stop the Raft log replay at the last entry known to be committed'
complete -c stanctl -n "__fish_stanctl_using_subcommand subs; and __fish_seen_subcommand_from show" -s v -l verbose -d 'Also print informational findings'
complete -c stanctl -n "__fish_stanctl_using_subcommand subs; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Print no findings, notes or progress (exit codes still tell)'
complete -c stanctl -n "__fish_stanctl_using_subcommand subs; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c stanctl -n "__fish_stanctl_using_subcommand subs; and __fish_seen_subcommand_from help" -f -a "ls" -d 'List subscriptions'
complete -c stanctl -n "__fish_stanctl_using_subcommand subs; and __fish_seen_subcommand_from help" -f -a "show" -d 'One subscription with its full pending list'
complete -c stanctl -n "__fish_stanctl_using_subcommand subs; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c stanctl -n "__fish_stanctl_using_subcommand export; and not __fish_seen_subcommand_from parquet help" -l dir -d 'File store root directory (the server\'s -dir)' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand export; and not __fish_seen_subcommand_from parquet help" -l store -d 'Store type (the server\'s -store); guessed from the other options when omitted' -r -f -a "file\t''
sql\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand export; and not __fish_seen_subcommand_from parquet help" -l sql-driver -d 'SQL driver: postgres, mysql or sqlite' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand export; and not __fish_seen_subcommand_from parquet help" -l sql-source -d 'SQL data source, in the server\'s own form (Go MySQL DSN, Postgres key=value or URL, SQLite path)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand export; and not __fish_seen_subcommand_from parquet help" -s c -l config -d 'nats-streaming-server configuration file: store, dir, file and SQL options, limits' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand export; and not __fish_seen_subcommand_from parquet help" -l file-crc-poly -d 'CRC-32 polynomial the store was written with (the server\'s -file_crc_poly), decimal or 0x hex' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand export; and not __fish_seen_subcommand_from parquet help" -l file-crc -d 'Verify CRCs when reading (the server\'s -file_crc)' -r -f -a "true\t''
false\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand export; and not __fish_seen_subcommand_from parquet help" -l encryption-key-file -d 'File holding the encryption key (the whole file, one trailing newline removed)' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand export; and not __fish_seen_subcommand_from parquet help" -l encryption-key -d 'Encryption key (visible in the process list: prefer --encryption-key-file or NATS_STREAMING_ENCRYPTION_KEY, which takes precedence, as for the server)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand export; and not __fish_seen_subcommand_from parquet help" -l cluster-log-path -d 'Raft log directory of a cluster node (the server\'s -cluster_log_path); found next to the store when omitted' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand export; and not __fish_seen_subcommand_from parquet help" -l now -d '"Now" for age limits (RFC 3339, epoch time with a unit like 1795570246s, or ns since the epoch); default: the current time' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand export; and not __fish_seen_subcommand_from parquet help" -l format -d 'Output format' -r -f -a "table\t'Human-readable table'
json\t'One JSON document'
ndjson\t'One JSON object per line'
raw\t'Payload bytes only (dump)'"
complete -c stanctl -n "__fish_stanctl_using_subcommand export; and not __fish_seen_subcommand_from parquet help" -l color -d 'Colour check severities: auto (a terminal, unless NO_COLOR is set), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand export; and not __fish_seen_subcommand_from parquet help" -l strict-commit -d 'Cluster node: stop the Raft log replay at the last entry known to be committed'
complete -c stanctl -n "__fish_stanctl_using_subcommand export; and not __fish_seen_subcommand_from parquet help" -s v -l verbose -d 'Also print informational findings'
complete -c stanctl -n "__fish_stanctl_using_subcommand export; and not __fish_seen_subcommand_from parquet help" -s q -l quiet -d 'Print no findings, notes or progress (exit codes still tell)'
complete -c stanctl -n "__fish_stanctl_using_subcommand export; and not __fish_seen_subcommand_from parquet help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c stanctl -n "__fish_stanctl_using_subcommand export; and not __fish_seen_subcommand_from parquet help" -f -a "parquet" -d 'Apache Parquet dataset: messages/channel=NAME/part-N.parquet (Hive partitions) plus channels, subscriptions and clients files'
complete -c stanctl -n "__fish_stanctl_using_subcommand export; and not __fish_seen_subcommand_from parquet help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c stanctl -n "__fish_stanctl_using_subcommand export; and __fish_seen_subcommand_from parquet" -l to -d 'Target directory (must not exist, or be empty)' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand export; and __fish_seen_subcommand_from parquet" -l channel -d 'Only these channels (repeatable; subject wildcards `*` and `>`)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand export; and __fish_seen_subcommand_from parquet" -l from-seq -d 'First sequence (inclusive)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand export; and __fish_seen_subcommand_from parquet" -l since -d 'Only messages at or after this time: RFC 3339, epoch time with a unit (1795570246s, ms, us, ns), or back from now (1h, 90s ago)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand export; and __fish_seen_subcommand_from parquet" -l to-seq -d 'Last sequence (inclusive)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand export; and __fish_seen_subcommand_from parquet" -l until -d 'Only messages at or before this time' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand export; and __fish_seen_subcommand_from parquet" -l zstd-level -d 'zstd compression level (1 fastest to 22 smallest)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand export; and __fish_seen_subcommand_from parquet" -l row-group-size -d 'Close a row group at this encoded size (e.g. 64M)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand export; and __fish_seen_subcommand_from parquet" -l row-group-rows -d '... or at this many rows' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand export; and __fish_seen_subcommand_from parquet" -l split-size -d 'Start a new file of a channel at this size (e.g. 1G); a file exceeds it by at most one message and its footer' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand export; and __fish_seen_subcommand_from parquet" -l dir -d 'File store root directory (the server\'s -dir)' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand export; and __fish_seen_subcommand_from parquet" -l store -d 'Store type (the server\'s -store); guessed from the other options when omitted' -r -f -a "file\t''
sql\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand export; and __fish_seen_subcommand_from parquet" -l sql-driver -d 'SQL driver: postgres, mysql or sqlite' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand export; and __fish_seen_subcommand_from parquet" -l sql-source -d 'SQL data source, in the server\'s own form (Go MySQL DSN, Postgres key=value or URL, SQLite path)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand export; and __fish_seen_subcommand_from parquet" -s c -l config -d 'nats-streaming-server configuration file: store, dir, file and SQL options, limits' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand export; and __fish_seen_subcommand_from parquet" -l file-crc-poly -d 'CRC-32 polynomial the store was written with (the server\'s -file_crc_poly), decimal or 0x hex' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand export; and __fish_seen_subcommand_from parquet" -l file-crc -d 'Verify CRCs when reading (the server\'s -file_crc)' -r -f -a "true\t''
false\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand export; and __fish_seen_subcommand_from parquet" -l encryption-key-file -d 'File holding the encryption key (the whole file, one trailing newline removed)' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand export; and __fish_seen_subcommand_from parquet" -l encryption-key -d 'Encryption key (visible in the process list: prefer --encryption-key-file or NATS_STREAMING_ENCRYPTION_KEY, which takes precedence, as for the server)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand export; and __fish_seen_subcommand_from parquet" -l cluster-log-path -d 'Raft log directory of a cluster node (the server\'s -cluster_log_path); found next to the store when omitted' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand export; and __fish_seen_subcommand_from parquet" -l now -d '"Now" for age limits (RFC 3339, epoch time with a unit like 1795570246s, or ns since the epoch); default: the current time' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand export; and __fish_seen_subcommand_from parquet" -l format -d 'Output format' -r -f -a "table\t'Human-readable table'
json\t'One JSON document'
ndjson\t'One JSON object per line'
raw\t'Payload bytes only (dump)'"
complete -c stanctl -n "__fish_stanctl_using_subcommand export; and __fish_seen_subcommand_from parquet" -l color -d 'Colour check severities: auto (a terminal, unless NO_COLOR is set), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand export; and __fish_seen_subcommand_from parquet" -l keep-encrypted -d 'Write payloads that are encrypted and cannot be decrypted (no key) as stored, instead of refusing them'
complete -c stanctl -n "__fish_stanctl_using_subcommand export; and __fish_seen_subcommand_from parquet" -l verify -d 'Re-read the dataset and compare every row with the store'
complete -c stanctl -n "__fish_stanctl_using_subcommand export; and __fish_seen_subcommand_from parquet" -l strict-commit -d 'Cluster node: stop the Raft log replay at the last entry known to be committed'
complete -c stanctl -n "__fish_stanctl_using_subcommand export; and __fish_seen_subcommand_from parquet" -s v -l verbose -d 'Also print informational findings'
complete -c stanctl -n "__fish_stanctl_using_subcommand export; and __fish_seen_subcommand_from parquet" -s q -l quiet -d 'Print no findings, notes or progress (exit codes still tell)'
complete -c stanctl -n "__fish_stanctl_using_subcommand export; and __fish_seen_subcommand_from parquet" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c stanctl -n "__fish_stanctl_using_subcommand export; and __fish_seen_subcommand_from help" -f -a "parquet" -d 'Apache Parquet dataset: messages/channel=NAME/part-N.parquet (Hive partitions) plus channels, subscriptions and clients files'
complete -c stanctl -n "__fish_stanctl_using_subcommand export; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and not __fish_seen_subcommand_from file-to-sql sql-to-file file-to-file sql-to-sql to-jetstream help" -l dir -d 'File store root directory (the server\'s -dir)' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and not __fish_seen_subcommand_from file-to-sql sql-to-file file-to-file sql-to-sql to-jetstream help" -l store -d 'Store type (the server\'s -store); guessed from the other options when omitted' -r -f -a "file\t''
sql\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and not __fish_seen_subcommand_from file-to-sql sql-to-file file-to-file sql-to-sql to-jetstream help" -l sql-driver -d 'SQL driver: postgres, mysql or sqlite' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and not __fish_seen_subcommand_from file-to-sql sql-to-file file-to-file sql-to-sql to-jetstream help" -l sql-source -d 'SQL data source, in the server\'s own form (Go MySQL DSN, Postgres key=value or URL, SQLite path)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and not __fish_seen_subcommand_from file-to-sql sql-to-file file-to-file sql-to-sql to-jetstream help" -s c -l config -d 'nats-streaming-server configuration file: store, dir, file and SQL options, limits' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and not __fish_seen_subcommand_from file-to-sql sql-to-file file-to-file sql-to-sql to-jetstream help" -l file-crc-poly -d 'CRC-32 polynomial the store was written with (the server\'s -file_crc_poly), decimal or 0x hex' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and not __fish_seen_subcommand_from file-to-sql sql-to-file file-to-file sql-to-sql to-jetstream help" -l file-crc -d 'Verify CRCs when reading (the server\'s -file_crc)' -r -f -a "true\t''
false\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and not __fish_seen_subcommand_from file-to-sql sql-to-file file-to-file sql-to-sql to-jetstream help" -l encryption-key-file -d 'File holding the encryption key (the whole file, one trailing newline removed)' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and not __fish_seen_subcommand_from file-to-sql sql-to-file file-to-file sql-to-sql to-jetstream help" -l encryption-key -d 'Encryption key (visible in the process list: prefer --encryption-key-file or NATS_STREAMING_ENCRYPTION_KEY, which takes precedence, as for the server)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and not __fish_seen_subcommand_from file-to-sql sql-to-file file-to-file sql-to-sql to-jetstream help" -l cluster-log-path -d 'Raft log directory of a cluster node (the server\'s -cluster_log_path); found next to the store when omitted' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and not __fish_seen_subcommand_from file-to-sql sql-to-file file-to-file sql-to-sql to-jetstream help" -l now -d '"Now" for age limits (RFC 3339, epoch time with a unit like 1795570246s, or ns since the epoch); default: the current time' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and not __fish_seen_subcommand_from file-to-sql sql-to-file file-to-file sql-to-sql to-jetstream help" -l format -d 'Output format' -r -f -a "table\t'Human-readable table'
json\t'One JSON document'
ndjson\t'One JSON object per line'
raw\t'Payload bytes only (dump)'"
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and not __fish_seen_subcommand_from file-to-sql sql-to-file file-to-file sql-to-sql to-jetstream help" -l color -d 'Colour check severities: auto (a terminal, unless NO_COLOR is set), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and not __fish_seen_subcommand_from file-to-sql sql-to-file file-to-file sql-to-sql to-jetstream help" -l strict-commit -d 'Cluster node: stop the Raft log replay at the last entry known to be committed'
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and not __fish_seen_subcommand_from file-to-sql sql-to-file file-to-file sql-to-sql to-jetstream help" -s v -l verbose -d 'Also print informational findings'
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and not __fish_seen_subcommand_from file-to-sql sql-to-file file-to-file sql-to-sql to-jetstream help" -s q -l quiet -d 'Print no findings, notes or progress (exit codes still tell)'
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and not __fish_seen_subcommand_from file-to-sql sql-to-file file-to-file sql-to-sql to-jetstream help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and not __fish_seen_subcommand_from file-to-sql sql-to-file file-to-file sql-to-sql to-jetstream help" -f -a "file-to-sql" -d 'File store to SQL (SQLite by default, PostgreSQL, MySQL/MariaDB)'
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and not __fish_seen_subcommand_from file-to-sql sql-to-file file-to-file sql-to-sql to-jetstream help" -f -a "sql-to-file" -d 'SQL store to file store'
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and not __fish_seen_subcommand_from file-to-sql sql-to-file file-to-file sql-to-sql to-jetstream help" -f -a "file-to-file" -d 'File store to a new file store (re-slice, change CRC polynomial or encryption)'
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and not __fish_seen_subcommand_from file-to-sql sql-to-file file-to-file sql-to-sql to-jetstream help" -f -a "sql-to-sql" -d 'SQL store to another SQL store'
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and not __fish_seen_subcommand_from file-to-sql sql-to-file file-to-file sql-to-sql to-jetstream help" -f -a "to-jetstream" -d 'Any store to NATS JetStream: channels become streams, durables consumers'
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and not __fish_seen_subcommand_from file-to-sql sql-to-file file-to-file sql-to-sql to-jetstream help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from file-to-sql" -l to-dir -d 'Target file store directory (must not exist, or be empty)' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from file-to-sql" -l to-sql-driver -d 'Target SQL driver: sqlite (default), postgres or mysql' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from file-to-sql" -l to-sql-source -d 'Target SQL data source (a file path for SQLite)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from file-to-sql" -l slice-max-msgs -d 'Target slices: at most this many messages (0 = unchecked)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from file-to-sql" -l slice-max-bytes -d 'Target slices: at most this many bytes (default 64 MiB, as the server)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from file-to-sql" -l slice-max-age -d 'Target slices: at most this age span (e.g. 1h)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from file-to-sql" -l to-file-crc-poly -d 'CRC-32 polynomial of the target file store (default IEEE), decimal or 0x hex' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from file-to-sql" -l channel -d 'Only these channels (repeatable; subject wildcards allowed)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from file-to-sql" -l from-seq -d 'First sequence (inclusive)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from file-to-sql" -l since -d 'Only messages at or after this time: RFC 3339, epoch time with a unit (1795570246s, ms, us, ns), or back from now (1h, 90s ago)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from file-to-sql" -l to-encryption-key-file -d 'Encrypt the target\'s payloads with the key in this file' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from file-to-sql" -l to-encryption-cipher -d 'Cipher for --to-encryption-key-file: AES or CHACHA' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from file-to-sql" -l for-server-version -d 'Write what this server version can open (e.g. 0.9.2): plaintext payloads before v0.12.0 (needs the source key), no sequence gaps before v0.16.2; refuse what it cannot represent, naming why' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from file-to-sql" -l dir -d 'File store root directory (the server\'s -dir)' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from file-to-sql" -l store -d 'Store type (the server\'s -store); guessed from the other options when omitted' -r -f -a "file\t''
sql\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from file-to-sql" -l sql-driver -d 'SQL driver: postgres, mysql or sqlite' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from file-to-sql" -l sql-source -d 'SQL data source, in the server\'s own form (Go MySQL DSN, Postgres key=value or URL, SQLite path)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from file-to-sql" -s c -l config -d 'nats-streaming-server configuration file: store, dir, file and SQL options, limits' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from file-to-sql" -l file-crc-poly -d 'CRC-32 polynomial the store was written with (the server\'s -file_crc_poly), decimal or 0x hex' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from file-to-sql" -l file-crc -d 'Verify CRCs when reading (the server\'s -file_crc)' -r -f -a "true\t''
false\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from file-to-sql" -l encryption-key-file -d 'File holding the encryption key (the whole file, one trailing newline removed)' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from file-to-sql" -l encryption-key -d 'Encryption key (visible in the process list: prefer --encryption-key-file or NATS_STREAMING_ENCRYPTION_KEY, which takes precedence, as for the server)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from file-to-sql" -l cluster-log-path -d 'Raft log directory of a cluster node (the server\'s -cluster_log_path); found next to the store when omitted' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from file-to-sql" -l now -d '"Now" for age limits (RFC 3339, epoch time with a unit like 1795570246s, or ns since the epoch); default: the current time' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from file-to-sql" -l format -d 'Output format' -r -f -a "table\t'Human-readable table'
json\t'One JSON document'
ndjson\t'One JSON object per line'
raw\t'Payload bytes only (dump)'"
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from file-to-sql" -l color -d 'Colour check severities: auto (a terminal, unless NO_COLOR is set), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from file-to-sql" -l to-sql-no-caching -d 'Write SubsPending in the server\'s no_caching style (one row per unacknowledged message); it must match the server\'s sql no_caching'
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from file-to-sql" -l force -d 'Replace the content of a non-empty SQL target'
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from file-to-sql" -l verify -d 'Re-read the target and compare everything with the source'
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from file-to-sql" -l to-plaintext -d 'Write decrypted payloads (needs the source key)'
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from file-to-sql" -l allow-sequence-reset -d 'Accept that a file target restarts at 1 the sequence of a channel whose messages were all removed and whose last record the source no longer holds (without it, such a migration is refused)'
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from file-to-sql" -l strict-commit -d 'Cluster node: stop the Raft log replay at the last entry known to be committed'
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from file-to-sql" -s v -l verbose -d 'Also print informational findings'
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from file-to-sql" -s q -l quiet -d 'Print no findings, notes or progress (exit codes still tell)'
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from file-to-sql" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from sql-to-file" -l to-dir -d 'Target file store directory (must not exist, or be empty)' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from sql-to-file" -l to-sql-driver -d 'Target SQL driver: sqlite (default), postgres or mysql' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from sql-to-file" -l to-sql-source -d 'Target SQL data source (a file path for SQLite)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from sql-to-file" -l slice-max-msgs -d 'Target slices: at most this many messages (0 = unchecked)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from sql-to-file" -l slice-max-bytes -d 'Target slices: at most this many bytes (default 64 MiB, as the server)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from sql-to-file" -l slice-max-age -d 'Target slices: at most this age span (e.g. 1h)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from sql-to-file" -l to-file-crc-poly -d 'CRC-32 polynomial of the target file store (default IEEE), decimal or 0x hex' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from sql-to-file" -l channel -d 'Only these channels (repeatable; subject wildcards allowed)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from sql-to-file" -l from-seq -d 'First sequence (inclusive)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from sql-to-file" -l since -d 'Only messages at or after this time: RFC 3339, epoch time with a unit (1795570246s, ms, us, ns), or back from now (1h, 90s ago)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from sql-to-file" -l to-encryption-key-file -d 'Encrypt the target\'s payloads with the key in this file' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from sql-to-file" -l to-encryption-cipher -d 'Cipher for --to-encryption-key-file: AES or CHACHA' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from sql-to-file" -l for-server-version -d 'Write what this server version can open (e.g. 0.9.2): plaintext payloads before v0.12.0 (needs the source key), no sequence gaps before v0.16.2; refuse what it cannot represent, naming why' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from sql-to-file" -l dir -d 'File store root directory (the server\'s -dir)' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from sql-to-file" -l store -d 'Store type (the server\'s -store); guessed from the other options when omitted' -r -f -a "file\t''
sql\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from sql-to-file" -l sql-driver -d 'SQL driver: postgres, mysql or sqlite' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from sql-to-file" -l sql-source -d 'SQL data source, in the server\'s own form (Go MySQL DSN, Postgres key=value or URL, SQLite path)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from sql-to-file" -s c -l config -d 'nats-streaming-server configuration file: store, dir, file and SQL options, limits' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from sql-to-file" -l file-crc-poly -d 'CRC-32 polynomial the store was written with (the server\'s -file_crc_poly), decimal or 0x hex' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from sql-to-file" -l file-crc -d 'Verify CRCs when reading (the server\'s -file_crc)' -r -f -a "true\t''
false\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from sql-to-file" -l encryption-key-file -d 'File holding the encryption key (the whole file, one trailing newline removed)' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from sql-to-file" -l encryption-key -d 'Encryption key (visible in the process list: prefer --encryption-key-file or NATS_STREAMING_ENCRYPTION_KEY, which takes precedence, as for the server)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from sql-to-file" -l cluster-log-path -d 'Raft log directory of a cluster node (the server\'s -cluster_log_path); found next to the store when omitted' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from sql-to-file" -l now -d '"Now" for age limits (RFC 3339, epoch time with a unit like 1795570246s, or ns since the epoch); default: the current time' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from sql-to-file" -l format -d 'Output format' -r -f -a "table\t'Human-readable table'
json\t'One JSON document'
ndjson\t'One JSON object per line'
raw\t'Payload bytes only (dump)'"
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from sql-to-file" -l color -d 'Colour check severities: auto (a terminal, unless NO_COLOR is set), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from sql-to-file" -l to-sql-no-caching -d 'Write SubsPending in the server\'s no_caching style (one row per unacknowledged message); it must match the server\'s sql no_caching'
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from sql-to-file" -l force -d 'Replace the content of a non-empty SQL target'
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from sql-to-file" -l verify -d 'Re-read the target and compare everything with the source'
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from sql-to-file" -l to-plaintext -d 'Write decrypted payloads (needs the source key)'
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from sql-to-file" -l allow-sequence-reset -d 'Accept that a file target restarts at 1 the sequence of a channel whose messages were all removed and whose last record the source no longer holds (without it, such a migration is refused)'
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from sql-to-file" -l strict-commit -d 'Cluster node: stop the Raft log replay at the last entry known to be committed'
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from sql-to-file" -s v -l verbose -d 'Also print informational findings'
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from sql-to-file" -s q -l quiet -d 'Print no findings, notes or progress (exit codes still tell)'
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from sql-to-file" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from file-to-file" -l to-dir -d 'Target file store directory (must not exist, or be empty)' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from file-to-file" -l to-sql-driver -d 'Target SQL driver: sqlite (default), postgres or mysql' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from file-to-file" -l to-sql-source -d 'Target SQL data source (a file path for SQLite)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from file-to-file" -l slice-max-msgs -d 'Target slices: at most this many messages (0 = unchecked)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from file-to-file" -l slice-max-bytes -d 'Target slices: at most this many bytes (default 64 MiB, as the server)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from file-to-file" -l slice-max-age -d 'Target slices: at most this age span (e.g. 1h)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from file-to-file" -l to-file-crc-poly -d 'CRC-32 polynomial of the target file store (default IEEE), decimal or 0x hex' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from file-to-file" -l channel -d 'Only these channels (repeatable; subject wildcards allowed)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from file-to-file" -l from-seq -d 'First sequence (inclusive)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from file-to-file" -l since -d 'Only messages at or after this time: RFC 3339, epoch time with a unit (1795570246s, ms, us, ns), or back from now (1h, 90s ago)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from file-to-file" -l to-encryption-key-file -d 'Encrypt the target\'s payloads with the key in this file' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from file-to-file" -l to-encryption-cipher -d 'Cipher for --to-encryption-key-file: AES or CHACHA' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from file-to-file" -l for-server-version -d 'Write what this server version can open (e.g. 0.9.2): plaintext payloads before v0.12.0 (needs the source key), no sequence gaps before v0.16.2; refuse what it cannot represent, naming why' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from file-to-file" -l dir -d 'File store root directory (the server\'s -dir)' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from file-to-file" -l store -d 'Store type (the server\'s -store); guessed from the other options when omitted' -r -f -a "file\t''
sql\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from file-to-file" -l sql-driver -d 'SQL driver: postgres, mysql or sqlite' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from file-to-file" -l sql-source -d 'SQL data source, in the server\'s own form (Go MySQL DSN, Postgres key=value or URL, SQLite path)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from file-to-file" -s c -l config -d 'nats-streaming-server configuration file: store, dir, file and SQL options, limits' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from file-to-file" -l file-crc-poly -d 'CRC-32 polynomial the store was written with (the server\'s -file_crc_poly), decimal or 0x hex' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from file-to-file" -l file-crc -d 'Verify CRCs when reading (the server\'s -file_crc)' -r -f -a "true\t''
false\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from file-to-file" -l encryption-key-file -d 'File holding the encryption key (the whole file, one trailing newline removed)' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from file-to-file" -l encryption-key -d 'Encryption key (visible in the process list: prefer --encryption-key-file or NATS_STREAMING_ENCRYPTION_KEY, which takes precedence, as for the server)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from file-to-file" -l cluster-log-path -d 'Raft log directory of a cluster node (the server\'s -cluster_log_path); found next to the store when omitted' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from file-to-file" -l now -d '"Now" for age limits (RFC 3339, epoch time with a unit like 1795570246s, or ns since the epoch); default: the current time' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from file-to-file" -l format -d 'Output format' -r -f -a "table\t'Human-readable table'
json\t'One JSON document'
ndjson\t'One JSON object per line'
raw\t'Payload bytes only (dump)'"
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from file-to-file" -l color -d 'Colour check severities: auto (a terminal, unless NO_COLOR is set), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from file-to-file" -l to-sql-no-caching -d 'Write SubsPending in the server\'s no_caching style (one row per unacknowledged message); it must match the server\'s sql no_caching'
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from file-to-file" -l force -d 'Replace the content of a non-empty SQL target'
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from file-to-file" -l verify -d 'Re-read the target and compare everything with the source'
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from file-to-file" -l to-plaintext -d 'Write decrypted payloads (needs the source key)'
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from file-to-file" -l allow-sequence-reset -d 'Accept that a file target restarts at 1 the sequence of a channel whose messages were all removed and whose last record the source no longer holds (without it, such a migration is refused)'
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from file-to-file" -l strict-commit -d 'Cluster node: stop the Raft log replay at the last entry known to be committed'
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from file-to-file" -s v -l verbose -d 'Also print informational findings'
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from file-to-file" -s q -l quiet -d 'Print no findings, notes or progress (exit codes still tell)'
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from file-to-file" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from sql-to-sql" -l to-dir -d 'Target file store directory (must not exist, or be empty)' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from sql-to-sql" -l to-sql-driver -d 'Target SQL driver: sqlite (default), postgres or mysql' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from sql-to-sql" -l to-sql-source -d 'Target SQL data source (a file path for SQLite)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from sql-to-sql" -l slice-max-msgs -d 'Target slices: at most this many messages (0 = unchecked)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from sql-to-sql" -l slice-max-bytes -d 'Target slices: at most this many bytes (default 64 MiB, as the server)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from sql-to-sql" -l slice-max-age -d 'Target slices: at most this age span (e.g. 1h)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from sql-to-sql" -l to-file-crc-poly -d 'CRC-32 polynomial of the target file store (default IEEE), decimal or 0x hex' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from sql-to-sql" -l channel -d 'Only these channels (repeatable; subject wildcards allowed)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from sql-to-sql" -l from-seq -d 'First sequence (inclusive)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from sql-to-sql" -l since -d 'Only messages at or after this time: RFC 3339, epoch time with a unit (1795570246s, ms, us, ns), or back from now (1h, 90s ago)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from sql-to-sql" -l to-encryption-key-file -d 'Encrypt the target\'s payloads with the key in this file' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from sql-to-sql" -l to-encryption-cipher -d 'Cipher for --to-encryption-key-file: AES or CHACHA' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from sql-to-sql" -l for-server-version -d 'Write what this server version can open (e.g. 0.9.2): plaintext payloads before v0.12.0 (needs the source key), no sequence gaps before v0.16.2; refuse what it cannot represent, naming why' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from sql-to-sql" -l dir -d 'File store root directory (the server\'s -dir)' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from sql-to-sql" -l store -d 'Store type (the server\'s -store); guessed from the other options when omitted' -r -f -a "file\t''
sql\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from sql-to-sql" -l sql-driver -d 'SQL driver: postgres, mysql or sqlite' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from sql-to-sql" -l sql-source -d 'SQL data source, in the server\'s own form (Go MySQL DSN, Postgres key=value or URL, SQLite path)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from sql-to-sql" -s c -l config -d 'nats-streaming-server configuration file: store, dir, file and SQL options, limits' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from sql-to-sql" -l file-crc-poly -d 'CRC-32 polynomial the store was written with (the server\'s -file_crc_poly), decimal or 0x hex' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from sql-to-sql" -l file-crc -d 'Verify CRCs when reading (the server\'s -file_crc)' -r -f -a "true\t''
false\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from sql-to-sql" -l encryption-key-file -d 'File holding the encryption key (the whole file, one trailing newline removed)' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from sql-to-sql" -l encryption-key -d 'Encryption key (visible in the process list: prefer --encryption-key-file or NATS_STREAMING_ENCRYPTION_KEY, which takes precedence, as for the server)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from sql-to-sql" -l cluster-log-path -d 'Raft log directory of a cluster node (the server\'s -cluster_log_path); found next to the store when omitted' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from sql-to-sql" -l now -d '"Now" for age limits (RFC 3339, epoch time with a unit like 1795570246s, or ns since the epoch); default: the current time' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from sql-to-sql" -l format -d 'Output format' -r -f -a "table\t'Human-readable table'
json\t'One JSON document'
ndjson\t'One JSON object per line'
raw\t'Payload bytes only (dump)'"
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from sql-to-sql" -l color -d 'Colour check severities: auto (a terminal, unless NO_COLOR is set), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from sql-to-sql" -l to-sql-no-caching -d 'Write SubsPending in the server\'s no_caching style (one row per unacknowledged message); it must match the server\'s sql no_caching'
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from sql-to-sql" -l force -d 'Replace the content of a non-empty SQL target'
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from sql-to-sql" -l verify -d 'Re-read the target and compare everything with the source'
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from sql-to-sql" -l to-plaintext -d 'Write decrypted payloads (needs the source key)'
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from sql-to-sql" -l allow-sequence-reset -d 'Accept that a file target restarts at 1 the sequence of a channel whose messages were all removed and whose last record the source no longer holds (without it, such a migration is refused)'
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from sql-to-sql" -l strict-commit -d 'Cluster node: stop the Raft log replay at the last entry known to be committed'
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from sql-to-sql" -s v -l verbose -d 'Also print informational findings'
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from sql-to-sql" -s q -l quiet -d 'Print no findings, notes or progress (exit codes still tell)'
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from sql-to-sql" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from to-jetstream" -l server -d 'Target nats-server(s): nats://HOST:PORT (tls://... for TLS), comma-separated' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from to-jetstream" -l context -d 'natscli context to connect with (~/.config/nats/context/NAME.json); without it, the one selected with `nats context select`. Options and NATS_* variables given override it' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from to-jetstream" -l creds -d 'Credentials file (JWT and NKey seed)' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from to-jetstream" -l nkey -d 'File holding an NKey seed (an NKey user)' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from to-jetstream" -l user -d 'User name (with --password)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from to-jetstream" -l password -d 'Password (with --user)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from to-jetstream" -l token -d 'Authentication token' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from to-jetstream" -l tls-ca -d 'CA certificate to verify the server with' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from to-jetstream" -l tls-cert -d 'Client certificate (with --tls-key)' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from to-jetstream" -l tls-key -d 'Client certificate key (with --tls-cert)' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from to-jetstream" -l channel -d 'Only these channels (repeatable; subject wildcards allowed)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from to-jetstream" -l client -d 'Only subscriptions of these client ids (repeatable)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from to-jetstream" -l stream-name -d 'Name the stream of a channel, instead of the naming rule (repeatable)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from to-jetstream" -l stream-prefix -d 'Prepended to every stream name made by the rule' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from to-jetstream" -l subject-prefix -d 'Prepended verbatim to every subject (e.g. "migrated.")' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from to-jetstream" -l replicas -d 'Stream replicas (clustered JetStream)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from to-jetstream" -l max-pending-acks -d 'Publishes awaiting their acknowledgement at most' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from to-jetstream" -l consumer-kind -d 'Consumers the applications pull from, or push consumers that send to a deliver subject (a queue group\'s to its deliver group)' -r -f -a "pull\t''
push\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from to-jetstream" -l deliver-subject-prefix -d 'Push consumers: deliver subject = PREFIX + stream + "." + consumer' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from to-jetstream" -l parallel -d 'Channels exported at once, each one ordered publisher with its own store reader [default: the core count, at most 16]' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from to-jetstream" -l timeout -d 'Bound of every request to the server' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from to-jetstream" -l dir -d 'File store root directory (the server\'s -dir)' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from to-jetstream" -l store -d 'Store type (the server\'s -store); guessed from the other options when omitted' -r -f -a "file\t''
sql\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from to-jetstream" -l sql-driver -d 'SQL driver: postgres, mysql or sqlite' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from to-jetstream" -l sql-source -d 'SQL data source, in the server\'s own form (Go MySQL DSN, Postgres key=value or URL, SQLite path)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from to-jetstream" -s c -l config -d 'nats-streaming-server configuration file: store, dir, file and SQL options, limits' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from to-jetstream" -l file-crc-poly -d 'CRC-32 polynomial the store was written with (the server\'s -file_crc_poly), decimal or 0x hex' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from to-jetstream" -l file-crc -d 'Verify CRCs when reading (the server\'s -file_crc)' -r -f -a "true\t''
false\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from to-jetstream" -l encryption-key-file -d 'File holding the encryption key (the whole file, one trailing newline removed)' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from to-jetstream" -l encryption-key -d 'Encryption key (visible in the process list: prefer --encryption-key-file or NATS_STREAMING_ENCRYPTION_KEY, which takes precedence, as for the server)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from to-jetstream" -l cluster-log-path -d 'Raft log directory of a cluster node (the server\'s -cluster_log_path); found next to the store when omitted' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from to-jetstream" -l now -d '"Now" for age limits (RFC 3339, epoch time with a unit like 1795570246s, or ns since the epoch); default: the current time' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from to-jetstream" -l format -d 'Output format' -r -f -a "table\t'Human-readable table'
json\t'One JSON document'
ndjson\t'One JSON object per line'
raw\t'Payload bytes only (dump)'"
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from to-jetstream" -l color -d 'Colour check severities: auto (a terminal, unless NO_COLOR is set), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from to-jetstream" -l dry-run -d 'Print the plan (streams, limits, consumers) and change nothing; needs no server'
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from to-jetstream" -l no-limits -d 'Make unlimited streams instead of carrying the channels\' limits over'
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from to-jetstream" -l no-consumers -d 'Migrate messages only, no consumers'
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from to-jetstream" -l no-first-seq -d 'Do not set streams\' first sequence, even on nats-server 2.10+ (JetStream sequences then start at 1; the mapping is reported)'
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from to-jetstream" -l verify -d 'Afterwards, compare every stream message and consumer with the store'
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from to-jetstream" -l keep-encrypted -d 'Copy payloads as stored even when they look encrypted and no key is given'
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from to-jetstream" -l strict-commit -d 'Cluster node: stop the Raft log replay at the last entry known to be committed'
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from to-jetstream" -s v -l verbose -d 'Also print informational findings'
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from to-jetstream" -s q -l quiet -d 'Print no findings, notes or progress (exit codes still tell)'
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from to-jetstream" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from help" -f -a "file-to-sql" -d 'File store to SQL (SQLite by default, PostgreSQL, MySQL/MariaDB)'
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from help" -f -a "sql-to-file" -d 'SQL store to file store'
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from help" -f -a "file-to-file" -d 'File store to a new file store (re-slice, change CRC polynomial or encryption)'
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from help" -f -a "sql-to-sql" -d 'SQL store to another SQL store'
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from help" -f -a "to-jetstream" -d 'Any store to NATS JetStream: channels become streams, durables consumers'
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c stanctl -n "__fish_stanctl_using_subcommand check" -l fail-on -d 'Exit 1 when a finding is at least this severe' -r -f -a "error\t''
warning\t''
info\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand check" -l server-version -d 'Also answer whether this server version opens the store (exit 1 if not), e.g. 0.10.0: a released version, v0.1.0 to v0.25.6' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand check" -l expect -d 'Compare the store with an expected description (a fixture\'s MANIFEST.json or `stanctl manifest` output); exit 1 on any difference' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand check" -l dir -d 'File store root directory (the server\'s -dir)' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand check" -l store -d 'Store type (the server\'s -store); guessed from the other options when omitted' -r -f -a "file\t''
sql\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand check" -l sql-driver -d 'SQL driver: postgres, mysql or sqlite' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand check" -l sql-source -d 'SQL data source, in the server\'s own form (Go MySQL DSN, Postgres key=value or URL, SQLite path)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand check" -s c -l config -d 'nats-streaming-server configuration file: store, dir, file and SQL options, limits' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand check" -l file-crc-poly -d 'CRC-32 polynomial the store was written with (the server\'s -file_crc_poly), decimal or 0x hex' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand check" -l file-crc -d 'Verify CRCs when reading (the server\'s -file_crc)' -r -f -a "true\t''
false\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand check" -l encryption-key-file -d 'File holding the encryption key (the whole file, one trailing newline removed)' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand check" -l encryption-key -d 'Encryption key (visible in the process list: prefer --encryption-key-file or NATS_STREAMING_ENCRYPTION_KEY, which takes precedence, as for the server)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand check" -l cluster-log-path -d 'Raft log directory of a cluster node (the server\'s -cluster_log_path); found next to the store when omitted' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand check" -l now -d '"Now" for age limits (RFC 3339, epoch time with a unit like 1795570246s, or ns since the epoch); default: the current time' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand check" -l format -d 'Output format' -r -f -a "table\t'Human-readable table'
json\t'One JSON document'
ndjson\t'One JSON object per line'
raw\t'Payload bytes only (dump)'"
complete -c stanctl -n "__fish_stanctl_using_subcommand check" -l color -d 'Colour check severities: auto (a terminal, unless NO_COLOR is set), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand check" -l deep -d 'Read and verify every message. Default: what the server reads at start-up (every index record, the last record of each slice, every subs.dat/clients.dat record) plus the framing of every data record'
complete -c stanctl -n "__fish_stanctl_using_subcommand check" -l strict-commit -d 'Cluster node: stop the Raft log replay at the last entry known to be committed'
complete -c stanctl -n "__fish_stanctl_using_subcommand check" -s v -l verbose -d 'Also print informational findings'
complete -c stanctl -n "__fish_stanctl_using_subcommand check" -s q -l quiet -d 'Print no findings, notes or progress (exit codes still tell)'
complete -c stanctl -n "__fish_stanctl_using_subcommand check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c stanctl -n "__fish_stanctl_using_subcommand manifest" -s o -l output -d 'Write to this file instead of standard output' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand manifest" -l dir -d 'File store root directory (the server\'s -dir)' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand manifest" -l store -d 'Store type (the server\'s -store); guessed from the other options when omitted' -r -f -a "file\t''
sql\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand manifest" -l sql-driver -d 'SQL driver: postgres, mysql or sqlite' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand manifest" -l sql-source -d 'SQL data source, in the server\'s own form (Go MySQL DSN, Postgres key=value or URL, SQLite path)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand manifest" -s c -l config -d 'nats-streaming-server configuration file: store, dir, file and SQL options, limits' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand manifest" -l file-crc-poly -d 'CRC-32 polynomial the store was written with (the server\'s -file_crc_poly), decimal or 0x hex' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand manifest" -l file-crc -d 'Verify CRCs when reading (the server\'s -file_crc)' -r -f -a "true\t''
false\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand manifest" -l encryption-key-file -d 'File holding the encryption key (the whole file, one trailing newline removed)' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand manifest" -l encryption-key -d 'Encryption key (visible in the process list: prefer --encryption-key-file or NATS_STREAMING_ENCRYPTION_KEY, which takes precedence, as for the server)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand manifest" -l cluster-log-path -d 'Raft log directory of a cluster node (the server\'s -cluster_log_path); found next to the store when omitted' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand manifest" -l now -d '"Now" for age limits (RFC 3339, epoch time with a unit like 1795570246s, or ns since the epoch); default: the current time' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand manifest" -l format -d 'Output format' -r -f -a "table\t'Human-readable table'
json\t'One JSON document'
ndjson\t'One JSON object per line'
raw\t'Payload bytes only (dump)'"
complete -c stanctl -n "__fish_stanctl_using_subcommand manifest" -l color -d 'Colour check severities: auto (a terminal, unless NO_COLOR is set), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand manifest" -l messages -d 'Include every message: seq, timestamp, subject, reply, payload length and SHA-256 (payloads are decrypted when a key is given)'
complete -c stanctl -n "__fish_stanctl_using_subcommand manifest" -l strict-commit -d 'Cluster node: stop the Raft log replay at the last entry known to be committed'
complete -c stanctl -n "__fish_stanctl_using_subcommand manifest" -s v -l verbose -d 'Also print informational findings'
complete -c stanctl -n "__fish_stanctl_using_subcommand manifest" -s q -l quiet -d 'Print no findings, notes or progress (exit codes still tell)'
complete -c stanctl -n "__fish_stanctl_using_subcommand manifest" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c stanctl -n "__fish_stanctl_using_subcommand sql; and not __fish_seen_subcommand_from upgrade help" -l dir -d 'File store root directory (the server\'s -dir)' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand sql; and not __fish_seen_subcommand_from upgrade help" -l store -d 'Store type (the server\'s -store); guessed from the other options when omitted' -r -f -a "file\t''
sql\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand sql; and not __fish_seen_subcommand_from upgrade help" -l sql-driver -d 'SQL driver: postgres, mysql or sqlite' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand sql; and not __fish_seen_subcommand_from upgrade help" -l sql-source -d 'SQL data source, in the server\'s own form (Go MySQL DSN, Postgres key=value or URL, SQLite path)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand sql; and not __fish_seen_subcommand_from upgrade help" -s c -l config -d 'nats-streaming-server configuration file: store, dir, file and SQL options, limits' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand sql; and not __fish_seen_subcommand_from upgrade help" -l file-crc-poly -d 'CRC-32 polynomial the store was written with (the server\'s -file_crc_poly), decimal or 0x hex' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand sql; and not __fish_seen_subcommand_from upgrade help" -l file-crc -d 'Verify CRCs when reading (the server\'s -file_crc)' -r -f -a "true\t''
false\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand sql; and not __fish_seen_subcommand_from upgrade help" -l encryption-key-file -d 'File holding the encryption key (the whole file, one trailing newline removed)' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand sql; and not __fish_seen_subcommand_from upgrade help" -l encryption-key -d 'Encryption key (visible in the process list: prefer --encryption-key-file or NATS_STREAMING_ENCRYPTION_KEY, which takes precedence, as for the server)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand sql; and not __fish_seen_subcommand_from upgrade help" -l cluster-log-path -d 'Raft log directory of a cluster node (the server\'s -cluster_log_path); found next to the store when omitted' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand sql; and not __fish_seen_subcommand_from upgrade help" -l now -d '"Now" for age limits (RFC 3339, epoch time with a unit like 1795570246s, or ns since the epoch); default: the current time' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand sql; and not __fish_seen_subcommand_from upgrade help" -l format -d 'Output format' -r -f -a "table\t'Human-readable table'
json\t'One JSON document'
ndjson\t'One JSON object per line'
raw\t'Payload bytes only (dump)'"
complete -c stanctl -n "__fish_stanctl_using_subcommand sql; and not __fish_seen_subcommand_from upgrade help" -l color -d 'Colour check severities: auto (a terminal, unless NO_COLOR is set), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand sql; and not __fish_seen_subcommand_from upgrade help" -l strict-commit -d 'Cluster node: stop the Raft log replay at the last entry known to be committed'
complete -c stanctl -n "__fish_stanctl_using_subcommand sql; and not __fish_seen_subcommand_from upgrade help" -s v -l verbose -d 'Also print informational findings'
complete -c stanctl -n "__fish_stanctl_using_subcommand sql; and not __fish_seen_subcommand_from upgrade help" -s q -l quiet -d 'Print no findings, notes or progress (exit codes still tell)'
complete -c stanctl -n "__fish_stanctl_using_subcommand sql; and not __fish_seen_subcommand_from upgrade help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c stanctl -n "__fish_stanctl_using_subcommand sql; and not __fish_seen_subcommand_from upgrade help" -f -a "upgrade" -d 'Print the statements that bring the schema to the current one (v0.10.0 and later); run them with --apply'
complete -c stanctl -n "__fish_stanctl_using_subcommand sql; and not __fish_seen_subcommand_from upgrade help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c stanctl -n "__fish_stanctl_using_subcommand sql; and __fish_seen_subcommand_from upgrade" -l dir -d 'File store root directory (the server\'s -dir)' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand sql; and __fish_seen_subcommand_from upgrade" -l store -d 'Store type (the server\'s -store); guessed from the other options when omitted' -r -f -a "file\t''
sql\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand sql; and __fish_seen_subcommand_from upgrade" -l sql-driver -d 'SQL driver: postgres, mysql or sqlite' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand sql; and __fish_seen_subcommand_from upgrade" -l sql-source -d 'SQL data source, in the server\'s own form (Go MySQL DSN, Postgres key=value or URL, SQLite path)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand sql; and __fish_seen_subcommand_from upgrade" -s c -l config -d 'nats-streaming-server configuration file: store, dir, file and SQL options, limits' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand sql; and __fish_seen_subcommand_from upgrade" -l file-crc-poly -d 'CRC-32 polynomial the store was written with (the server\'s -file_crc_poly), decimal or 0x hex' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand sql; and __fish_seen_subcommand_from upgrade" -l file-crc -d 'Verify CRCs when reading (the server\'s -file_crc)' -r -f -a "true\t''
false\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand sql; and __fish_seen_subcommand_from upgrade" -l encryption-key-file -d 'File holding the encryption key (the whole file, one trailing newline removed)' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand sql; and __fish_seen_subcommand_from upgrade" -l encryption-key -d 'Encryption key (visible in the process list: prefer --encryption-key-file or NATS_STREAMING_ENCRYPTION_KEY, which takes precedence, as for the server)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand sql; and __fish_seen_subcommand_from upgrade" -l cluster-log-path -d 'Raft log directory of a cluster node (the server\'s -cluster_log_path); found next to the store when omitted' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand sql; and __fish_seen_subcommand_from upgrade" -l now -d '"Now" for age limits (RFC 3339, epoch time with a unit like 1795570246s, or ns since the epoch); default: the current time' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand sql; and __fish_seen_subcommand_from upgrade" -l format -d 'Output format' -r -f -a "table\t'Human-readable table'
json\t'One JSON document'
ndjson\t'One JSON object per line'
raw\t'Payload bytes only (dump)'"
complete -c stanctl -n "__fish_stanctl_using_subcommand sql; and __fish_seen_subcommand_from upgrade" -l color -d 'Colour check severities: auto (a terminal, unless NO_COLOR is set), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand sql; and __fish_seen_subcommand_from upgrade" -l apply -d 'Run the statements (after checking that no live server holds the StoreLock). Without it nothing is written'
complete -c stanctl -n "__fish_stanctl_using_subcommand sql; and __fish_seen_subcommand_from upgrade" -l strict-commit -d 'Cluster node: stop the Raft log replay at the last entry known to be committed'
complete -c stanctl -n "__fish_stanctl_using_subcommand sql; and __fish_seen_subcommand_from upgrade" -s v -l verbose -d 'Also print informational findings'
complete -c stanctl -n "__fish_stanctl_using_subcommand sql; and __fish_seen_subcommand_from upgrade" -s q -l quiet -d 'Print no findings, notes or progress (exit codes still tell)'
complete -c stanctl -n "__fish_stanctl_using_subcommand sql; and __fish_seen_subcommand_from upgrade" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c stanctl -n "__fish_stanctl_using_subcommand sql; and __fish_seen_subcommand_from help" -f -a "upgrade" -d 'Print the statements that bring the schema to the current one (v0.10.0 and later); run them with --apply'
complete -c stanctl -n "__fish_stanctl_using_subcommand sql; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c stanctl -n "__fish_stanctl_using_subcommand salvage" -l to-dir -d 'The new store directory (must not exist, or be empty; not inside the source)' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand salvage" -l dir -d 'File store root directory (the server\'s -dir)' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand salvage" -l store -d 'Store type (the server\'s -store); guessed from the other options when omitted' -r -f -a "file\t''
sql\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand salvage" -l sql-driver -d 'SQL driver: postgres, mysql or sqlite' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand salvage" -l sql-source -d 'SQL data source, in the server\'s own form (Go MySQL DSN, Postgres key=value or URL, SQLite path)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand salvage" -s c -l config -d 'nats-streaming-server configuration file: store, dir, file and SQL options, limits' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand salvage" -l file-crc-poly -d 'CRC-32 polynomial the store was written with (the server\'s -file_crc_poly), decimal or 0x hex' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand salvage" -l file-crc -d 'Verify CRCs when reading (the server\'s -file_crc)' -r -f -a "true\t''
false\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand salvage" -l encryption-key-file -d 'File holding the encryption key (the whole file, one trailing newline removed)' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand salvage" -l encryption-key -d 'Encryption key (visible in the process list: prefer --encryption-key-file or NATS_STREAMING_ENCRYPTION_KEY, which takes precedence, as for the server)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand salvage" -l cluster-log-path -d 'Raft log directory of a cluster node (the server\'s -cluster_log_path); found next to the store when omitted' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand salvage" -l now -d '"Now" for age limits (RFC 3339, epoch time with a unit like 1795570246s, or ns since the epoch); default: the current time' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand salvage" -l format -d 'Output format' -r -f -a "table\t'Human-readable table'
json\t'One JSON document'
ndjson\t'One JSON object per line'
raw\t'Payload bytes only (dump)'"
complete -c stanctl -n "__fish_stanctl_using_subcommand salvage" -l color -d 'Colour check severities: auto (a terminal, unless NO_COLOR is set), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand salvage" -l strict-commit -d 'Cluster node: stop the Raft log replay at the last entry known to be committed'
complete -c stanctl -n "__fish_stanctl_using_subcommand salvage" -s v -l verbose -d 'Also print informational findings'
complete -c stanctl -n "__fish_stanctl_using_subcommand salvage" -s q -l quiet -d 'Print no findings, notes or progress (exit codes still tell)'
complete -c stanctl -n "__fish_stanctl_using_subcommand salvage" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c stanctl -n "__fish_stanctl_using_subcommand completions" -l dir -d 'File store root directory (the server\'s -dir)' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand completions" -l store -d 'Store type (the server\'s -store); guessed from the other options when omitted' -r -f -a "file\t''
sql\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand completions" -l sql-driver -d 'SQL driver: postgres, mysql or sqlite' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand completions" -l sql-source -d 'SQL data source, in the server\'s own form (Go MySQL DSN, Postgres key=value or URL, SQLite path)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand completions" -s c -l config -d 'nats-streaming-server configuration file: store, dir, file and SQL options, limits' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand completions" -l file-crc-poly -d 'CRC-32 polynomial the store was written with (the server\'s -file_crc_poly), decimal or 0x hex' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand completions" -l file-crc -d 'Verify CRCs when reading (the server\'s -file_crc)' -r -f -a "true\t''
false\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand completions" -l encryption-key-file -d 'File holding the encryption key (the whole file, one trailing newline removed)' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand completions" -l encryption-key -d 'Encryption key (visible in the process list: prefer --encryption-key-file or NATS_STREAMING_ENCRYPTION_KEY, which takes precedence, as for the server)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand completions" -l cluster-log-path -d 'Raft log directory of a cluster node (the server\'s -cluster_log_path); found next to the store when omitted' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand completions" -l now -d '"Now" for age limits (RFC 3339, epoch time with a unit like 1795570246s, or ns since the epoch); default: the current time' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand completions" -l format -d 'Output format' -r -f -a "table\t'Human-readable table'
json\t'One JSON document'
ndjson\t'One JSON object per line'
raw\t'Payload bytes only (dump)'"
complete -c stanctl -n "__fish_stanctl_using_subcommand completions" -l color -d 'Colour check severities: auto (a terminal, unless NO_COLOR is set), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand completions" -l strict-commit -d 'Cluster node: stop the Raft log replay at the last entry known to be committed'
complete -c stanctl -n "__fish_stanctl_using_subcommand completions" -s v -l verbose -d 'Also print informational findings'
complete -c stanctl -n "__fish_stanctl_using_subcommand completions" -s q -l quiet -d 'Print no findings, notes or progress (exit codes still tell)'
complete -c stanctl -n "__fish_stanctl_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c stanctl -n "__fish_stanctl_using_subcommand man-pages" -l dir -d 'File store root directory (the server\'s -dir)' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand man-pages" -l store -d 'Store type (the server\'s -store); guessed from the other options when omitted' -r -f -a "file\t''
sql\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand man-pages" -l sql-driver -d 'SQL driver: postgres, mysql or sqlite' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand man-pages" -l sql-source -d 'SQL data source, in the server\'s own form (Go MySQL DSN, Postgres key=value or URL, SQLite path)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand man-pages" -s c -l config -d 'nats-streaming-server configuration file: store, dir, file and SQL options, limits' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand man-pages" -l file-crc-poly -d 'CRC-32 polynomial the store was written with (the server\'s -file_crc_poly), decimal or 0x hex' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand man-pages" -l file-crc -d 'Verify CRCs when reading (the server\'s -file_crc)' -r -f -a "true\t''
false\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand man-pages" -l encryption-key-file -d 'File holding the encryption key (the whole file, one trailing newline removed)' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand man-pages" -l encryption-key -d 'Encryption key (visible in the process list: prefer --encryption-key-file or NATS_STREAMING_ENCRYPTION_KEY, which takes precedence, as for the server)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand man-pages" -l cluster-log-path -d 'Raft log directory of a cluster node (the server\'s -cluster_log_path); found next to the store when omitted' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand man-pages" -l now -d '"Now" for age limits (RFC 3339, epoch time with a unit like 1795570246s, or ns since the epoch); default: the current time' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand man-pages" -l format -d 'Output format' -r -f -a "table\t'Human-readable table'
json\t'One JSON document'
ndjson\t'One JSON object per line'
raw\t'Payload bytes only (dump)'"
complete -c stanctl -n "__fish_stanctl_using_subcommand man-pages" -l color -d 'Colour check severities: auto (a terminal, unless NO_COLOR is set), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand man-pages" -l strict-commit -d 'Cluster node: stop the Raft log replay at the last entry known to be committed'
complete -c stanctl -n "__fish_stanctl_using_subcommand man-pages" -s v -l verbose -d 'Also print informational findings'
complete -c stanctl -n "__fish_stanctl_using_subcommand man-pages" -s q -l quiet -d 'Print no findings, notes or progress (exit codes still tell)'
complete -c stanctl -n "__fish_stanctl_using_subcommand man-pages" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c stanctl -n "__fish_stanctl_using_subcommand help; and not __fish_seen_subcommand_from info channels dump stats clients subs export migrate check manifest sql salvage completions man-pages help" -f -a "info" -d 'Cluster id, node id, store type, totals and disk size'
complete -c stanctl -n "__fish_stanctl_using_subcommand help; and not __fish_seen_subcommand_from info channels dump stats clients subs export migrate check manifest sql salvage completions man-pages help" -f -a "channels" -d 'Channels with counts, bytes, first/last sequence and time, limits'
complete -c stanctl -n "__fish_stanctl_using_subcommand help; and not __fish_seen_subcommand_from info channels dump stats clients subs export migrate check manifest sql salvage completions man-pages help" -f -a "dump" -d 'Messages of a channel by sequence or time range'
complete -c stanctl -n "__fish_stanctl_using_subcommand help; and not __fish_seen_subcommand_from info channels dump stats clients subs export migrate check manifest sql salvage completions man-pages help" -f -a "stats" -d 'Messages over time (bar chart), payload size percentiles, top subjects, reply use and subscription lag, for a store or channels'
complete -c stanctl -n "__fish_stanctl_using_subcommand help; and not __fish_seen_subcommand_from info channels dump stats clients subs export migrate check manifest sql salvage completions man-pages help" -f -a "clients" -d 'Clients recorded in the store'
complete -c stanctl -n "__fish_stanctl_using_subcommand help; and not __fish_seen_subcommand_from info channels dump stats clients subs export migrate check manifest sql salvage completions man-pages help" -f -a "subs" -d 'Subscriptions with last sent, lag and unacknowledged messages'
complete -c stanctl -n "__fish_stanctl_using_subcommand help; and not __fish_seen_subcommand_from info channels dump stats clients subs export migrate check manifest sql salvage completions man-pages help" -f -a "export" -d 'Export a store to another format (the source is never modified)'
complete -c stanctl -n "__fish_stanctl_using_subcommand help; and not __fish_seen_subcommand_from info channels dump stats clients subs export migrate check manifest sql salvage completions man-pages help" -f -a "migrate" -d 'Copy a store to another backend (the source is never modified)'
complete -c stanctl -n "__fish_stanctl_using_subcommand help; and not __fish_seen_subcommand_from info channels dump stats clients subs export migrate check manifest sql salvage completions man-pages help" -f -a "check" -d 'Integrity and compatibility check: exit 0 clean, 1 problems, 2 cannot open'
complete -c stanctl -n "__fish_stanctl_using_subcommand help; and not __fish_seen_subcommand_from info channels dump stats clients subs export migrate check manifest sql salvage completions man-pages help" -f -a "manifest" -d 'Write a MANIFEST-shaped JSON description of the store (for check --expect)'
complete -c stanctl -n "__fish_stanctl_using_subcommand help; and not __fish_seen_subcommand_from info channels dump stats clients subs export migrate check manifest sql salvage completions man-pages help" -f -a "sql" -d 'SQL store schema upgrade (the one command that writes, with --apply)'
complete -c stanctl -n "__fish_stanctl_using_subcommand help; and not __fish_seen_subcommand_from info channels dump stats clients subs export migrate check manifest sql salvage completions man-pages help" -f -a "salvage" -d 'Copy what is recoverable from a damaged file store into a new one'
complete -c stanctl -n "__fish_stanctl_using_subcommand help; and not __fish_seen_subcommand_from info channels dump stats clients subs export migrate check manifest sql salvage completions man-pages help" -f -a "completions" -d 'Print a shell completion script'
complete -c stanctl -n "__fish_stanctl_using_subcommand help; and not __fish_seen_subcommand_from info channels dump stats clients subs export migrate check manifest sql salvage completions man-pages help" -f -a "man-pages" -d 'Write the man pages (stanctl.1, one per subcommand) into a directory'
complete -c stanctl -n "__fish_stanctl_using_subcommand help; and not __fish_seen_subcommand_from info channels dump stats clients subs export migrate check manifest sql salvage completions man-pages help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c stanctl -n "__fish_stanctl_using_subcommand help; and __fish_seen_subcommand_from channels" -f -a "ls" -d 'List every channel'
complete -c stanctl -n "__fish_stanctl_using_subcommand help; and __fish_seen_subcommand_from channels" -f -a "show" -d 'One channel in detail'
complete -c stanctl -n "__fish_stanctl_using_subcommand help; and __fish_seen_subcommand_from clients" -f -a "ls" -d 'List clients'
complete -c stanctl -n "__fish_stanctl_using_subcommand help; and __fish_seen_subcommand_from clients" -f -a "show" -d 'One client and its subscriptions'
complete -c stanctl -n "__fish_stanctl_using_subcommand help; and __fish_seen_subcommand_from subs" -f -a "ls" -d 'List subscriptions'
complete -c stanctl -n "__fish_stanctl_using_subcommand help; and __fish_seen_subcommand_from subs" -f -a "show" -d 'One subscription with its full pending list'
complete -c stanctl -n "__fish_stanctl_using_subcommand help; and __fish_seen_subcommand_from export" -f -a "parquet" -d 'Apache Parquet dataset: messages/channel=NAME/part-N.parquet (Hive partitions) plus channels, subscriptions and clients files'
complete -c stanctl -n "__fish_stanctl_using_subcommand help; and __fish_seen_subcommand_from migrate" -f -a "file-to-sql" -d 'File store to SQL (SQLite by default, PostgreSQL, MySQL/MariaDB)'
complete -c stanctl -n "__fish_stanctl_using_subcommand help; and __fish_seen_subcommand_from migrate" -f -a "sql-to-file" -d 'SQL store to file store'
complete -c stanctl -n "__fish_stanctl_using_subcommand help; and __fish_seen_subcommand_from migrate" -f -a "file-to-file" -d 'File store to a new file store (re-slice, change CRC polynomial or encryption)'
complete -c stanctl -n "__fish_stanctl_using_subcommand help; and __fish_seen_subcommand_from migrate" -f -a "sql-to-sql" -d 'SQL store to another SQL store'
complete -c stanctl -n "__fish_stanctl_using_subcommand help; and __fish_seen_subcommand_from migrate" -f -a "to-jetstream" -d 'Any store to NATS JetStream: channels become streams, durables consumers'
complete -c stanctl -n "__fish_stanctl_using_subcommand help; and __fish_seen_subcommand_from sql" -f -a "upgrade" -d 'Print the statements that bring the schema to the current one (v0.10.0 and later); run them with --apply'
