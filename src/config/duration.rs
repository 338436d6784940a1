//! Go `time.ParseDuration`, as the server reads durations.

/// Parses a Go `time.ParseDuration` string ("10s", "1h30m", "500ms",
/// "1.5h", "-2us", "0") into nanoseconds. `None` if invalid or out of range.
pub fn parse_duration_ns(s: &str) -> Option<i64> {
    const LIMIT: u64 = 1 << 63;
    let mut rest = s;
    let mut neg = false;
    if let Some(r) = rest.strip_prefix('-') {
        neg = true;
        rest = r;
    } else if let Some(r) = rest.strip_prefix('+') {
        rest = r;
    }
    if rest == "0" {
        return Some(0);
    }
    if rest.is_empty() {
        return None;
    }
    let mut total: u64 = 0;
    while !rest.is_empty() {
        let first = rest.as_bytes().first().copied()?;
        if !(first == b'.' || first.is_ascii_digit()) {
            return None;
        }
        // Integer part.
        let int_len = rest.bytes().take_while(u8::is_ascii_digit).count();
        let (int_str, r) = rest.split_at(int_len);
        rest = r;
        let mut v: u64 = 0;
        for b in int_str.bytes() {
            if v > LIMIT / 10 {
                return None;
            }
            v = v * 10 + u64::from(b - b'0');
            if v > LIMIT {
                return None;
            }
        }
        let pre = int_len > 0;
        // Fraction.
        let mut f: u64 = 0;
        let mut scale: f64 = 1.0;
        let mut post = false;
        if let Some(r) = rest.strip_prefix('.') {
            let frac_len = r.bytes().take_while(u8::is_ascii_digit).count();
            let (frac_str, r2) = r.split_at(frac_len);
            rest = r2;
            post = frac_len > 0;
            let mut overflow = false;
            for b in frac_str.bytes() {
                if overflow {
                    continue;
                }
                if f > (LIMIT - 1) / 10 {
                    overflow = true;
                    continue;
                }
                let y = f * 10 + u64::from(b - b'0');
                if y > LIMIT {
                    overflow = true;
                    continue;
                }
                f = y;
                scale *= 10.0;
            }
        }
        if !pre && !post {
            return None;
        }
        // Unit.
        let unit_len = rest
            .bytes()
            .take_while(|b| !(*b == b'.' || b.is_ascii_digit()))
            .count();
        if unit_len == 0 {
            return None;
        }
        let (unit_str, r) = rest.split_at(unit_len);
        rest = r;
        let unit: u64 = match unit_str {
            "ns" => 1,
            "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => return None,
        };
        if v > LIMIT / unit {
            return None;
        }
        v *= unit;
        if f > 0 {
            // Same float arithmetic as Go; the cast saturates.
            v = v.checked_add((f as f64 * (unit as f64 / scale)) as u64)?;
            if v > LIMIT {
                return None;
            }
        }
        total = total.checked_add(v)?;
        if total > LIMIT {
            return None;
        }
    }
    if neg {
        if total == LIMIT {
            Some(i64::MIN)
        } else {
            i64::try_from(total).ok().map(|t| -t)
        }
    } else {
        i64::try_from(total).ok()
    }
}
