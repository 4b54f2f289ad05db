//! Conversions between Rust's time types and the protobuf `Duration`/`Timestamp` that core and
//! the server speak. A leaf: it knows nothing else of the runtime.

use std::time::{Duration, SystemTime};

/// Converts to the protobuf duration, saturating at its maximum.
pub(crate) fn proto_duration(duration: Duration) -> prost_wkt_types::Duration {
    prost_wkt_types::Duration {
        seconds: i64::try_from(duration.as_secs()).unwrap_or(i64::MAX),
        nanos: i32::try_from(duration.subsec_nanos()).unwrap_or(0),
    }
}

/// Converts from the protobuf duration; `None` when unset or negative.
pub(crate) fn duration(duration: Option<&prost_wkt_types::Duration>) -> Option<Duration> {
    let duration = duration?;
    Some(Duration::new(
        u64::try_from(duration.seconds).ok()?,
        u32::try_from(duration.nanos).ok()?,
    ))
}

/// Converts from the protobuf timestamp; `None` when unset or before the Unix epoch.
pub(crate) fn system_time(timestamp: Option<&prost_wkt_types::Timestamp>) -> Option<SystemTime> {
    let timestamp = timestamp?;
    let seconds = u64::try_from(timestamp.seconds).ok()?;
    let nanos = u32::try_from(timestamp.nanos).ok()?;
    Some(SystemTime::UNIX_EPOCH + Duration::new(seconds, nanos))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_round_trip_and_negative_values_are_unset() {
        let d = Duration::new(3, 500);
        assert_eq!(duration(Some(&proto_duration(d))), Some(d));
        let negative = prost_wkt_types::Duration {
            seconds: -1,
            nanos: 0,
        };
        assert_eq!(duration(Some(&negative)), None);
        assert_eq!(duration(None), None);
    }

    #[test]
    fn timestamps_before_the_epoch_are_unset() {
        let before = prost_wkt_types::Timestamp {
            seconds: -5,
            nanos: 0,
        };
        assert_eq!(system_time(Some(&before)), None);
        let at = prost_wkt_types::Timestamp {
            seconds: 10,
            nanos: 7,
        };
        assert_eq!(
            system_time(Some(&at)),
            Some(SystemTime::UNIX_EPOCH + Duration::new(10, 7))
        );
    }
}
