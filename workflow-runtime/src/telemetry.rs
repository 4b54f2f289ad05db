//! Metrics an operator can scrape: core's worker metrics and the client's request metrics,
//! under Temporal's names (`temporal_workflow_task_execution_latency`, `temporal_request`,
//! ...), on a Prometheus endpoint, plus the metrics workflows and activities record
//! themselves. The names, labels and units are those every core-based SDK exports, so
//! Temporal's published SDK dashboards work unchanged.

use std::{fmt, net::SocketAddr, sync::Arc};

use crate::metrics::UserMeter;
use temporalio_common::telemetry::{
    PrometheusExporterOptions, TelemetryOptions,
    metrics::{CoreMeter, TemporalMeter},
    start_prometheus_metric_exporter, telemetry_init,
};

/// Where metrics go: one Prometheus endpoint, shared by the clients and workers given it.
/// Cheap to clone; the endpoint closes when the last clone is dropped.
///
/// ```no_run
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use workflow_runtime::{Client, ClientOptions, Telemetry, Worker};
/// let telemetry = Telemetry::prometheus("0.0.0.0:9464".parse()?)?;
/// let client = Client::connect(ClientOptions::from_env()?.telemetry(telemetry)).await?;
/// // Workers of this client export their metrics there too.
/// let worker = Worker::new(&client, "orders");
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Telemetry {
    inner: Arc<Exporter>,
}

struct Exporter {
    address: SocketAddr,
    /// What core's worker records into.
    core_meter: Arc<dyn CoreMeter>,
    /// Core's meter with the `temporal_` prefix, for the client's request metrics.
    temporal_meter: TemporalMeter,
    /// Core's meter without a prefix, for the metrics user code records.
    user_meter: UserMeter,
    stop: tokio::task::AbortHandle,
}

impl Drop for Exporter {
    fn drop(&mut self) {
        self.stop.abort();
    }
}

impl fmt::Debug for Telemetry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Telemetry")
            .field("prometheus_address", &self.inner.address)
            .finish_non_exhaustive()
    }
}

/// The metrics endpoint could not be opened.
#[derive(Debug, thiserror::Error)]
#[error("cannot serve metrics on {address}")]
pub struct TelemetryError {
    address: SocketAddr,
    #[source]
    source: Box<dyn std::error::Error + Send + Sync>,
}

impl Telemetry {
    /// Serves metrics for Prometheus at `http://{address}/metrics` (port 0 picks a free one;
    /// [`prometheus_address`](Self::prometheus_address) says which). Call it inside a Tokio
    /// runtime, which serves the endpoint. Durations are in milliseconds, counters have no
    /// `_total` suffix: the defaults of every core-based SDK and of Temporal's dashboards.
    pub fn prometheus(address: SocketAddr) -> Result<Self, TelemetryError> {
        let failed =
            |source: Box<dyn std::error::Error + Send + Sync>| TelemetryError { address, source };
        let started = start_prometheus_metric_exporter(
            PrometheusExporterOptions::builder()
                .socket_addr(address)
                .build(),
        )
        .map_err(|e| failed(e.into()))?;
        let core_meter = started.meter as Arc<dyn CoreMeter>;
        let instance = telemetry_init(
            TelemetryOptions::builder()
                .metrics(Arc::clone(&core_meter))
                .build(),
        )
        .map_err(|e| failed(e.into()))?;
        let meters = instance
            .get_temporal_metric_meter()
            .zip(instance.get_metric_meter());
        let Some((temporal_meter, user_meter)) = meters else {
            return Err(failed("core made no meter of the exporter".into()));
        };
        Ok(Self {
            inner: Arc::new(Exporter {
                address: started.bound_addr,
                core_meter,
                temporal_meter,
                user_meter: UserMeter::new(user_meter),
                stop: started.abort_handle,
            }),
        })
    }

    /// The address the endpoint listens on.
    pub fn prometheus_address(&self) -> SocketAddr {
        self.inner.address
    }

    pub(crate) fn core_meter(&self) -> Arc<dyn CoreMeter> {
        Arc::clone(&self.inner.core_meter)
    }

    pub(crate) fn temporal_meter(&self) -> TemporalMeter {
        self.inner.temporal_meter.clone()
    }

    pub(crate) fn user_meter(&self) -> UserMeter {
        self.inner.user_meter.clone()
    }
}
