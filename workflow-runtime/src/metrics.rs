//! The metrics user code records: counters, histograms and gauges, labelled with where they
//! were recorded (namespace, task queue, workflow or activity type). Workflow metrics are
//! replay-safe: nothing is recorded while a run replays history, so each count happens once
//! however often the run is replayed.

use std::{
    borrow::Cow,
    collections::HashMap,
    fmt,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
};

use temporalio_common::telemetry::metrics::{
    Counter, GaugeF64, Histogram, MetricAttributes, MetricKeyValue, MetricParameters,
    NewAttributes, TemporalMeter,
};

/// A metric name or label that Prometheus cannot take, or a name already used by another kind
/// of instrument.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("metric `{name}`: {problem}")]
pub struct MetricError {
    name: String,
    problem: &'static str,
}

/// The kinds of instrument, so one name keeps one kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Counter,
    Histogram,
    Gauge,
}

/// The meter of one telemetry endpoint, with the kind each name was first made as.
#[derive(Clone)]
pub(crate) struct UserMeter {
    meter: TemporalMeter,
    kinds: Arc<Mutex<HashMap<String, Kind>>>,
}

impl fmt::Debug for UserMeter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserMeter").finish_non_exhaustive()
    }
}

impl UserMeter {
    pub(crate) fn new(meter: TemporalMeter) -> Self {
        Self {
            meter,
            kinds: Arc::default(),
        }
    }

    /// Records that `name` (already checked) is an instrument of `kind`, unless it is one of
    /// another kind.
    fn claim(&self, name: &str, kind: Kind) -> Result<(), MetricError> {
        let mut kinds = self.kinds.lock().unwrap_or_else(|e| e.into_inner());
        match kinds.get(name) {
            Some(existing) if *existing != kind => Err(MetricError {
                name: name.to_owned(),
                problem: "the name is already used by another kind of instrument",
            }),
            Some(_) => Ok(()),
            None => {
                kinds.insert(name.to_owned(), kind);
                Ok(())
            }
        }
    }
}

/// Where a worker's user metrics go, and the task queue they are labelled with.
#[derive(Clone, Default)]
pub(crate) struct WorkerMetrics {
    pub(crate) meter: Option<UserMeter>,
    pub(crate) task_queue: String,
}

/// Whether the run a workflow meter belongs to replays history right now.
pub(crate) type Replaying = Arc<AtomicBool>;

/// Makes instruments that record with this meter's labels. From
/// [`ActivityContext::metric_meter`](crate::ActivityContext::metric_meter) and
/// [`WorkflowContext::metric_meter`](crate::WorkflowContext::metric_meter); without
/// [`Telemetry`](crate::Telemetry) on the client, its instruments record nothing.
///
/// ```no_run
/// # use workflow_runtime::prelude::*;
/// #[activity]
/// async fn charge(ctx: ActivityContext, cents: u64) -> Result<u64, ActivityError> {
///     let meter = ctx.metric_meter();
///     meter.counter("charges")?.add(1);
///     meter.histogram("charge_cents", "cents")?.record(cents);
///     Ok(cents)
/// }
/// ```
#[derive(Clone)]
pub struct MetricMeter {
    target: Option<(UserMeter, MetricAttributes)>,
    replaying: Option<Replaying>,
}

impl fmt::Debug for MetricMeter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MetricMeter")
            .field("recording", &self.target.is_some())
            .field("replay_safe", &self.replaying.is_some())
            .finish()
    }
}

impl MetricMeter {
    /// A meter whose instruments record nothing.
    pub(crate) fn none() -> Self {
        Self {
            target: None,
            replaying: None,
        }
    }

    /// A meter with `labels`, replay-safe when `replaying` is given.
    pub(crate) fn new(
        meter: Option<UserMeter>,
        labels: &[(&'static str, String)],
        replaying: Option<Replaying>,
    ) -> Self {
        let target = meter.map(|meter| {
            let labels: Vec<MetricKeyValue> = labels
                .iter()
                .map(|(key, value)| MetricKeyValue::new(*key, value.clone()))
                .collect();
            let attributes = meter.meter.extend_attributes(
                meter.meter.get_default_attributes().clone(),
                NewAttributes::from(labels),
            );
            (meter, attributes)
        });
        Self { target, replaying }
    }

    /// This meter with one more label on everything its instruments record.
    pub fn with_label(
        &self,
        key: impl Into<String>,
        value: impl Into<String>,
    ) -> Result<Self, MetricError> {
        let key = key.into();
        check_name(&key, "a label")?;
        if key == "le" || key.starts_with("__") {
            return Err(MetricError {
                name: key,
                problem: "the label is reserved by Prometheus",
            });
        }
        let target = self.target.as_ref().map(|(meter, attributes)| {
            let attributes = meter.meter.extend_attributes(
                attributes.clone(),
                NewAttributes::from(vec![MetricKeyValue::new(key, value.into())]),
            );
            (meter.clone(), attributes)
        });
        Ok(Self {
            target,
            replaying: self.replaying.clone(),
        })
    }

    /// A counter: a total that only grows.
    pub fn counter(&self, name: &str) -> Result<MetricCounter, MetricError> {
        let instrument = self.instrument(name, Kind::Counter, |meter, parameters| {
            meter.counter(parameters)
        })?;
        Ok(MetricCounter {
            instrument,
            replaying: self.replaying.clone(),
        })
    }

    /// A histogram of whole values in `unit` (`"ms"`, `"bytes"`, `"cents"`).
    pub fn histogram(&self, name: &str, unit: &str) -> Result<MetricHistogram, MetricError> {
        let unit = unit.to_owned();
        let instrument = self.instrument(name, Kind::Histogram, |meter, mut parameters| {
            parameters.unit = Cow::Owned(unit);
            meter.histogram(parameters)
        })?;
        Ok(MetricHistogram {
            instrument,
            replaying: self.replaying.clone(),
        })
    }

    /// A gauge: a value that is set, up or down.
    pub fn gauge(&self, name: &str) -> Result<MetricGauge, MetricError> {
        let instrument = self.instrument(name, Kind::Gauge, |meter, parameters| {
            meter.gauge_f64(parameters)
        })?;
        Ok(MetricGauge {
            instrument,
            replaying: self.replaying.clone(),
        })
    }

    fn instrument<I>(
        &self,
        name: &str,
        kind: Kind,
        make: impl FnOnce(&TemporalMeter, MetricParameters) -> I,
    ) -> Result<Option<(I, MetricAttributes)>, MetricError> {
        check_name(name, "a metric name")?;
        let Some((meter, attributes)) = &self.target else {
            return Ok(None);
        };
        meter.claim(name, kind)?;
        let parameters = MetricParameters::builder().name(name.to_owned()).build();
        Ok(Some((make(&meter.meter, parameters), attributes.clone())))
    }
}

/// Whether a recording happens now: not while the run replays.
fn records(replaying: Option<&Replaying>) -> bool {
    !replaying.is_some_and(|flag| flag.load(Ordering::SeqCst))
}

/// A counter from a [`MetricMeter`].
#[derive(Clone)]
pub struct MetricCounter {
    instrument: Option<(Counter, MetricAttributes)>,
    replaying: Option<Replaying>,
}

impl MetricCounter {
    /// Adds `value`.
    pub fn add(&self, value: u64) {
        if let Some((counter, attributes)) = &self.instrument
            && records(self.replaying.as_ref())
        {
            counter.add(value, attributes);
        }
    }
}

/// A histogram from a [`MetricMeter`].
#[derive(Clone)]
pub struct MetricHistogram {
    instrument: Option<(Histogram, MetricAttributes)>,
    replaying: Option<Replaying>,
}

impl MetricHistogram {
    /// Records one value.
    pub fn record(&self, value: u64) {
        if let Some((histogram, attributes)) = &self.instrument
            && records(self.replaying.as_ref())
        {
            histogram.record(value, attributes);
        }
    }
}

/// A gauge from a [`MetricMeter`].
#[derive(Clone)]
pub struct MetricGauge {
    instrument: Option<(GaugeF64, MetricAttributes)>,
    replaying: Option<Replaying>,
}

impl MetricGauge {
    /// Sets the value.
    pub fn set(&self, value: f64) {
        if let Some((gauge, attributes)) = &self.instrument
            && records(self.replaying.as_ref())
        {
            gauge.record(value, attributes);
        }
    }
}

macro_rules! opaque_debug {
    ($($ty:ident),*) => {$(
        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($ty))
                    .field("recording", &self.instrument.is_some())
                    .finish()
            }
        }
    )*};
}

opaque_debug!(MetricCounter, MetricHistogram, MetricGauge);

/// Prometheus's rule for metric and label names (`-` is not allowed).
fn check_name(name: &str, what: &'static str) -> Result<(), MetricError> {
    let mut chars = name.chars();
    let valid = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if valid {
        Ok(())
    } else {
        Err(MetricError {
            name: name.to_owned(),
            problem: match what {
                "a label" => "a label is letters, digits and `_`, not starting with a digit",
                _ => "a metric name is letters, digits and `_`, not starting with a digit",
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_prometheus_and_a_meter_without_telemetry_records_nothing() {
        let meter = MetricMeter::none();
        assert!(meter.counter("orders_charged").is_ok());
        let error = meter.counter("orders-charged").expect_err("a dash");
        assert_eq!(
            error.to_string(),
            "metric `orders-charged`: a metric name is letters, digits and `_`, not starting with a digit"
        );
        assert!(meter.gauge("9lives").is_err());
        assert!(meter.with_label("le", "1").is_err());
        assert!(meter.with_label("region", "eu").is_ok());
        meter.counter("orders_charged").expect("valid").add(1);
    }

    #[test]
    fn a_name_keeps_the_kind_it_was_first_made_as() {
        let meter = MetricMeter::new(
            Some(UserMeter::new(TemporalMeter::no_op())),
            &[("namespace", "default".to_owned())],
            None,
        );
        meter.counter("orders").expect("a counter").add(1);
        meter.counter("orders").expect("the same kind again").add(1);
        let error = meter.gauge("orders").expect_err("another kind");
        assert_eq!(
            error.to_string(),
            "metric `orders`: the name is already used by another kind of instrument"
        );
    }

    #[test]
    fn a_replaying_run_records_nothing() {
        let replaying = Replaying::default();
        assert!(records(Some(&replaying)));
        replaying.store(true, Ordering::SeqCst);
        assert!(!records(Some(&replaying)));
        assert!(records(None), "an activity's meter always records");
    }
}
