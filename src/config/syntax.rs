//! The nats-server `conf` syntax: a parser building a value tree.

use super::*;

// ---------------------------------------------------------------------------
// Generic value tree
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Value {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Date(String),
    Array(Vec<Node>),
    Map(Vec<Entry>),
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct Node {
    pub(super) value: Value,
    /// Line where the value starts (1-based).
    pub(super) line: usize,
    /// Nesting height: 0 for scalars.
    pub(super) height: usize,
    /// Number of nodes in this value, itself included.
    pub(super) size: usize,
}

impl Node {
    pub(super) fn scalar(value: Value, line: usize) -> Node {
        Node {
            value,
            line,
            height: 0,
            size: 1,
        }
    }

    pub(super) fn array(items: Vec<Node>, line: usize) -> Node {
        let height = 1 + items.iter().map(|n| n.height).max().unwrap_or(0);
        let size = 1 + items.iter().map(|n| n.size).sum::<usize>();
        Node {
            value: Value::Array(items),
            line,
            height,
            size,
        }
    }

    pub(super) fn map(entries: Vec<Entry>, line: usize) -> Node {
        let height = 1 + entries.iter().map(|e| e.node.height).max().unwrap_or(0);
        let size = 1 + entries.iter().map(|e| e.node.size).sum::<usize>();
        Node {
            value: Value::Map(entries),
            line,
            height,
            size,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct Entry {
    pub(super) key: String,
    pub(super) node: Node,
}

// ---------------------------------------------------------------------------
// Parser (nats-server conf syntax)
// ---------------------------------------------------------------------------

/// A map being built: entries in file order, a later duplicate key
/// replacing the earlier value.
#[derive(Debug, Default)]
pub(super) struct Scope {
    pub(super) entries: Vec<Entry>,
    pub(super) index: HashMap<String, usize>,
}

impl Scope {
    pub(super) fn set(&mut self, key: String, node: Node) {
        match self.index.get(&key).and_then(|&i| self.entries.get_mut(i)) {
            Some(e) => e.node = node,
            None => {
                self.index.insert(key.clone(), self.entries.len());
                self.entries.push(Entry { key, node });
            }
        }
    }

    pub(super) fn get(&self, key: &str) -> Option<&Node> {
        self.index
            .get(key)
            .and_then(|&i| self.entries.get(i))
            .map(|e| &e.node)
    }
}

#[derive(Debug)]
pub(super) struct SyntaxError {
    pub(super) line: usize,
    pub(super) msg: String,
}

pub(super) type PResult<T> = std::result::Result<T, SyntaxError>;

pub(super) struct Parser<'a> {
    pub(super) src: &'a [u8],
    pub(super) text: &'a str,
    pub(super) pos: usize,
    pub(super) line: usize,
    pub(super) depth: usize,
    pub(super) env_depth: usize,
    /// Maps being built, outermost first (for `$variable` lookups).
    pub(super) scopes: Vec<Scope>,
    /// Keys waiting for their value (see `set`).
    pub(super) keys: Vec<String>,
    /// The value being read is an array element.
    pub(super) in_array: bool,
    /// The next map key starts with whatever character comes next.
    pub(super) force_key_char: bool,
    pub(super) expanded: usize,
}

pub(super) fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

pub(super) fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

pub(super) fn is_nl(b: u8) -> bool {
    b == b'\n' || b == b'\r'
}

/// Ends a number: nats-server's list, plus `]` inside an array so that
/// `[1, 2]` works (nats-server reads `2]` as a string there and fails).
pub(super) fn is_number_end(b: Option<u8>, in_array: bool) -> bool {
    match b {
        None => true,
        Some(b']') => in_array,
        Some(b) => is_nl(b) || is_blank(b) || matches!(b, b'}' | b';' | b','),
    }
}

/// Range checks of Go's `time.Parse("2006-01-02T15:04:05Z", s)` on a string
/// already known to have that shape.
pub(super) fn zulu_date_valid(s: &str) -> bool {
    let num = |r: std::ops::Range<usize>| s.get(r).and_then(|t| t.parse::<u32>().ok());
    let (Some(y), Some(mo), Some(d), Some(h), Some(mi), Some(sec)) = (
        num(0..4),
        num(5..7),
        num(8..10),
        num(11..13),
        num(14..16),
        num(17..19),
    ) else {
        return false;
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match mo {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&d) && h < 24 && mi < 60 && sec < 60
}

pub(super) fn is_size_suffix(b: u8) -> bool {
    matches!(
        b,
        b'k' | b'K' | b'm' | b'M' | b'g' | b'G' | b't' | b'T' | b'p' | b'P' | b'e' | b'E'
    )
}

/// Ends a bare key: as in nats-server, only white space and separators do
/// (`name{` is the key "name{", which the server rejects too).
pub(super) fn ends_bare_key(b: u8) -> bool {
    is_space(b) || b == b':' || b == b'='
}

/// What delimits the elements of a map or an array.
struct Container {
    kind: &'static str,
    close: u8,
    /// Besides a new line.
    separators: &'static [u8],
    /// What may follow an element, for errors.
    expected: &'static str,
}

const MAP: Container = Container {
    kind: "map",
    close: b'}',
    separators: b",;/",
    expected: "',', ';', a new line or '}'",
};

const ARRAY: Container = Container {
    kind: "array",
    close: b']',
    separators: b",/",
    expected: "',', a new line or ']'",
};

impl<'a> Parser<'a> {
    pub(super) fn new(text: &'a str, env_depth: usize) -> Parser<'a> {
        Parser {
            src: text.as_bytes(),
            text,
            pos: 0,
            line: 1,
            depth: 0,
            env_depth,
            scopes: Vec::new(),
            keys: Vec::new(),
            in_array: false,
            force_key_char: false,
            expanded: 0,
        }
    }

    pub(super) fn peek(&self) -> Option<u8> {
        self.src.get(self.pos).copied()
    }

    pub(super) fn peek_at(&self, n: usize) -> Option<u8> {
        self.src.get(self.pos + n).copied()
    }

    pub(super) fn bump(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.pos += 1;
        if b == b'\n' {
            self.line += 1;
        }
        Some(b)
    }

    pub(super) fn slice(&self, start: usize, end: usize) -> &'a [u8] {
        self.src.get(start..end).unwrap_or_default()
    }

    pub(super) fn err<T>(&self, msg: impl Into<String>) -> PResult<T> {
        Err(SyntaxError {
            line: self.line,
            msg: msg.into(),
        })
    }

    pub(super) fn err_at<T>(&self, line: usize, msg: impl Into<String>) -> PResult<T> {
        Err(SyntaxError {
            line,
            msg: msg.into(),
        })
    }

    /// Human description of what is at the current position.
    pub(super) fn found(&self) -> String {
        match self.peek() {
            None => "end of file".to_string(),
            Some(b'\n') | Some(b'\r') => "end of line".to_string(),
            Some(_) => match self.text.get(self.pos..).and_then(|s| s.chars().next()) {
                Some(c) => format!("{:?}", c),
                None => "an invalid character".to_string(),
            },
        }
    }

    pub(super) fn skip_blanks(&mut self) {
        while self.peek().is_some_and(is_blank) {
            self.bump();
        }
    }

    pub(super) fn skip_spaces(&mut self) {
        while self.peek().is_some_and(is_space) {
            self.bump();
        }
    }

    /// Skips a `#` or `//` comment if one starts here (up to, not
    /// including, the end of line). Returns whether it did.
    pub(super) fn skip_comment(&mut self) -> bool {
        let starts = match self.peek() {
            Some(b'#') => true,
            Some(b'/') => self.peek_at(1) == Some(b'/'),
            _ => false,
        };
        if starts {
            while self.peek().is_some_and(|b| !is_nl(b)) {
                self.bump();
            }
        }
        starts
    }

    pub(super) fn skip_spaces_and_comments(&mut self) {
        loop {
            self.skip_spaces();
            if !self.skip_comment() {
                break;
            }
        }
    }

    pub(super) fn enter(&mut self, what: &str) -> PResult<()> {
        if self.depth >= MAX_DEPTH {
            return self.err(format!(
                "{what} nested more than {MAX_DEPTH} levels deep; expected a shallower configuration"
            ));
        }
        self.depth += 1;
        Ok(())
    }

    /// Stores a value in the current map under the most recently read key
    /// that has no value yet. Like nats-server, keys are kept on a stack:
    /// a key left without a value (`{ a: 1, k }`) makes the enclosing map
    /// land under `k`, and shifts the keys of the maps around it.
    pub(super) fn set(&mut self, node: Node) -> PResult<()> {
        let Some(key) = self.keys.pop() else {
            return self.err_at(node.line, "a value has no key");
        };
        if let Some(scope) = self.scopes.last_mut() {
            scope.set(key, node);
        }
        Ok(())
    }

    pub(super) fn parse_document(mut self) -> PResult<Vec<Entry>> {
        self.scopes.push(Scope::default());
        loop {
            // Top level: blanks, new lines, comments and '{' (JSON-like
            // files) are skipped. A '}' is read as a key, as nats-server
            // does; a final `}` is thus accepted.
            loop {
                self.skip_spaces_and_comments();
                match self.peek() {
                    Some(b'{') => {
                        self.bump();
                    }
                    _ => break,
                }
            }
            // nats-server also ends quietly on a lone quote at the very end.
            if self.peek().is_none() || matches!(self.src.get(self.pos..), Some(b"\"" | b"'")) {
                break;
            }
            if self.peek() == Some(b'/') {
                return self.err("expected a key, found '/'");
            }
            let key = self.parse_entry(true)?;
            // End of a top-level value. A lone '/' is skipped like a blank
            // (nats-server quirk).
            loop {
                self.skip_blanks();
                if self.peek() == Some(b'/') && self.peek_at(1) != Some(b'/') {
                    self.bump();
                } else {
                    break;
                }
            }
            if self.skip_comment() {
                continue;
            }
            match self.peek() {
                None => break,
                Some(b) if is_nl(b) || matches!(b, b';' | b',' | b'}') => {
                    self.bump();
                }
                Some(_) => {
                    return self.err(format!(
                        "expected a new line, ';', ',' or a comment after the value of {key:?}, found {}",
                        self.found()
                    ));
                }
            }
        }
        Ok(self.scopes.pop().unwrap_or_default().entries)
    }

    /// Parses `key [sep] value` and stores it in the current scope. Returns
    /// the key (for messages).
    pub(super) fn parse_entry(&mut self, top: bool) -> PResult<String> {
        let key_line = self.line;
        let (key, bare) = self.parse_key()?;
        if bare && key.eq_ignore_ascii_case("include") && self.peek().is_some_and(is_space) {
            return self.err_at(
                key_line,
                "'include' is not supported by stanctl; expected the included file's content inline",
            );
        }
        self.skip_spaces();
        let mut had_sep = false;
        if matches!(self.peek(), Some(b':') | Some(b'=')) {
            self.bump();
            had_sep = true;
            if top {
                self.skip_blanks();
                if self.peek().is_some_and(is_nl) {
                    return self.err(format!(
                        "expected a value for {key:?} on the same line as its separator, found end of line"
                    ));
                }
            } else {
                self.skip_spaces();
            }
        }
        self.keys.push(key.clone());
        let node = match self.peek() {
            None if had_sep && top => Node::scalar(Value::Str(String::new()), self.line),
            // nats-server accepts a final key `}` without value.
            None if top && key == "}" => return Ok(key),
            None => return self.err(format!("expected a value for {key:?}, found end of file")),
            // nats-server reads an empty string there.
            Some(b'}' | b']' | b',' | b';') if top => {
                Node::scalar(Value::Str(String::new()), self.line)
            }
            Some(b']' | b';') => Node::scalar(Value::Str(String::new()), self.line),
            // `{ ..., key }`: the map ends, the key stays pending (see `set`).
            Some(b'}') => return Ok(key),
            Some(b',') => {
                return self.err(format!("expected a value for {key:?}, found ','"));
            }
            Some(_) => {
                self.in_array = false;
                self.parse_value()?
            }
        };
        self.set(node)?;
        Ok(key)
    }

    pub(super) fn parse_key(&mut self) -> PResult<(String, bool)> {
        let line = self.line;
        let forced = std::mem::take(&mut self.force_key_char);
        match self.peek() {
            _ if forced => {
                let start = self.pos;
                self.bump();
                while self.peek().is_some_and(|b| !ends_bare_key(b)) {
                    self.bump();
                }
                let key = String::from_utf8_lossy(self.slice(start, self.pos)).into_owned();
                Ok((key, true))
            }
            Some(q @ (b'"' | b'\'')) => {
                self.bump();
                let start = self.pos;
                loop {
                    match self.peek() {
                        None => {
                            return self.err_at(
                                line,
                                format!(
                                    "unterminated quoted key: expected a closing {:?}",
                                    char::from(q)
                                ),
                            )
                        }
                        Some(b) if b == q => break,
                        Some(_) => {
                            self.bump();
                        }
                    }
                }
                let key = String::from_utf8_lossy(self.slice(start, self.pos)).into_owned();
                self.bump();
                Ok((key, false))
            }
            Some(b':') | Some(b'=') => self.err(format!(
                "expected a key before the separator, found {}",
                self.found()
            )),
            _ => {
                let start = self.pos;
                while self.peek().is_some_and(|b| !ends_bare_key(b)) {
                    self.bump();
                }
                if self.pos == start {
                    return self.err(format!("expected a key, found {}", self.found()));
                }
                let key = String::from_utf8_lossy(self.slice(start, self.pos)).into_owned();
                Ok((key, true))
            }
        }
    }

    pub(super) fn parse_value(&mut self) -> PResult<Node> {
        let line = self.line;
        let Some(c) = self.peek() else {
            return self.err("expected a value, found end of file");
        };
        match c {
            b'[' => {
                self.bump();
                self.parse_array(line)
            }
            b'{' => {
                self.bump();
                self.parse_map(line)
            }
            b'\'' => {
                self.bump();
                let start = self.pos;
                while self.peek().is_some_and(|b| b != b'\'') {
                    self.bump();
                }
                if self.peek().is_none() {
                    return self.err_at(
                        line,
                        "unterminated single-quoted string: expected a closing '",
                    );
                }
                let s = String::from_utf8_lossy(self.slice(start, self.pos)).into_owned();
                self.bump();
                Ok(Node::scalar(Value::Str(s), line))
            }
            b'"' => {
                self.bump();
                self.parse_dq_string(line)
            }
            b'(' => {
                self.bump();
                self.parse_block(line)
            }
            b'-' => {
                self.bump();
                self.parse_negative(line)
            }
            b'0'..=b'9' => self.parse_number(line),
            b'.' => self.err("floats must start with a digit, found '.'"),
            b if is_nl(b) => self.err("expected a value, found end of line"),
            _ => self.parse_bare(self.pos, line),
        }
    }

    pub(super) fn parse_map(&mut self, open_line: usize) -> PResult<Node> {
        self.enter("map")?;
        self.scopes.push(Scope::default());
        loop {
            self.skip_spaces_and_comments();
            match self.peek() {
                None => return self.unclosed(&MAP, open_line),
                Some(b'}') => {
                    self.bump();
                    break;
                }
                Some(b']') => return self.err("expected a key or '}' in a map, found ']'"),
                _ => {}
            }
            if self.peek() == Some(b'/') {
                // A lone '/' is dropped and the next character, whatever
                // it is, starts the key (nats-server quirk).
                self.bump();
                self.force_key_char = true;
            }
            let key = self.parse_entry(false)?;
            self.skip_blanks();
            if self.skip_comment() {
                continue;
            }
            if self.after_element(&MAP, open_line, &format!("the value of {key:?}"))? {
                break;
            }
        }
        self.depth = self.depth.saturating_sub(1);
        let entries = self.scopes.pop().unwrap_or_default().entries;
        Ok(Node::map(entries, open_line))
    }

    pub(super) fn parse_array(&mut self, open_line: usize) -> PResult<Node> {
        self.enter("array")?;
        let mut items = Vec::new();
        loop {
            self.skip_spaces_and_comments();
            match self.peek() {
                None => return self.unclosed(&ARRAY, open_line),
                Some(b']') => {
                    self.bump();
                    break;
                }
                Some(b',') => return self.err("expected an array value, found ','"),
                Some(b'}') => return self.err("expected an array value or ']', found '}'"),
                _ => {}
            }
            self.in_array = true;
            items.push(self.parse_value()?);
            self.skip_blanks();
            if self.skip_comment() {
                continue;
            }
            if self.after_element(&ARRAY, open_line, "an array value")? {
                break;
            }
        }
        self.depth = self.depth.saturating_sub(1);
        Ok(Node::array(items, open_line))
    }

    /// After an element of a map or an array: its separator is consumed
    /// (`false`), or the closing character that ends it (`true`).
    fn after_element(&mut self, c: &Container, open_line: usize, element: &str) -> PResult<bool> {
        match self.peek() {
            // A lone '/' separates elements like ',' (nats-server quirk).
            Some(b) if is_nl(b) || c.separators.contains(&b) => {
                self.bump();
                Ok(false)
            }
            Some(b) if b == c.close => {
                self.bump();
                Ok(true)
            }
            None => self.unclosed(c, open_line),
            Some(_) => self.err(format!(
                "expected {} after {element}, found {}",
                c.expected,
                self.found()
            )),
        }
    }

    fn unclosed<T>(&self, c: &Container, open_line: usize) -> PResult<T> {
        self.err(format!(
            "unexpected end of file: expected '{}' to close the {} opened on line {open_line}",
            char::from(c.close),
            c.kind
        ))
    }

    /// After a `\` in a double-quoted or bare string.
    pub(super) fn parse_escape(&mut self, buf: &mut Vec<u8>) -> PResult<()> {
        let Some(c) = self.bump() else {
            return self.err("expected an escape character after '\\', found end of file");
        };
        match c {
            b't' => buf.push(b'\t'),
            b'n' => buf.push(b'\n'),
            b'r' => buf.push(b'\r'),
            b'"' => buf.push(b'"'),
            b'\\' => buf.push(b'\\'),
            b'x' => {
                let hi = self.bump();
                let lo = self.bump();
                let digit = |b: Option<u8>| b.and_then(|b| char::from(b).to_digit(16));
                match (digit(hi), digit(lo)) {
                    (Some(h), Some(l)) => buf.push((h * 16 + l) as u8),
                    _ => return self.err("expected two hexadecimal digits after '\\x'"),
                }
            }
            other => {
                return self.err(format!(
                    "invalid escape '\\{}'; expected one of \\xXX, \\t, \\n, \\r, \\\", \\\\",
                    char::from(other).escape_default()
                ))
            }
        }
        Ok(())
    }

    pub(super) fn utf8(&self, buf: Vec<u8>, line: usize) -> PResult<String> {
        String::from_utf8(buf).or_else(|_| {
            self.err_at(
                line,
                "string is not valid UTF-8 (after \\x escapes); expected UTF-8 text",
            )
        })
    }

    pub(super) fn parse_dq_string(&mut self, line: usize) -> PResult<Node> {
        let mut buf = Vec::new();
        loop {
            match self.peek() {
                None => {
                    return self.err_at(
                        line,
                        "unterminated double-quoted string: expected a closing '\"'",
                    )
                }
                Some(b'"') => {
                    self.bump();
                    break;
                }
                Some(b'\\') => {
                    self.bump();
                    self.parse_escape(&mut buf)?;
                }
                Some(b) => {
                    buf.push(b);
                    self.bump();
                }
            }
        }
        let s = self.utf8(buf, line)?;
        Ok(Node::scalar(Value::Str(s), line))
    }

    /// `( ... )` block: everything up to a `)` alone on its line.
    pub(super) fn parse_block(&mut self, line: usize) -> PResult<Node> {
        let start = self.pos;
        loop {
            match self.peek() {
                None => {
                    return self
                        .err_at(line, "unterminated '(' block: expected ')' alone on a line")
                }
                Some(b')')
                    if self.pos > start
                        && self.src.get(self.pos - 1) == Some(&b'\n')
                        && matches!(self.peek_at(1), None | Some(b'\n')) =>
                {
                    let s = String::from_utf8_lossy(self.slice(start, self.pos)).into_owned();
                    self.bump();
                    return Ok(Node::scalar(Value::Str(s), line));
                }
                Some(_) => {
                    self.bump();
                }
            }
        }
    }

    /// Bare string starting at `start` (the scan continues from the current
    /// position). Becomes a boolean or a variable reference when it spells
    /// one and has no escapes.
    pub(super) fn parse_bare(&mut self, start: usize, line: usize) -> PResult<Node> {
        let mut buf: Vec<u8> = Vec::new();
        let mut seg = start;
        let mut escaped = false;
        let mut quote_ended = false;
        loop {
            match self.peek() {
                None => break,
                Some(b) if is_nl(b) || is_blank(b) || matches!(b, b';' | b',' | b']' | b'}') => {
                    break
                }
                Some(b'\'') => {
                    quote_ended = true;
                    break;
                }
                Some(b'\\') => {
                    buf.extend_from_slice(self.slice(seg, self.pos));
                    self.bump();
                    self.parse_escape(&mut buf)?;
                    escaped = true;
                    seg = self.pos;
                }
                Some(_) => {
                    self.bump();
                }
            }
        }
        buf.extend_from_slice(self.slice(seg, self.pos));
        if quote_ended {
            self.bump();
        }
        let s = self.utf8(buf, line)?;
        if escaped || quote_ended {
            return Ok(Node::scalar(Value::Str(s), line));
        }
        match s.to_ascii_lowercase().as_str() {
            "true" | "yes" | "on" => return Ok(Node::scalar(Value::Bool(true), line)),
            "false" | "no" | "off" => return Ok(Node::scalar(Value::Bool(false), line)),
            _ => {}
        }
        if let Some(name) = s.strip_prefix('$') {
            return self.lookup_variable(name, line);
        }
        Ok(Node::scalar(Value::Str(s), line))
    }

    pub(super) fn consume_digits(&mut self) {
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.bump();
        }
    }

    /// A value starting with a digit: integer (with optional size suffix),
    /// float, date-time, IP address or a bare string such as `10s`.
    pub(super) fn parse_number(&mut self, line: usize) -> PResult<Node> {
        let start = self.pos;
        self.consume_digits();
        match self.peek() {
            Some(b'-') => {
                if self.pos - start != 4 {
                    return self.err(
                        "expected a full ISO8601 Zulu date-time (YYYY-MM-DDTHH:MM:SSZ) or a quoted string",
                    );
                }
                self.bump();
                self.parse_date(start, line)
            }
            Some(b'.') => {
                self.bump();
                self.parse_fraction(start, line)
            }
            Some(b) if is_size_suffix(b) => self.parse_suffix(start, line),
            b if is_number_end(b, self.in_array) => self.make_int(start, line),
            _ => {
                // e.g. `10s`: a string. The first non-digit is taken as is
                // (even a quote or a backslash), as nats-server does.
                self.bump();
                self.parse_bare(start, line)
            }
        }
    }

    pub(super) fn parse_negative(&mut self, line: usize) -> PResult<Node> {
        let start = self.pos - 1;
        if !self.peek().is_some_and(|b| b.is_ascii_digit()) {
            return self.err(format!(
                "expected a digit after '-', found {}",
                self.found()
            ));
        }
        self.consume_digits();
        match self.peek() {
            Some(b'.') => {
                self.bump();
                self.parse_fraction(start, line)
            }
            Some(b) if is_size_suffix(b) => self.parse_suffix(start, line),
            _ => self.make_int(start, line),
        }
    }

    /// After `digits.`: a float, or an IP address (`127.0.0.1:4222`) which
    /// is a string.
    pub(super) fn parse_fraction(&mut self, start: usize, line: usize) -> PResult<Node> {
        if !self.peek().is_some_and(|b| b.is_ascii_digit()) {
            return self.err(format!(
                "expected a digit after the '.' of a float, found {}",
                self.found()
            ));
        }
        self.consume_digits();
        if self.peek() == Some(b'.') {
            while self
                .peek()
                .is_some_and(|b| b.is_ascii_digit() || matches!(b, b'.' | b':' | b'-'))
            {
                self.bump();
            }
            let s = String::from_utf8_lossy(self.slice(start, self.pos)).into_owned();
            return Ok(Node::scalar(Value::Str(s), line));
        }
        let text = String::from_utf8_lossy(self.slice(start, self.pos)).into_owned();
        match text.parse::<f64>() {
            Ok(f) if f.is_finite() => Ok(Node::scalar(Value::Float(f), line)),
            _ => self.err_at(line, format!("float {text:?} is out of range")),
        }
    }

    /// After digits followed by a size suffix letter.
    pub(super) fn parse_suffix(&mut self, start: usize, line: usize) -> PResult<Node> {
        self.bump();
        while matches!(self.peek(), Some(b'b' | b'B' | b'i' | b'I')) {
            self.bump();
        }
        // nats-server also ends the number before a digit (`1k5` is then
        // a syntax error).
        if is_number_end(self.peek(), self.in_array)
            || self.peek().is_some_and(|b| b.is_ascii_digit())
        {
            self.make_int(start, line)
        } else {
            // e.g. `10ms`, `5min`: a string.
            self.parse_bare(start, line)
        }
    }

    pub(super) fn make_int(&mut self, start: usize, line: usize) -> PResult<Node> {
        let text = String::from_utf8_lossy(self.slice(start, self.pos)).into_owned();
        let split = text
            .bytes()
            .position(|b| !(b.is_ascii_digit() || b == b'-'))
            .unwrap_or(text.len());
        let (num, suffix) = text.split_at(split);
        let n: i64 = match num.parse() {
            Ok(n) => n,
            Err(_) => {
                return self.err_at(line, format!("integer {text:?} is out of range"));
            }
        };
        let mult: i64 = match suffix.to_ascii_lowercase().as_str() {
            "" => 1,
            "k" => 1_000,
            "kb" | "ki" | "kib" => 1 << 10,
            "m" => 1_000_000,
            "mb" | "mi" | "mib" => 1 << 20,
            "g" => 1_000_000_000,
            "gb" | "gi" | "gib" => 1 << 30,
            "t" => 1_000_000_000_000,
            "tb" | "ti" | "tib" => 1 << 40,
            "p" => 1_000_000_000_000_000,
            "pb" | "pi" | "pib" => 1 << 50,
            "e" => 1_000_000_000_000_000_000,
            "eb" | "ei" | "eib" => 1 << 60,
            other => {
                return self.err_at(
                    line,
                    format!(
                        "unknown size suffix {other:?} in {text:?}; expected k, kb, m, mb, g, gb, t, tb, p, pb, e or eb"
                    ),
                )
            }
        };
        match n.checked_mul(mult) {
            Some(v) => Ok(Node::scalar(Value::Int(v), line)),
            None => self.err_at(line, format!("integer {text:?} is out of range")),
        }
    }

    /// After `YYYY-`: the rest of `YYYY-MM-DDTHH:MM:SSZ`.
    pub(super) fn parse_date(&mut self, start: usize, line: usize) -> PResult<Node> {
        const FORMAT: &[u8] = b"00-00T00:00:00Z";
        for &f in FORMAT {
            let b = self.peek();
            let ok = match b {
                Some(b) if f == b'0' => b.is_ascii_digit(),
                Some(b) => b == f,
                None => false,
            };
            if !ok {
                return self.err(format!(
                    "expected a full ISO8601 Zulu date-time (YYYY-MM-DDTHH:MM:SSZ), found {}",
                    self.found()
                ));
            }
            self.bump();
        }
        let s = String::from_utf8_lossy(self.slice(start, self.pos)).into_owned();
        if !zulu_date_valid(&s) {
            return self.err_at(
                line,
                format!("invalid date-time {s:?}; expected a real YYYY-MM-DDTHH:MM:SSZ"),
            );
        }
        Ok(Node::scalar(Value::Date(s), line))
    }

    pub(super) fn lookup_variable(&mut self, name: &str, line: usize) -> PResult<Node> {
        if name.starts_with("2a$") {
            // A bcrypt hash, kept as written.
            return Ok(Node::scalar(Value::Str(format!("${name}")), line));
        }
        let found = self
            .scopes
            .iter()
            .rev()
            .find_map(|scope| scope.get(name))
            .cloned();
        let mut node = match found {
            Some(n) => n,
            None => match std::env::var(name) {
                Ok(v) => self.env_variable(name, &v, line)?,
                Err(std::env::VarError::NotUnicode(_)) => {
                    return self.err_at(
                        line,
                        format!("environment variable {name:?} (referenced as ${name}) is not valid UTF-8"),
                    )
                }
                Err(std::env::VarError::NotPresent) => {
                    return self.err_at(
                        line,
                        format!(
                            "variable reference ${name} can not be found: expected an earlier key or an environment variable named {name:?}"
                        ),
                    )
                }
            },
        };
        if self.depth + node.height > MAX_DEPTH {
            return self.err_at(
                line,
                format!(
                    "variable ${name} expands to values nested more than {MAX_DEPTH} levels deep"
                ),
            );
        }
        self.expanded = self.expanded.saturating_add(node.size);
        if self.expanded > MAX_EXPANSION {
            return self.err_at(
                line,
                format!("variable references expand to more than {MAX_EXPANSION} values"),
            );
        }
        node.line = line;
        Ok(node)
    }

    /// The server parses an environment variable's value as `pk=<value>`.
    pub(super) fn env_variable(&self, name: &str, value: &str, line: usize) -> PResult<Node> {
        if self.env_depth >= MAX_ENV_DEPTH {
            return self.err_at(
                line,
                format!("environment variable ${name} refers to variables more than {MAX_ENV_DEPTH} levels deep"),
            );
        }
        let text = format!("pk={value}");
        let doc = Parser::new(&text, self.env_depth + 1)
            .parse_document()
            .or_else(|e| {
                self.err_at(
                    line,
                    format!(
                        "environment variable {name:?} (referenced as ${name}) could not be parsed: {}",
                        e.msg
                    ),
                )
            })?;
        match doc.into_iter().find(|e| e.key == "pk") {
            Some(e) => Ok(e.node),
            None => self.err_at(
                line,
                format!("environment variable {name:?} (referenced as ${name}) has no value"),
            ),
        }
    }
}
