# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_stanctl_global_optspecs
    string join \n dir= store= sql-driver= sql-source= c/config= file-crc-poly= file-crc= encryption-key-file= encryption-key= now= format= v/verbose q/quiet h/help V/version
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
complete -c stanctl -n "__fish_stanctl_needs_command" -l now -d '"Now" for age limits (RFC 3339 or ns since the epoch); default: the current time' -r
complete -c stanctl -n "__fish_stanctl_needs_command" -l format -d 'Output format' -r -f -a "table\t'Human-readable table'
json\t'One JSON document'
ndjson\t'One JSON object per line'
raw\t'Payload bytes only (dump)'"
complete -c stanctl -n "__fish_stanctl_needs_command" -s v -l verbose -d 'Also print informational findings'
complete -c stanctl -n "__fish_stanctl_needs_command" -s q -l quiet -d 'Print no findings (exit codes still tell)'
complete -c stanctl -n "__fish_stanctl_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c stanctl -n "__fish_stanctl_needs_command" -s V -l version -d 'Print version'
complete -c stanctl -n "__fish_stanctl_needs_command" -f -a "info" -d 'Cluster id, node id, store type, totals and disk size'
complete -c stanctl -n "__fish_stanctl_needs_command" -f -a "channels" -d 'Channels with counts, bytes, first/last sequence and time, limits'
complete -c stanctl -n "__fish_stanctl_needs_command" -f -a "dump" -d 'Messages of a channel by sequence or time range'
complete -c stanctl -n "__fish_stanctl_needs_command" -f -a "clients" -d 'Clients recorded in the store'
complete -c stanctl -n "__fish_stanctl_needs_command" -f -a "subs" -d 'Subscriptions with last sent, lag and unacknowledged messages'
complete -c stanctl -n "__fish_stanctl_needs_command" -f -a "migrate" -d 'Copy a store to another backend (the source is never modified)'
complete -c stanctl -n "__fish_stanctl_needs_command" -f -a "completions" -d 'Print a shell completion script'
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
complete -c stanctl -n "__fish_stanctl_using_subcommand info" -l now -d '"Now" for age limits (RFC 3339 or ns since the epoch); default: the current time' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand info" -l format -d 'Output format' -r -f -a "table\t'Human-readable table'
json\t'One JSON document'
ndjson\t'One JSON object per line'
raw\t'Payload bytes only (dump)'"
complete -c stanctl -n "__fish_stanctl_using_subcommand info" -s v -l verbose -d 'Also print informational findings'
complete -c stanctl -n "__fish_stanctl_using_subcommand info" -s q -l quiet -d 'Print no findings (exit codes still tell)'
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
complete -c stanctl -n "__fish_stanctl_using_subcommand channels; and not __fish_seen_subcommand_from ls show help" -l now -d '"Now" for age limits (RFC 3339 or ns since the epoch); default: the current time' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand channels; and not __fish_seen_subcommand_from ls show help" -l format -d 'Output format' -r -f -a "table\t'Human-readable table'
json\t'One JSON document'
ndjson\t'One JSON object per line'
raw\t'Payload bytes only (dump)'"
complete -c stanctl -n "__fish_stanctl_using_subcommand channels; and not __fish_seen_subcommand_from ls show help" -s v -l verbose -d 'Also print informational findings'
complete -c stanctl -n "__fish_stanctl_using_subcommand channels; and not __fish_seen_subcommand_from ls show help" -s q -l quiet -d 'Print no findings (exit codes still tell)'
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
complete -c stanctl -n "__fish_stanctl_using_subcommand channels; and __fish_seen_subcommand_from ls" -l now -d '"Now" for age limits (RFC 3339 or ns since the epoch); default: the current time' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand channels; and __fish_seen_subcommand_from ls" -l format -d 'Output format' -r -f -a "table\t'Human-readable table'
json\t'One JSON document'
ndjson\t'One JSON object per line'
raw\t'Payload bytes only (dump)'"
complete -c stanctl -n "__fish_stanctl_using_subcommand channels; and __fish_seen_subcommand_from ls" -s v -l verbose -d 'Also print informational findings'
complete -c stanctl -n "__fish_stanctl_using_subcommand channels; and __fish_seen_subcommand_from ls" -s q -l quiet -d 'Print no findings (exit codes still tell)'
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
complete -c stanctl -n "__fish_stanctl_using_subcommand channels; and __fish_seen_subcommand_from show" -l now -d '"Now" for age limits (RFC 3339 or ns since the epoch); default: the current time' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand channels; and __fish_seen_subcommand_from show" -l format -d 'Output format' -r -f -a "table\t'Human-readable table'
json\t'One JSON document'
ndjson\t'One JSON object per line'
raw\t'Payload bytes only (dump)'"
complete -c stanctl -n "__fish_stanctl_using_subcommand channels; and __fish_seen_subcommand_from show" -s v -l verbose -d 'Also print informational findings'
complete -c stanctl -n "__fish_stanctl_using_subcommand channels; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Print no findings (exit codes still tell)'
complete -c stanctl -n "__fish_stanctl_using_subcommand channels; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c stanctl -n "__fish_stanctl_using_subcommand channels; and __fish_seen_subcommand_from help" -f -a "ls" -d 'List every channel'
complete -c stanctl -n "__fish_stanctl_using_subcommand channels; and __fish_seen_subcommand_from help" -f -a "show" -d 'One channel in detail'
complete -c stanctl -n "__fish_stanctl_using_subcommand channels; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c stanctl -n "__fish_stanctl_using_subcommand dump" -l channel -d 'Channel to dump' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand dump" -l from-seq -d 'First sequence (inclusive)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand dump" -l to-seq -d 'Last sequence (inclusive)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand dump" -l since -d 'Only messages at or after this time (RFC 3339 or ns since the epoch)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand dump" -l until -d 'Only messages at or before this time' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand dump" -l last -d 'Only the last N messages of the channel' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand dump" -l payload -d 'How payloads are written in table and JSON output' -r -f -a "auto\t'UTF-8 text when the payload is valid UTF-8, else base64'
utf8\t'UTF-8 text (invalid bytes replaced by U+FFFD)'
base64\t''
hex\t''"
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
complete -c stanctl -n "__fish_stanctl_using_subcommand dump" -l now -d '"Now" for age limits (RFC 3339 or ns since the epoch); default: the current time' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand dump" -l format -d 'Output format' -r -f -a "table\t'Human-readable table'
json\t'One JSON document'
ndjson\t'One JSON object per line'
raw\t'Payload bytes only (dump)'"
complete -c stanctl -n "__fish_stanctl_using_subcommand dump" -s v -l verbose -d 'Also print informational findings'
complete -c stanctl -n "__fish_stanctl_using_subcommand dump" -s q -l quiet -d 'Print no findings (exit codes still tell)'
complete -c stanctl -n "__fish_stanctl_using_subcommand dump" -s h -l help -d 'Print help (see more with \'--help\')'
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
complete -c stanctl -n "__fish_stanctl_using_subcommand clients; and not __fish_seen_subcommand_from ls show help" -l now -d '"Now" for age limits (RFC 3339 or ns since the epoch); default: the current time' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand clients; and not __fish_seen_subcommand_from ls show help" -l format -d 'Output format' -r -f -a "table\t'Human-readable table'
json\t'One JSON document'
ndjson\t'One JSON object per line'
raw\t'Payload bytes only (dump)'"
complete -c stanctl -n "__fish_stanctl_using_subcommand clients; and not __fish_seen_subcommand_from ls show help" -s v -l verbose -d 'Also print informational findings'
complete -c stanctl -n "__fish_stanctl_using_subcommand clients; and not __fish_seen_subcommand_from ls show help" -s q -l quiet -d 'Print no findings (exit codes still tell)'
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
complete -c stanctl -n "__fish_stanctl_using_subcommand clients; and __fish_seen_subcommand_from ls" -l now -d '"Now" for age limits (RFC 3339 or ns since the epoch); default: the current time' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand clients; and __fish_seen_subcommand_from ls" -l format -d 'Output format' -r -f -a "table\t'Human-readable table'
json\t'One JSON document'
ndjson\t'One JSON object per line'
raw\t'Payload bytes only (dump)'"
complete -c stanctl -n "__fish_stanctl_using_subcommand clients; and __fish_seen_subcommand_from ls" -s v -l verbose -d 'Also print informational findings'
complete -c stanctl -n "__fish_stanctl_using_subcommand clients; and __fish_seen_subcommand_from ls" -s q -l quiet -d 'Print no findings (exit codes still tell)'
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
complete -c stanctl -n "__fish_stanctl_using_subcommand clients; and __fish_seen_subcommand_from show" -l now -d '"Now" for age limits (RFC 3339 or ns since the epoch); default: the current time' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand clients; and __fish_seen_subcommand_from show" -l format -d 'Output format' -r -f -a "table\t'Human-readable table'
json\t'One JSON document'
ndjson\t'One JSON object per line'
raw\t'Payload bytes only (dump)'"
complete -c stanctl -n "__fish_stanctl_using_subcommand clients; and __fish_seen_subcommand_from show" -s v -l verbose -d 'Also print informational findings'
complete -c stanctl -n "__fish_stanctl_using_subcommand clients; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Print no findings (exit codes still tell)'
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
complete -c stanctl -n "__fish_stanctl_using_subcommand subs; and not __fish_seen_subcommand_from ls show help" -l now -d '"Now" for age limits (RFC 3339 or ns since the epoch); default: the current time' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand subs; and not __fish_seen_subcommand_from ls show help" -l format -d 'Output format' -r -f -a "table\t'Human-readable table'
json\t'One JSON document'
ndjson\t'One JSON object per line'
raw\t'Payload bytes only (dump)'"
complete -c stanctl -n "__fish_stanctl_using_subcommand subs; and not __fish_seen_subcommand_from ls show help" -s v -l verbose -d 'Also print informational findings'
complete -c stanctl -n "__fish_stanctl_using_subcommand subs; and not __fish_seen_subcommand_from ls show help" -s q -l quiet -d 'Print no findings (exit codes still tell)'
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
complete -c stanctl -n "__fish_stanctl_using_subcommand subs; and __fish_seen_subcommand_from ls" -l now -d '"Now" for age limits (RFC 3339 or ns since the epoch); default: the current time' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand subs; and __fish_seen_subcommand_from ls" -l format -d 'Output format' -r -f -a "table\t'Human-readable table'
json\t'One JSON document'
ndjson\t'One JSON object per line'
raw\t'Payload bytes only (dump)'"
complete -c stanctl -n "__fish_stanctl_using_subcommand subs; and __fish_seen_subcommand_from ls" -s v -l verbose -d 'Also print informational findings'
complete -c stanctl -n "__fish_stanctl_using_subcommand subs; and __fish_seen_subcommand_from ls" -s q -l quiet -d 'Print no findings (exit codes still tell)'
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
complete -c stanctl -n "__fish_stanctl_using_subcommand subs; and __fish_seen_subcommand_from show" -l now -d '"Now" for age limits (RFC 3339 or ns since the epoch); default: the current time' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand subs; and __fish_seen_subcommand_from show" -l format -d 'Output format' -r -f -a "table\t'Human-readable table'
json\t'One JSON document'
ndjson\t'One JSON object per line'
raw\t'Payload bytes only (dump)'"
complete -c stanctl -n "__fish_stanctl_using_subcommand subs; and __fish_seen_subcommand_from show" -s v -l verbose -d 'Also print informational findings'
complete -c stanctl -n "__fish_stanctl_using_subcommand subs; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Print no findings (exit codes still tell)'
complete -c stanctl -n "__fish_stanctl_using_subcommand subs; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c stanctl -n "__fish_stanctl_using_subcommand subs; and __fish_seen_subcommand_from help" -f -a "ls" -d 'List subscriptions'
complete -c stanctl -n "__fish_stanctl_using_subcommand subs; and __fish_seen_subcommand_from help" -f -a "show" -d 'One subscription with its full pending list'
complete -c stanctl -n "__fish_stanctl_using_subcommand subs; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate" -l to-dir -d 'Target file store directory (must not exist, or be empty)' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate" -l to-sql-driver -d 'Target SQL driver: sqlite (default), postgres or mysql' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate" -l to-sql-source -d 'Target SQL data source (a file path for SQLite)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate" -l slice-max-msgs -d 'Target slices: at most this many messages (0 = unchecked)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate" -l slice-max-bytes -d 'Target slices: at most this many bytes (default 64 MiB, as the server)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate" -l slice-max-age -d 'Target slices: at most this age span (e.g. 1h)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate" -l to-file-crc-poly -d 'CRC-32 polynomial of the target file store (default IEEE)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate" -l channel -d 'Only these channels (repeatable; subject wildcards allowed)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate" -l from-seq -d 'Only messages from this sequence on' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate" -l since -d 'Only messages at or after this time' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate" -l to-encryption-key-file -d 'Encrypt the target\'s payloads with the key in this file' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate" -l to-encryption-cipher -d 'Cipher for --to-encryption-key-file: AES or CHACHA' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate" -l dir -d 'File store root directory (the server\'s -dir)' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate" -l store -d 'Store type (the server\'s -store); guessed from the other options when omitted' -r -f -a "file\t''
sql\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate" -l sql-driver -d 'SQL driver: postgres, mysql or sqlite' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate" -l sql-source -d 'SQL data source, in the server\'s own form (Go MySQL DSN, Postgres key=value or URL, SQLite path)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate" -s c -l config -d 'nats-streaming-server configuration file: store, dir, file and SQL options, limits' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate" -l file-crc-poly -d 'CRC-32 polynomial the store was written with (the server\'s -file_crc_poly), decimal or 0x hex' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate" -l file-crc -d 'Verify CRCs when reading (the server\'s -file_crc)' -r -f -a "true\t''
false\t''"
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate" -l encryption-key-file -d 'File holding the encryption key (the whole file, one trailing newline removed)' -r -F
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate" -l encryption-key -d 'Encryption key (visible in the process list: prefer --encryption-key-file or NATS_STREAMING_ENCRYPTION_KEY, which takes precedence, as for the server)' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate" -l now -d '"Now" for age limits (RFC 3339 or ns since the epoch); default: the current time' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate" -l format -d 'Output format' -r -f -a "table\t'Human-readable table'
json\t'One JSON document'
ndjson\t'One JSON object per line'
raw\t'Payload bytes only (dump)'"
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate" -l to-sql-no-caching -d 'Write SubsPending in the server\'s no_caching style (one row per unacknowledged message); it must match the server\'s sql no_caching'
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate" -l force -d 'Replace the content of a non-empty SQL target'
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate" -l verify -d 'Re-read the target and compare everything with the source'
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate" -l to-plaintext -d 'Write decrypted payloads (needs the source key)'
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate" -s v -l verbose -d 'Also print informational findings'
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate" -s q -l quiet -d 'Print no findings (exit codes still tell)'
complete -c stanctl -n "__fish_stanctl_using_subcommand migrate" -s h -l help -d 'Print help (see more with \'--help\')'
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
complete -c stanctl -n "__fish_stanctl_using_subcommand completions" -l now -d '"Now" for age limits (RFC 3339 or ns since the epoch); default: the current time' -r
complete -c stanctl -n "__fish_stanctl_using_subcommand completions" -l format -d 'Output format' -r -f -a "table\t'Human-readable table'
json\t'One JSON document'
ndjson\t'One JSON object per line'
raw\t'Payload bytes only (dump)'"
complete -c stanctl -n "__fish_stanctl_using_subcommand completions" -s v -l verbose -d 'Also print informational findings'
complete -c stanctl -n "__fish_stanctl_using_subcommand completions" -s q -l quiet -d 'Print no findings (exit codes still tell)'
complete -c stanctl -n "__fish_stanctl_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c stanctl -n "__fish_stanctl_using_subcommand help; and not __fish_seen_subcommand_from info channels dump clients subs migrate completions help" -f -a "info" -d 'Cluster id, node id, store type, totals and disk size'
complete -c stanctl -n "__fish_stanctl_using_subcommand help; and not __fish_seen_subcommand_from info channels dump clients subs migrate completions help" -f -a "channels" -d 'Channels with counts, bytes, first/last sequence and time, limits'
complete -c stanctl -n "__fish_stanctl_using_subcommand help; and not __fish_seen_subcommand_from info channels dump clients subs migrate completions help" -f -a "dump" -d 'Messages of a channel by sequence or time range'
complete -c stanctl -n "__fish_stanctl_using_subcommand help; and not __fish_seen_subcommand_from info channels dump clients subs migrate completions help" -f -a "clients" -d 'Clients recorded in the store'
complete -c stanctl -n "__fish_stanctl_using_subcommand help; and not __fish_seen_subcommand_from info channels dump clients subs migrate completions help" -f -a "subs" -d 'Subscriptions with last sent, lag and unacknowledged messages'
complete -c stanctl -n "__fish_stanctl_using_subcommand help; and not __fish_seen_subcommand_from info channels dump clients subs migrate completions help" -f -a "migrate" -d 'Copy a store to another backend (the source is never modified)'
complete -c stanctl -n "__fish_stanctl_using_subcommand help; and not __fish_seen_subcommand_from info channels dump clients subs migrate completions help" -f -a "completions" -d 'Print a shell completion script'
complete -c stanctl -n "__fish_stanctl_using_subcommand help; and not __fish_seen_subcommand_from info channels dump clients subs migrate completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c stanctl -n "__fish_stanctl_using_subcommand help; and __fish_seen_subcommand_from channels" -f -a "ls" -d 'List every channel'
complete -c stanctl -n "__fish_stanctl_using_subcommand help; and __fish_seen_subcommand_from channels" -f -a "show" -d 'One channel in detail'
complete -c stanctl -n "__fish_stanctl_using_subcommand help; and __fish_seen_subcommand_from clients" -f -a "ls" -d 'List clients'
complete -c stanctl -n "__fish_stanctl_using_subcommand help; and __fish_seen_subcommand_from clients" -f -a "show" -d 'One client and its subscriptions'
complete -c stanctl -n "__fish_stanctl_using_subcommand help; and __fish_seen_subcommand_from subs" -f -a "ls" -d 'List subscriptions'
complete -c stanctl -n "__fish_stanctl_using_subcommand help; and __fish_seen_subcommand_from subs" -f -a "show" -d 'One subscription with its full pending list'
