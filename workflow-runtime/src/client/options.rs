//! Where and how to connect ([`ClientOptions`]) and how to start a workflow
//! ([`StartOptions`]).

use std::{
    collections::{BTreeMap, HashMap},
    sync::Arc,
    time::Duration,
};

use temporalio_client::{ClientTlsOptions, ConnectionOptions, TlsOptions};
use temporalio_common::protos::temporal::api::{
    common::v1::{Payloads, WorkflowType},
    enums::v1::TaskQueueKind,
    taskqueue::v1::TaskQueue,
    workflowservice::v1::{SignalWithStartWorkflowExecutionRequest, StartWorkflowExecutionRequest},
};

use crate::{
    client::error::ClientError,
    codec::{Codec, PayloadCodec},
    convert::proto_duration,
    interceptor::{Interceptor, Interceptors},
    options::{
        RetryPolicy, RunSettings, WorkflowIdConflictPolicy, WorkflowIdReusePolicy, run_setters,
    },
    payload::Payload,
    telemetry::Telemetry,
};

/// Where and how to connect.
///
/// ```
/// use workflow_runtime::ClientOptions;
/// let options = ClientOptions::new("127.0.0.1:7233").namespace("default");
/// assert_eq!(options.namespace_name(), "default");
/// ```
#[derive(Clone)]
pub struct ClientOptions {
    pub(crate) address: String,
    pub(crate) namespace: String,
    pub(crate) identity: Option<String>,
    pub(crate) api_key: Option<String>,
    pub(crate) tls: Option<TlsOptions>,
    /// gRPC metadata sent with every call.
    pub(crate) headers: BTreeMap<String, String>,
    /// How long one call keeps retrying while the server is unreachable.
    pub(crate) retry_budget: Option<Duration>,
    pub(crate) telemetry: Option<Telemetry>,
    pub(crate) interceptors: Interceptors,
    pub(crate) codec: Codec,
    /// Gzip on the wire; unset, on except to a server on this machine.
    pub(crate) grpc_compression: Option<bool>,
}

impl std::fmt::Debug for ClientOptions {
    /// Says whether an API key, TLS and a client certificate are set, never what they are: the
    /// options may be logged.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientOptions")
            .field("address", &self.address)
            .field("namespace", &self.namespace)
            .field("identity", &self.identity)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            // Names only: a header may carry a token.
            .field("grpc_headers", &self.headers.keys().collect::<Vec<_>>())
            .field("tls", &self.tls.is_some())
            .field(
                "client_certificate",
                &self
                    .tls
                    .as_ref()
                    .is_some_and(|tls| tls.client_tls_options.is_some()),
            )
            .field("codec", &self.codec.is_set())
            .field("grpc_compression", &self.grpc_compression)
            .finish_non_exhaustive()
    }
}

impl Default for ClientOptions {
    /// The local dev server: `localhost:7233`, namespace `default`.
    fn default() -> Self {
        Self::new("localhost:7233")
    }
}

impl ClientOptions {
    /// Connects to `address` (`host:port`, or a URL) in namespace `default`, without TLS.
    pub fn new(address: impl Into<String>) -> Self {
        Self {
            address: address.into(),
            namespace: "default".to_owned(),
            identity: None,
            api_key: None,
            tls: None,
            headers: BTreeMap::new(),
            retry_budget: None,
            telemetry: None,
            interceptors: Interceptors::default(),
            codec: Codec::default(),
            grpc_compression: None,
        }
    }

    /// Reads the standard Temporal client configuration: the environment variables
    /// `TEMPORAL_ADDRESS`, `TEMPORAL_NAMESPACE`, `TEMPORAL_API_KEY`, `TEMPORAL_TLS`,
    /// `TEMPORAL_TLS_CLIENT_CERT_PATH`, `TEMPORAL_TLS_CLIENT_KEY_PATH`,
    /// `TEMPORAL_TLS_SERVER_CA_CERT_PATH`, `TEMPORAL_TLS_SERVER_NAME`, `TEMPORAL_PROFILE`, and
    /// the profile file (`TEMPORAL_CONFIG_FILE`, by default `~/.config/temporalio/temporal.toml`),
    /// as every Temporal SDK and the CLI do. Unset values default to the local dev server.
    pub fn from_env() -> Result<Self, ClientError> {
        Self::from_variables(None)
    }

    /// [`from_env`](Self::from_env), reading `variables` instead of the process's environment
    /// when given.
    pub(crate) fn from_variables(
        variables: Option<&HashMap<String, String>>,
    ) -> Result<Self, ClientError> {
        let config_error = |e: temporalio_common::envconfig::ConfigError| ClientError::Config {
            message: e.to_string(),
        };
        let profile =
            temporalio_common::envconfig::load_client_config_profile(Default::default(), variables)
                .map_err(config_error)?;
        let namespace = profile
            .namespace
            .clone()
            .unwrap_or_else(|| "default".to_owned());
        let connection = ConnectionOptions::try_from(profile).map_err(config_error)?;
        Ok(Self {
            address: connection.target.to_string(),
            namespace,
            identity: None,
            api_key: connection.api_key,
            tls: connection.tls_options,
            headers: connection.headers.unwrap_or_default().into_iter().collect(),
            retry_budget: None,
            telemetry: None,
            interceptors: Interceptors::default(),
            codec: Codec::default(),
            grpc_compression: None,
        })
    }

    /// Exports the client's request metrics (`temporal_request`, `temporal_request_latency`,
    /// `temporal_long_request`, ...) there, and the metrics of the workers built on this client.
    pub fn telemetry(mut self, telemetry: Telemetry) -> Self {
        self.telemetry = Some(telemetry);
        self
    }

    /// Encodes every payload this client and its workers send with `codec`, and decodes every
    /// payload they receive: arguments, results, memo, heartbeat details, failure details (see
    /// [`codec`](crate::codec) for what it sees and what it never sees). Processes that read
    /// the same workflows (other clients and workers, in any language, and the replayer) need
    /// the same codec.
    ///
    /// ```
    /// # use workflow_runtime::{codec::{CodecError, PayloadCodec}, payload::Payload};
    /// # struct Encryption;
    /// # impl PayloadCodec for Encryption {
    /// #     async fn encode(&self, p: Vec<Payload>) -> Result<Vec<Payload>, CodecError> { Ok(p) }
    /// #     async fn decode(&self, p: Vec<Payload>) -> Result<Vec<Payload>, CodecError> { Ok(p) }
    /// # }
    /// use workflow_runtime::ClientOptions;
    /// let options = ClientOptions::new("127.0.0.1:7233").payload_codec(Encryption);
    /// ```
    pub fn payload_codec(mut self, codec: impl PayloadCodec) -> Self {
        self.codec = Codec::new(codec);
        self
    }

    /// Adds an interceptor: it runs around this client's calls that reach a workflow, and
    /// around the workflow calls and activity attempts of the workers built on this client
    /// (after any added earlier, before any a worker adds).
    pub fn interceptor(mut self, interceptor: impl Interceptor) -> Self {
        self.interceptors = self.interceptors.with(Arc::new(interceptor));
        self
    }

    /// Sets the namespace.
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespace = namespace.into();
        self
    }

    /// The namespace set so far.
    pub fn namespace_name(&self) -> &str {
        &self.namespace
    }

    /// Sets the identity shown in workflow histories (default `pid@hostname`).
    pub fn identity(mut self, identity: impl Into<String>) -> Self {
        self.identity = Some(identity.into());
        self
    }

    /// Authenticates with an API key (Temporal Cloud); turns TLS on.
    pub fn api_key(mut self, api_key: impl Into<String>) -> Self {
        self.api_key = Some(api_key.into());
        self.tls.get_or_insert_with(TlsOptions::default);
        self
    }

    /// Sends `name: value` as gRPC metadata with every call (a proxy's or a gateway's routing
    /// or auth header). `from_env` reads them from `TEMPORAL_GRPC_META_*` variables
    /// (`TEMPORAL_GRPC_META_X_TENANT=blue` sends `x-tenant: blue`) and from the profile's
    /// `grpc_meta` table, as every SDK does.
    pub fn grpc_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers
            .insert(name.into().to_ascii_lowercase(), value.into());
        self
    }

    /// How long one call (a start, a signal, a query...) keeps retrying while the server is
    /// unreachable or overloaded before it returns the error: 10 s by default, as in every SDK
    /// on core. A longer budget carries calls across a server restart or a failover that takes
    /// longer; waits for a result retry without a budget whatever this says.
    pub fn retry_budget(mut self, budget: Duration) -> Self {
        self.retry_budget = Some(budget);
        self
    }

    /// Whether calls and their answers are gzip-compressed on the wire. By default they are,
    /// as in the other SDKs on core, except with a server on this machine (a loopback address
    /// or `localhost`): there, compressing costs CPU in the worker and the server and saves
    /// no bandwidth.
    ///
    /// ```
    /// use workflow_runtime::ClientOptions;
    /// // A proxy on this machine that forwards to a remote cluster: compress anyway.
    /// let options = ClientOptions::new("127.0.0.1:7233").grpc_compression(true);
    /// ```
    pub fn grpc_compression(mut self, gzip: bool) -> Self {
        self.grpc_compression = Some(gzip);
        self
    }

    /// Whether the connection compresses: as set, or else unless the server is on this
    /// machine.
    pub(crate) fn compresses(&self, url: &url::Url) -> bool {
        self.grpc_compression.unwrap_or_else(|| match url.host() {
            Some(url::Host::Ipv4(ip)) => !ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => !ip.is_loopback(),
            Some(url::Host::Domain(name)) => !name.eq_ignore_ascii_case("localhost"),
            None => true,
        })
    }

    /// Turns TLS on; `server_ca_pem` overrides the system roots, `domain` the server name.
    pub fn tls(mut self, server_ca_pem: Option<Vec<u8>>, domain: Option<String>) -> Self {
        let tls = self.tls.get_or_insert_with(TlsOptions::default);
        tls.server_root_ca_cert = server_ca_pem;
        tls.domain = domain;
        self
    }

    /// Adds a client certificate and key (PEM) for mutual TLS; turns TLS on.
    pub fn client_certificate(mut self, cert_pem: Vec<u8>, key_pem: Vec<u8>) -> Self {
        let tls = self.tls.get_or_insert_with(TlsOptions::default);
        tls.client_tls_options = Some(
            ClientTlsOptions::builder()
                .client_cert(cert_pem)
                .client_private_key(key_pem)
                .build(),
        );
        self
    }

    pub(crate) fn url(&self) -> Result<url::Url, ClientError> {
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        let with_scheme = if self.address.contains("://") {
            self.address.clone()
        } else {
            format!("{scheme}://{}", self.address)
        };
        url::Url::parse(&with_scheme).map_err(|source| ClientError::InvalidAddress {
            address: self.address.clone(),
            source,
        })
    }
}

pub(crate) fn default_identity() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "localhost".to_owned());
    format!("{}@{}", std::process::id(), host.trim())
}

/// How to start a workflow: its id and task queue, plus optional timeouts and retry policy.
#[derive(Debug, Clone, PartialEq)]
pub struct StartOptions {
    pub(crate) workflow_id: String,
    pub(crate) task_queue: String,
    pub(crate) run: RunSettings,
    pub(crate) id_reuse_policy: Option<WorkflowIdReusePolicy>,
    pub(crate) id_conflict_policy: Option<WorkflowIdConflictPolicy>,
    pub(crate) cron_schedule: Option<String>,
    pub(crate) start_delay: Option<Duration>,
    pub(crate) eager: bool,
}

impl StartOptions {
    /// Starts workflow `workflow_id` on `task_queue`.
    pub fn new(workflow_id: impl Into<String>, task_queue: impl Into<String>) -> Self {
        Self {
            workflow_id: workflow_id.into(),
            task_queue: task_queue.into(),
            run: RunSettings::default(),
            id_reuse_policy: None,
            id_conflict_policy: None,
            cron_schedule: None,
            start_delay: None,
            eager: false,
        }
    }

    run_setters!(first run);

    /// Whether the id of a closed workflow may be used again (the server allows it by
    /// default).
    pub fn id_reuse_policy(mut self, policy: WorkflowIdReusePolicy) -> Self {
        self.id_reuse_policy = Some(policy);
        self
    }

    /// What happens when a workflow with this id is running: fail (the default), use the
    /// running run, or terminate it and start anew.
    pub fn id_conflict_policy(mut self, policy: WorkflowIdConflictPolicy) -> Self {
        self.id_conflict_policy = Some(policy);
        self
    }

    /// Runs the workflow on a cron schedule (`"0 * * * *"`, with `CRON_TZ=..` for a time
    /// zone): the first run waits for the first matching time, and each run's end starts the
    /// next. Schedules are the more flexible successor.
    pub fn cron_schedule(mut self, schedule: impl Into<String>) -> Self {
        self.cron_schedule = Some(schedule.into());
        self
    }

    /// Waits this long before the first workflow task; a signal-with-start cuts the wait short.
    pub fn start_delay(mut self, delay: Duration) -> Self {
        self.start_delay = Some(delay);
        self
    }

    /// Asks for eager start: when a worker of this client polls the task queue and has a
    /// free workflow task slot, the server hands the first workflow task back with the
    /// start's answer, and that worker runs it at once, without a round trip through the
    /// task queue. Otherwise the start is an ordinary one. `start` only: signal-with-start and
    /// update-with-start ignore it.
    pub fn request_eager_start(mut self, eager: bool) -> Self {
        self.eager = eager;
        self
    }

    /// The request that starts the workflow: the one builder behind `start`,
    /// `signal_with_start` (through [`signal_with_start_request`]) and `update_with_start`.
    pub(crate) fn start_request(
        &self,
        namespace: &str,
        identity: &str,
        workflow_type: &str,
        arguments: Vec<Payload>,
    ) -> StartWorkflowExecutionRequest {
        StartWorkflowExecutionRequest {
            namespace: namespace.to_owned(),
            workflow_id: self.workflow_id.clone(),
            workflow_type: Some(WorkflowType {
                name: workflow_type.to_owned(),
            }),
            task_queue: Some(TaskQueue {
                name: self.task_queue.clone(),
                kind: TaskQueueKind::Normal as i32,
                ..Default::default()
            }),
            input: Some(Payloads {
                payloads: arguments,
            }),
            workflow_execution_timeout: self.run.execution_timeout.map(proto_duration),
            workflow_run_timeout: self.run.run_timeout.map(proto_duration),
            workflow_task_timeout: self.run.task_timeout.map(proto_duration),
            retry_policy: self.run.retry.as_ref().map(RetryPolicy::to_proto),
            search_attributes: self.run.search_attributes_proto(),
            memo: self.run.memo_proto(),
            workflow_id_reuse_policy: self
                .id_reuse_policy
                .map_or(0, |policy| policy.to_proto() as i32),
            workflow_id_conflict_policy: self
                .id_conflict_policy
                .map_or(0, |policy| policy.to_proto() as i32),
            cron_schedule: self.cron_schedule.clone().unwrap_or_default(),
            workflow_start_delay: self.start_delay.map(proto_duration),
            user_metadata: self.run.user_metadata(),
            request_eager_execution: self.eager,
            identity: identity.to_owned(),
            request_id: uuid::Uuid::new_v4().to_string(),
            ..Default::default()
        }
    }
}

/// The signal-with-start request for a start request and a signal. Every field of the start
/// request is named here, without `..`: a start option that gains a field fails to compile
/// until it is passed on or its absence from signal-with-start is explained.
pub(crate) fn signal_with_start_request(
    start: StartWorkflowExecutionRequest,
    signal_name: &str,
    signal_arguments: Vec<Payload>,
) -> SignalWithStartWorkflowExecutionRequest {
    let StartWorkflowExecutionRequest {
        namespace,
        workflow_id,
        workflow_type,
        task_queue,
        input,
        workflow_execution_timeout,
        workflow_run_timeout,
        workflow_task_timeout,
        identity,
        request_id,
        workflow_id_reuse_policy,
        workflow_id_conflict_policy,
        retry_policy,
        cron_schedule,
        memo,
        search_attributes,
        header,
        workflow_start_delay,
        user_metadata,
        links,
        versioning_override,
        priority,
        time_skipping_config,
        // Signal-with-start has no equivalent of these: eager execution, the carried-over
        // state of a continued run, completion callbacks, conflict options.
        request_eager_execution: _,
        continued_failure: _,
        last_completion_result: _,
        completion_callbacks: _,
        on_conflict_options: _,
        eager_worker_deployment_options: _,
    } = start;
    SignalWithStartWorkflowExecutionRequest {
        namespace,
        workflow_id,
        workflow_type,
        task_queue,
        input,
        workflow_execution_timeout,
        workflow_run_timeout,
        workflow_task_timeout,
        identity,
        request_id,
        workflow_id_reuse_policy,
        workflow_id_conflict_policy,
        signal_name: signal_name.to_owned(),
        signal_input: Some(Payloads {
            payloads: signal_arguments,
        }),
        retry_policy,
        cron_schedule,
        memo,
        search_attributes,
        header,
        workflow_start_delay,
        user_metadata,
        links,
        versioning_override,
        priority,
        time_skipping_config,
        // `control`, deprecated, stays empty.
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn calls_are_compressed_unless_the_server_is_on_this_machine() {
        let compresses = |options: ClientOptions| options.compresses(&options.url().unwrap());
        for local in [
            "127.0.0.1:7233",
            "localhost:7233",
            "LOCALHOST:7233",
            "[::1]:7233",
            "127.0.0.9:1",
        ] {
            assert!(!compresses(ClientOptions::new(local)), "{local}");
            assert!(
                compresses(ClientOptions::new(local).grpc_compression(true)),
                "{local}"
            );
        }
        for remote in [
            "10.0.0.7:7233",
            "temporal.internal:7233",
            "ns.acct.tmprl.cloud:7233",
        ] {
            assert!(compresses(ClientOptions::new(remote)), "{remote}");
            assert!(
                !compresses(ClientOptions::new(remote).grpc_compression(false)),
                "{remote}"
            );
        }
    }

    #[test]
    fn signal_with_start_carries_every_start_option() {
        let options = StartOptions::new("cart-7", "carts")
            .execution_timeout(Duration::from_secs(60))
            .run_timeout(Duration::from_secs(30))
            .task_timeout(Duration::from_secs(5))
            .retry(RetryPolicy::default());
        let start = options.start_request("default", "me", "Cart", vec![]);
        let signal = signal_with_start_request(start.clone(), "add", vec![]);
        assert_eq!(signal.workflow_id, start.workflow_id);
        assert_eq!(signal.task_queue, start.task_queue);
        assert_eq!(signal.workflow_type, start.workflow_type);
        assert_eq!(
            signal.workflow_execution_timeout,
            start.workflow_execution_timeout
        );
        assert_eq!(signal.workflow_run_timeout, start.workflow_run_timeout);
        assert_eq!(signal.workflow_task_timeout, start.workflow_task_timeout);
        assert_eq!(signal.retry_policy, start.retry_policy);
        assert!(signal.retry_policy.is_some());
        assert_eq!(signal.request_id, start.request_id);
        assert_eq!(signal.signal_name, "add");
    }

    #[test]
    fn debug_output_shows_no_api_key_and_no_key_material() {
        let options = ClientOptions::new("temporal.example:7233")
            .api_key("tk_live_very_secret")
            .client_certificate(
                b"-----BEGIN CERTIFICATE-----cert-body".to_vec(),
                b"-----BEGIN PRIVATE KEY-----key-body".to_vec(),
            );
        let shown = format!("{options:?} {options:#?}");
        assert!(!shown.contains("very_secret"), "{shown}");
        assert!(
            !shown.contains("key-body") && !shown.contains("PRIVATE"),
            "{shown}"
        );
        assert!(shown.contains("<redacted>") && shown.contains("client_certificate: true"));
    }

    #[test]
    fn the_standard_variables_give_address_namespace_api_key_tls_and_metadata() {
        let variables = HashMap::from(
            [
                ("TEMPORAL_ADDRESS", "cluster.example:7233"),
                ("TEMPORAL_NAMESPACE", "payments"),
                ("TEMPORAL_API_KEY", "tk_from_env"),
                ("TEMPORAL_TLS_SERVER_NAME", "cluster.example"),
                ("TEMPORAL_GRPC_META_X_TENANT", "blue"),
                ("TEMPORAL_CONFIG_FILE", "/nonexistent/temporal.toml"),
            ]
            .map(|(name, value)| (name.to_owned(), value.to_owned())),
        );
        let options = ClientOptions::from_variables(Some(&variables)).expect("options");
        assert_eq!(options.namespace, "payments");
        assert_eq!(options.api_key.as_deref(), Some("tk_from_env"));
        assert_eq!(
            options.tls.as_ref().and_then(|tls| tls.domain.as_deref()),
            Some("cluster.example")
        );
        assert_eq!(
            options.headers,
            BTreeMap::from([("x-tenant".to_owned(), "blue".to_owned())])
        );
        assert_eq!(
            options.url().expect("url").as_str(),
            "https://cluster.example:7233/"
        );
    }
}
