//! Timestamps: nanoseconds since the Unix epoch to and from RFC 3339 (UTC),
//! without a calendar crate.

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `2026-11-25T01:30:45.580426804Z`
pub fn format_ns(ns: i64) -> String {
    let secs = ns.div_euclid(1_000_000_000);
    let frac = ns.rem_euclid(1_000_000_000);
    let (y, mo, d) = civil_from_days(secs.div_euclid(86_400));
    let sod = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}.{frac:09}Z",
        sod / 3600,
        (sod % 3600) / 60,
        sod % 60
    )
}

/// Parse RFC 3339 (`2026-11-25T01:30:45Z`, fractions and `+hh:mm` offsets
/// allowed, a space for `T` too), a date alone (`2026-11-25`, midnight UTC),
/// or an integer of nanoseconds since the epoch.
pub fn parse_time(text: &str) -> Option<i64> {
    let s = text.trim();
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse().ok();
    }
    let num = |part: &str| -> Option<u32> {
        (!part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
            .then(|| part.parse().ok())
            .flatten()
    };
    let (date, rest) = match s.find(['T', 't', ' ']) {
        Some(i) => (&s[..i], &s[i + 1..]),
        None => (s, ""),
    };
    let mut dparts = date.split('-');
    let year = num(dparts.next()?)? as i64;
    let month = num(dparts.next()?)?;
    let day = num(dparts.next()?)?;
    if dparts.next().is_some() || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let days = days_from_civil(year, month, day);
    if rest.is_empty() {
        return days.checked_mul(86_400_000_000_000);
    }
    let (clock, offset_secs) = if let Some(c) = rest.strip_suffix(['Z', 'z']) {
        (c, 0i64)
    } else if let Some(i) = rest.rfind(['+', '-']) {
        let (c, off) = rest.split_at(i);
        let sign = if off.starts_with('-') { -1 } else { 1 };
        let mut hm = off[1..].split(':');
        let h = num(hm.next()?)? as i64;
        let m = num(hm.next().unwrap_or("0"))? as i64;
        (c, sign * (h * 3600 + m * 60))
    } else {
        (rest, 0)
    };
    let (hms, frac) = match clock.split_once('.') {
        Some((a, b)) => (a, b),
        None => (clock, ""),
    };
    let mut parts = hms.split(':');
    let h = num(parts.next()?)? as i64;
    let mi = num(parts.next()?)? as i64;
    let se = num(parts.next().unwrap_or("0"))? as i64;
    if parts.next().is_some() || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let mut nanos = 0i64;
    if !frac.is_empty() {
        num(frac)?;
        let digits: String = frac.chars().chain(std::iter::repeat('0')).take(9).collect();
        nanos = digits.parse().ok()?;
    }
    let secs = days * 86_400 + h * 3600 + mi * 60 + se - offset_secs;
    secs.checked_mul(1_000_000_000)?.checked_add(nanos)
}

/// Epoch nanoseconds from 1973-03-03 on: a bare integer or a number with a
/// unit below this is read as seconds-in-disguise (refused) or a duration.
const PLAUSIBLE_EPOCH_NS: i64 = 100_000_000_000_000_000;

/// Why a time given on the command line is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeSpecError {
    #[error("{text:?}: number out of range")]
    NumberOutOfRange { text: String },
    /// A bare integer before 1973 as nanoseconds: seconds or milliseconds
    /// in disguise.
    #[error("{text:?} is ambiguous: as nanoseconds it is {as_time}; give a unit ({n}s, {n}ms, {n}ns), RFC 3339 or a relative time (1h)")]
    Ambiguous {
        text: String,
        n: i64,
        as_time: String,
    },
    #[error("{text:?}: out of range")]
    OutOfRange { text: String },
    #[error("{text:?}: expected a duration before \"ago\" (90s ago, 2h ago)")]
    NoDurationBeforeAgo { text: String },
    #[error("{text:?}: expected RFC 3339 (2026-11-25T01:30:00Z), a date, epoch time with a unit (1795570246s), or a time back from now (1h, 90s ago)")]
    Unrecognised { text: String },
}

/// A time given on the command line, `now_ns` being the current time:
/// RFC 3339 or a date (see [`parse_time`]); epoch time with a unit
/// (`1795570246s`, `…ms`, `…us`, `…ns`); a time back from now (`1h`,
/// `90s ago`, `2d`, `1h30m`); or bare epoch nanoseconds. A bare integer
/// that would be before 1973 as nanoseconds is most likely seconds or
/// milliseconds and is refused rather than read as 1970.
pub fn parse_time_spec(text: &str, now_ns: i64) -> Result<i64, TimeSpecError> {
    let text_owned = || text.to_string();
    let s = text.trim();
    let (body, ago) = match s.strip_suffix("ago") {
        Some(b) => (b.trim_end(), true),
        None => (s, false),
    };
    if !body.is_empty() && body.bytes().all(|b| b.is_ascii_digit()) && !ago {
        let n: i64 = body
            .parse()
            .map_err(|_| TimeSpecError::NumberOutOfRange { text: text_owned() })?;
        if n != 0 && n < PLAUSIBLE_EPOCH_NS {
            return Err(TimeSpecError::Ambiguous {
                text: text_owned(),
                n,
                as_time: format_ns(n),
            });
        }
        return Ok(n);
    }
    if let Some(duration) = duration_ns(body) {
        // A number with a unit that lands after 1973 is an epoch time.
        // (s, ms, us, ns after one number; 1h30m is always a duration.)
        let number = body.trim_end_matches(|c: char| c.is_ascii_alphabetic());
        let epoch_unit = body.ends_with('s') && number.bytes().all(|b| b.is_ascii_digit());
        if !ago && epoch_unit && duration >= PLAUSIBLE_EPOCH_NS {
            return Ok(duration);
        }
        return now_ns
            .checked_sub(duration)
            .ok_or_else(|| TimeSpecError::OutOfRange { text: text_owned() });
    }
    if ago {
        return Err(TimeSpecError::NoDurationBeforeAgo { text: text_owned() });
    }
    parse_time(s).ok_or_else(|| TimeSpecError::Unrecognised { text: text_owned() })
}

/// `1h30m`, `90s`, `250ms`, `2d` as nanoseconds (Go's units, and `d`).
fn duration_ns(s: &str) -> Option<i64> {
    if let Some(days) = s.strip_suffix('d') {
        let n: i64 = days.parse().ok()?;
        return n.checked_mul(86_400_000_000_000);
    }
    if s.is_empty() || !s.ends_with(|c: char| c.is_ascii_alphabetic()) || s.starts_with(['-', '+'])
    {
        return None;
    }
    crate::config::parse_duration_ns(s)
}

/// The current time in nanoseconds since the epoch.
pub fn now_ns() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let ns = 1_795_570_245_580_426_804;
        let text = format_ns(ns);
        assert_eq!(text, "2026-11-25T01:30:45.580426804Z");
        assert_eq!(parse_time(&text), Some(ns));
        assert_eq!(parse_time("1970-01-01"), Some(0));
        assert_eq!(parse_time("1970-01-01T01:00:00+01:00"), Some(0));
        assert_eq!(
            parse_time("2026-11-25T01:30:45.5Z"),
            Some(1_795_570_245_500_000_000)
        );
        assert_eq!(parse_time("12345"), Some(12345));
        assert_eq!(format_ns(-1), "1969-12-31T23:59:59.999999999Z");
        assert_eq!(parse_time("yesterday"), None);
        assert_eq!(parse_time("2026-13-01"), None);
    }

    #[test]
    fn command_line_times() {
        let now = 1_795_570_245_580_426_804;
        let spec = |t: &str| parse_time_spec(t, now);
        assert_eq!(spec("1795570246s"), Ok(1_795_570_246_000_000_000));
        assert_eq!(spec("1795570246000ms"), Ok(1_795_570_246_000_000_000));
        assert_eq!(spec("1795570246000000us"), Ok(1_795_570_246_000_000_000));
        assert_eq!(spec("1795570246000000000ns"), Ok(1_795_570_246_000_000_000));
        assert_eq!(spec("1795570246000000000"), Ok(1_795_570_246_000_000_000));
        assert_eq!(spec("1h"), Ok(now - 3_600_000_000_000));
        assert_eq!(spec("90s ago"), Ok(now - 90_000_000_000));
        assert_eq!(spec("90s"), Ok(now - 90_000_000_000));
        assert_eq!(spec("1h30m"), Ok(now - 5_400_000_000_000));
        assert_eq!(spec("2d"), Ok(now - 2 * 86_400_000_000_000));
        assert_eq!(
            spec("2026-11-25T01:30:45.5Z"),
            Ok(1_795_570_245_500_000_000)
        );
        assert_eq!(spec("0"), Ok(0));
        for bad in ["1795570246", "1795570246000", "soon", "ago", "-1h", "x ago"] {
            assert!(spec(bad).is_err(), "{bad}");
        }
        assert!(matches!(
            spec("1795570246"),
            Err(TimeSpecError::Ambiguous { n: 1795570246, .. })
        ));
        assert!(spec("1795570246")
            .unwrap_err()
            .to_string()
            .contains("1795570246s"));
        assert_eq!(
            spec("x ago"),
            Err(TimeSpecError::NoDurationBeforeAgo {
                text: "x ago".into()
            })
        );
    }
}
