//! Interpretation of the value tree (server/conf.go).

use super::*;

// ---------------------------------------------------------------------------
// Interpretation (server/conf.go)
// ---------------------------------------------------------------------------

pub(super) struct Interp<'p> {
    pub(super) path: &'p Path,
}

/// Line and key that last set each global limit.
pub(super) type GlobalSetters = [Option<(usize, String)>; 6];

pub(super) fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Str(_) => "a string",
        Value::Int(_) => "an integer",
        Value::Float(_) => "a float",
        Value::Bool(_) => "a boolean",
        Value::Date(_) => "a date-time",
        Value::Array(_) => "an array",
        Value::Map(_) => "a map",
    }
}

pub(super) fn describe(v: &Value) -> String {
    match v {
        Value::Str(s) => {
            let mut t: String = s.chars().take(40).collect();
            if t.len() < s.len() {
                t.push_str("...");
            }
            format!("the string {t:?}")
        }
        Value::Int(i) => format!("the integer {i}"),
        Value::Float(f) => format!("the float {f}"),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Date(d) => format!("the date-time {d}"),
        other => type_name(other).to_string(),
    }
}

impl Interp<'_> {
    pub(super) fn err(&self, line: usize, msg: impl fmt::Display) -> StoreError {
        config_error(self.path, line, msg)
    }

    pub(super) fn wrong_type(&self, key: &str, node: &Node, expected: &str) -> StoreError {
        self.err(
            node.line,
            format!("{key:?} must be {expected}, got {}", describe(&node.value)),
        )
    }

    pub(super) fn string(&self, key: &str, node: &Node) -> Result<String> {
        match &node.value {
            Value::Str(s) => Ok(s.clone()),
            _ => Err(self.wrong_type(key, node, "a string")),
        }
    }

    pub(super) fn int(&self, key: &str, node: &Node) -> Result<i64> {
        match &node.value {
            Value::Int(i) => Ok(*i),
            _ => Err(self.wrong_type(key, node, "an integer")),
        }
    }

    pub(super) fn boolean(&self, key: &str, node: &Node) -> Result<bool> {
        match &node.value {
            Value::Bool(b) => Ok(*b),
            _ => Err(self.wrong_type(key, node, "a boolean (true/false)")),
        }
    }

    pub(super) fn duration(&self, key: &str, node: &Node) -> Result<i64> {
        match &node.value {
            Value::Str(s) => parse_duration_ns(s).ok_or_else(|| {
                self.err(
                    node.line,
                    format!(
                        "{key:?}: invalid duration {s:?}; expected a Go duration such as \"10s\", \"1h30m\" or \"500ms\""
                    ),
                )
            }),
            _ => Err(self.wrong_type(
                key,
                node,
                "a duration string such as \"10s\" (quote it: unquoted 1m is the integer 1000000)",
            )),
        }
    }

    pub(super) fn map<'n>(&self, key: &str, node: &'n Node) -> Result<&'n [Entry]> {
        match &node.value {
            Value::Map(entries) => Ok(entries),
            _ => Err(self.wrong_type(key, node, "a map { ... }")),
        }
    }

    pub(super) fn server_config(&self, doc: &[Entry]) -> Result<ServerConfig> {
        // A top-level `streaming` map replaces everything else.
        let mut top = doc;
        if let Some(e) = doc
            .iter()
            .rev()
            .find(|e| e.key.to_lowercase() == "streaming")
        {
            top = self.map(&e.key, &e.node)?;
        }
        let mut cfg = ServerConfig::default();
        let mut setters = GlobalSetters::default();
        for e in top {
            let (k, n) = (e.key.as_str(), &e.node);
            match e.key.to_lowercase().as_str() {
                "id" | "cid" | "cluster_id" => cfg.cluster_id = Some(self.string(k, n)?),
                "st" | "store_type" | "store" | "storetype" => {
                    let s = self.string(k, n)?;
                    let lower = s.to_lowercase();
                    if !matches!(lower.as_str(), "file" | "sql" | "memory") {
                        return Err(self.err(
                            n.line,
                            format!("unknown store type {s:?}; expected file, sql or memory"),
                        ));
                    }
                    cfg.store_type = Some(lower);
                }
                "dir" | "datastore" => cfg.dir = Some(PathBuf::from(self.string(k, n)?)),
                "limits" | "store_limits" | "storelimits" => {
                    self.store_limits(k, n, &mut cfg.limits, &mut setters)?
                }
                "file" | "file_options" => self.file_options(k, n, &mut cfg.file)?,
                "sql" | "sql_options" => self.sql_options(k, n, &mut cfg.sql)?,
                "cluster" => self.cluster(k, n, &mut cfg)?,
                "encrypt" => cfg.encrypt = Some(self.boolean(k, n)?),
                "encryption_cipher" => cfg.encryption_cipher = Some(self.string(k, n)?),
                "encryption_key" => cfg.encryption_key = Some(self.string(k, n)?),
                _ => {}
            }
        }
        self.check_global_limits(&cfg.limits, &setters)?;
        if cfg.encryption_key.is_some() {
            cfg.encrypt = Some(true);
        }
        Ok(cfg)
    }

    pub(super) fn cluster(&self, key: &str, node: &Node, cfg: &mut ServerConfig) -> Result<()> {
        let entries = self.map(key, node)?;
        cfg.clustered = true;
        for e in entries {
            let (k, n) = (e.key.as_str(), &e.node);
            match e.key.to_lowercase().as_str() {
                "node_id" => cfg.cluster_node_id = Some(self.string(k, n)?),
                "log_path" => cfg.cluster_log_path = Some(PathBuf::from(self.string(k, n)?)),
                "peers" => {
                    let Value::Array(items) = &n.value else {
                        return Err(self.wrong_type(k, n, "an array of node ids"));
                    };
                    let peers = items
                        .iter()
                        .map(|item| self.string("peers", item))
                        .collect::<Result<Vec<_>>>()?;
                    cfg.cluster_peers = Some(peers);
                }
                _ => {}
            }
        }
        Ok(())
    }

    pub(super) fn file_options(&self, key: &str, node: &Node, fo: &mut FileOptions) -> Result<()> {
        for e in self.map(key, node)? {
            let (k, n) = (e.key.as_str(), &e.node);
            match e.key.to_lowercase().as_str() {
                "compact" | "compact_enabled" => fo.compact = Some(self.boolean(k, n)?),
                "compact_frag" | "compact_fragmentation" => fo.compact_frag = Some(self.int(k, n)?),
                "compact_interval" => fo.compact_interval_s = Some(self.int(k, n)?),
                "compact_min_size" => fo.compact_min_size = Some(self.int(k, n)?),
                "buffer_size" => fo.buffer_size = Some(self.int(k, n)?),
                "crc" | "do_crc" => fo.crc = Some(self.boolean(k, n)?),
                "crc_poly" => {
                    let v = self.int(k, n)?;
                    let poly = u32::try_from(v).map_err(|_| {
                        self.err(
                            n.line,
                            format!("{k:?} must be a 32-bit polynomial (0 to 4294967295), got {v}"),
                        )
                    })?;
                    fo.crc_poly = Some(poly);
                }
                "sync" | "do_sync" | "sync_on_flush" => fo.sync = Some(self.boolean(k, n)?),
                "slice_max_msgs" | "slice_max_count" | "slice_msgs" | "slice_count" => {
                    fo.slice_max_msgs = Some(self.int(k, n)?)
                }
                "slice_max_bytes" | "slice_max_size" | "slice_bytes" | "slice_size" => {
                    fo.slice_max_bytes = Some(self.int(k, n)?)
                }
                "slice_max_age" | "slice_age" | "slice_max_time" | "slice_time_limit" => {
                    fo.slice_max_age_ns = Some(self.duration(k, n)?)
                }
                "slice_archive_script" | "slice_archive" | "slice_script" => {
                    fo.slice_archive_script = Some(self.string(k, n)?)
                }
                "file_descriptors_limit" | "fds_limit" => fo.fds_limit = Some(self.int(k, n)?),
                "parallel_recovery" => fo.parallel_recovery = Some(self.int(k, n)?),
                "file_read_buffer_size" | "read_buffer_size" => {
                    fo.read_buffer_size = Some(self.int(k, n)?)
                }
                "file_auto_sync" | "auto_sync" => fo.auto_sync_ns = Some(self.duration(k, n)?),
                _ => {}
            }
        }
        Ok(())
    }

    pub(super) fn sql_options(&self, key: &str, node: &Node, so: &mut SqlOptions) -> Result<()> {
        for e in self.map(key, node)? {
            let (k, n) = (e.key.as_str(), &e.node);
            match e.key.to_lowercase().as_str() {
                "driver" => so.driver = Some(self.string(k, n)?),
                "source" => so.source = Some(self.string(k, n)?),
                "no_caching" => so.no_caching = Some(self.boolean(k, n)?),
                "max_open_conns" | "max_conns" => so.max_open_conns = Some(self.int(k, n)?),
                "bulk_insert_limit" => so.bulk_insert_limit = Some(self.int(k, n)?),
                _ => {}
            }
        }
        Ok(())
    }

    /// Parses one `store_limits` map into `sl`. `setters` records where
    /// each global value (msgs, bytes, age, subs, inactivity, channels) was
    /// last set, for [`Interp::check_global_limits`].
    pub(super) fn store_limits(
        &self,
        key: &str,
        node: &Node,
        sl: &mut StoreLimits,
        setters: &mut GlobalSetters,
    ) -> Result<()> {
        let mut index: HashMap<String, usize> = sl
            .channels
            .iter()
            .enumerate()
            .map(|(i, (name, _))| (name.clone(), i))
            .collect();
        for e in self.map(key, node)? {
            let (k, n) = (e.key.as_str(), &e.node);
            let name = e.key.to_lowercase();
            match name.as_str() {
                "mc" | "max_channels" | "maxchannels" => {
                    sl.max_channels = Some(self.int(k, n)?);
                    setters[5] = Some((n.line, k.to_string()));
                }
                "channels" | "channels_limits" | "channelslimits" | "per_channel"
                | "per_channel_limits" => {
                    for ch in self.map(k, n)? {
                        if !channel_name_valid(&ch.key) {
                            return Err(self.err(
                                ch.node.line,
                                format!(
                                    "invalid channel name {:?}; expected dot-separated non-empty tokens, '*' and '>' only as whole tokens, '>' last, no '/'",
                                    ch.key
                                ),
                            ));
                        }
                        let mut spec = LimitsSpec::default();
                        for le in self.map(&ch.key, &ch.node)? {
                            self.limit_key(&le.key, &le.node, &mut spec)?;
                        }
                        match index.get(&ch.key).and_then(|&i| sl.channels.get_mut(i)) {
                            Some(slot) => slot.1 = spec,
                            None => {
                                index.insert(ch.key.clone(), sl.channels.len());
                                sl.channels.push((ch.key.clone(), spec));
                            }
                        }
                    }
                }
                _ => {
                    if let Some(field) = self.limit_key(k, n, &mut sl.global)? {
                        if let Some(slot) = setters.get_mut(field) {
                            *slot = Some((n.line, k.to_string()));
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// One limit key (global or per channel). Returns which field it set
    /// (0 msgs, 1 bytes, 2 age, 3 subs, 4 inactivity), `None` if the key is
    /// not a limit.
    pub(super) fn limit_key(
        &self,
        k: &str,
        n: &Node,
        spec: &mut LimitsSpec,
    ) -> Result<Option<usize>> {
        let field = match k.to_lowercase().as_str() {
            "mm" | "max_msgs" | "maxmsgs" | "max_count" | "maxcount" => {
                spec.max_msgs = Some(self.int(k, n)?);
                0
            }
            "mb" | "max_bytes" | "maxbytes" => {
                spec.max_bytes = Some(self.int(k, n)?);
                1
            }
            "ma" | "max_age" | "maxage" => {
                spec.max_age_ns = Some(self.duration(k, n)?);
                2
            }
            "msu" | "max_subs" | "max_subscriptions" | "maxsubscriptions" => {
                spec.max_subs = Some(self.int(k, n)?);
                3
            }
            "mi" | "max_inactivity" | "maxinactivity" => {
                spec.max_inactivity_ns = Some(self.duration(k, n)?);
                4
            }
            _ => return Ok(None),
        };
        Ok(Some(field))
    }

    /// The server rejects negative global limits (`checkGlobalLimits`),
    /// judged on the final values.
    pub(super) fn check_global_limits(
        &self,
        sl: &StoreLimits,
        setters: &GlobalSetters,
    ) -> Result<()> {
        let g = &sl.global;
        let values = [
            g.max_msgs,
            g.max_bytes,
            g.max_age_ns,
            g.max_subs,
            g.max_inactivity_ns,
            sl.max_channels,
        ];
        for (value, setter) in values.iter().zip(setters.iter()) {
            if let (Some(v), Some((line, key))) = (value, setter) {
                if *v < 0 {
                    return Err(self.err(
                        *line,
                        format!(
                            "global {key:?} cannot be negative ({v}); expected 0 (unlimited) or more"
                        ),
                    ));
                }
            }
        }
        Ok(())
    }
}
