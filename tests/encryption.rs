//! Encrypted payloads against the dev server and the official Python SDK: with the example
//! AES-GCM codec on the client and the worker, the history the server keeps (read with a client
//! that has no codec) holds no byte of the card number the workflow handles: not its input,
//! memo, signal, update, query answer, activity arguments and result, heartbeat details,
//! failure message and details, nor its result. A client with the codec reads every one of
//! them, and so does a Python client with the same codec, both ways.

use std::time::Duration;

use examples::encryption::EncryptionCodec;
use prost::Message;
use tests::{PATIENCE, eventually, run_python, server_address, task_queue};
use workflow_runtime::{
    Client, ClientError, ClientOptions, Memo, RunningWorker, UntypedWorkflowHandle,
    codec::{CodecError, PayloadCodec},
    payload::Payload,
    prelude::*,
    protos::temporal::api::history::v1::history_event::Attributes,
    replay::{Replayer, ServerRuns},
};

const KEY_ID: &str = "test-2026-12";
const KEY: [u8; 32] = [0x5a; 32];
const CARD: &str = "4111-1111-1111-1111";

fn codec() -> EncryptionCodec {
    EncryptionCodec::new(KEY_ID, KEY)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Charges a card: declines it when asked (non-retryable, with the card as the details);
/// otherwise heartbeats, stalls past its heartbeat timeout on the first attempt, and resumes
/// from the heartbeat on the next.
#[activity]
pub async fn charge_card(
    ctx: ActivityContext,
    card: String,
    decline: bool,
) -> Result<String, ActivityError> {
    if decline {
        return Err(
            ActivityError::non_retryable("Declined", format!("card {card} was declined"))
                .with_details(&card)?,
        );
    }
    if let Some(resumed) = ctx.last_heartbeat_details::<String>() {
        return Ok(format!("charged {card} ({})", resumed?));
    }
    ctx.heartbeat(&format!("authorized {card}"))?;
    tokio::time::sleep(Duration::from_secs(3)).await;
    Err(ActivityError::retryable(
        "Stalled",
        "the heartbeat timeout ends this attempt first",
    ))
}

/// Charges the card given as input, then waits for a note.
#[derive(Default)]
pub struct CardCharge {
    note: Option<String>,
}

#[workflow]
impl CardCharge {
    #[run]
    pub async fn run(
        ctx: WorkflowContext<Self>,
        card: String,
        decline: bool,
    ) -> WorkflowResult<String> {
        ctx.upsert_memo(Memo::new().with("last_card", card.clone()));
        let receipt = ctx
            .activity(charge_card, (card, decline))
            .options(
                ActivityOptions::start_to_close(Duration::from_secs(30))
                    .heartbeat_timeout(Duration::from_secs(1))
                    .retry(
                        RetryPolicy::exponential()
                            .initial_interval(Duration::from_millis(100))
                            .maximum_attempts(3),
                    ),
            )
            .await?;
        ctx.wait_condition(|s| s.note.is_some()).await?;
        let note = ctx.state(|s| s.note.clone()).unwrap_or_default();
        Ok(format!("{receipt}; {note}"))
    }

    #[signal]
    pub fn note(&mut self, note: String) {
        self.note = Some(note);
    }

    #[update]
    fn echo_card(&mut self, card: String) -> WorkflowResult<String> {
        Ok(card)
    }

    #[query]
    fn noted(&self) -> Option<String> {
        self.note.clone()
    }
}

async fn encrypted_client() -> Client {
    Client::connect(ClientOptions::new(server_address()).payload_codec(codec()))
        .await
        .expect("connect with the codec")
}

async fn plain_client() -> Client {
    Client::connect(ClientOptions::new(server_address()))
        .await
        .expect("connect without a codec")
}

/// Every payload of the run's history as the server keeps it, and the whole history's bytes.
async fn stored(handle: &UntypedWorkflowHandle) -> (Vec<u8>, usize) {
    let events = handle.history().await.expect("history");
    let bytes: Vec<u8> = events.iter().flat_map(|e| e.encode_to_vec()).collect();
    let encrypted = bytes
        .windows(b"binary/encrypted".len())
        .filter(|w| *w == b"binary/encrypted")
        .count();
    (bytes, encrypted)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn worker(client: &Client, queue: &str) -> RunningWorker {
    RunningWorker::start(
        Worker::new(client, queue)
            .workflow::<CardCharge>()
            .activity(charge_card)
            .encode_failure_attributes(true),
    )
}

/// A worker whose failures stay readable by any client: the task failure it reports must be
/// read by a client without its key.
fn plain_failures_worker(client: &Client, queue: &str) -> RunningWorker {
    RunningWorker::start(
        Worker::new(client, queue)
            .workflow::<CardCharge>()
            .activity(charge_card),
    )
}

#[tokio::test]
async fn the_server_keeps_only_ciphertext_and_clients_with_the_codec_read_everything() {
    let client = encrypted_client().await;
    let queue = task_queue("encrypted");
    let worker = worker(&client, &queue);
    let id = format!("{queue}-charge");
    let handle = client
        .start(
            CardCharge::run,
            (CARD.to_owned(), false),
            StartOptions::new(&id, &queue).memo(Memo::new().with("card", CARD)),
        )
        .await
        .expect("start");
    let echoed = handle
        .update(CardCharge::echo_card, CARD.to_owned())
        .await
        .expect("update");
    assert_eq!(echoed, CARD);
    handle
        .signal(CardCharge::note, format!("note on {CARD}"))
        .await
        .expect("signal");
    let result = handle.result().await.expect("result");
    assert_eq!(
        result,
        format!("charged {CARD} (authorized {CARD}); note on {CARD}")
    );
    assert_eq!(
        handle.query(CardCharge::noted, ()).await.expect("query"),
        Some(format!("note on {CARD}"))
    );
    let described = handle.describe().await.expect("describe");
    assert_eq!(
        described
            .execution
            .memo
            .get::<String>("card")
            .expect("memo"),
        Some(CARD.to_owned())
    );

    // The server's copy: no byte of the card, in any event; payloads marked encrypted.
    let plain = plain_client().await;
    let stored_handle = plain.untyped_handle(&id, None);
    let (bytes, encrypted) = stored(&stored_handle).await;
    assert!(
        !contains(&bytes, b"4111"),
        "the history holds the card in the clear"
    );
    assert!(
        !contains(&bytes, b"json/plain"),
        "a payload left unencrypted"
    );
    assert!(encrypted >= 8, "only {encrypted} encrypted payloads");
    let memo = plain
        .untyped_handle(&id, None)
        .describe()
        .await
        .expect("describe without the codec")
        .execution
        .memo;
    let raw = memo.get::<String>("card");
    assert!(
        !matches!(raw, Ok(Some(ref card)) if card.contains("4111")),
        "the memo holds the card in the clear: {raw:?}"
    );
    // A client without the codec cannot read the result.
    let unreadable = stored_handle.result_payloads().await.expect("payloads");
    assert_eq!(unreadable[0].metadata["encoding"], b"binary/encrypted");

    // The replayer reads the encrypted history with the codec, and cannot without it.
    let history = stored_handle.fetch_history().await.expect("history");
    Replayer::new()
        .workflow::<CardCharge>()
        .payload_codec(codec())
        .replay(&history)
        .await
        .expect("replays with the codec");
    assert!(
        Replayer::new()
            .workflow::<CardCharge>()
            .replay(&history)
            .await
            .is_err(),
        "an encrypted history replays without the codec"
    );
    // From the server, a replayer without a codec of its own uses its client's.
    let runs = ServerRuns::open()
        .including_closed()
        .matching(format!("WorkflowId = '{id}'"));
    let report = eventually(PATIENCE, "the run in the listing", || {
        let (client, runs) = (client.clone(), runs.clone());
        async move {
            let report = Replayer::new()
                .workflow::<CardCharge>()
                .replay_from_server(&client, runs)
                .await
                .map_err(|e| e.to_string())?;
            if report.runs.len() == 1 {
                Ok(report)
            } else {
                Err(format!("{} runs listed", report.runs.len()))
            }
        }
    })
    .await;
    assert!(report.all_replayed(), "{report}");

    // A Python client with the same codec reads the result, and runs the workflow itself.
    let python_id = format!("{queue}-python");
    let output = run_python(
        "encryption_interop.py",
        &[KEY_ID, &hex(&KEY), &queue, &id, &python_id],
    )
    .await;
    let answer: serde_json::Value = serde_json::from_str(output.trim()).expect("JSON from Python");
    assert_eq!(answer["read"], result.as_str());
    assert_eq!(
        answer["ran"],
        "charged 5500-0000-0000-0004 (authorized 5500-0000-0000-0004); from python"
    );
    let (python_bytes, _) = stored(&plain.untyped_handle(&python_id, None)).await;
    assert!(
        !contains(&python_bytes, b"5500"),
        "Python's run left the card in the clear"
    );
    worker.stop().await.expect("clean shutdown");
}

#[tokio::test]
async fn a_failure_message_and_details_are_encrypted_and_decoded_on_arrival() {
    let client = encrypted_client().await;
    let queue = task_queue("encrypted-failure");
    let worker = worker(&client, &queue);
    let id = format!("{queue}-declined");
    let handle = client
        .start(
            CardCharge::run,
            (CARD.to_owned(), true),
            StartOptions::new(&id, &queue),
        )
        .await
        .expect("start");
    let error = handle.result().await.expect_err("the charge is declined");
    let ClientError::Failed(failure) = error else {
        panic!("expected a workflow failure, got {error:?}");
    };
    assert_eq!(failure.error_type(), Some("Declined"));
    assert_eq!(failure.message(), format!("card {CARD} was declined"));
    assert_eq!(
        failure.details::<String>().transpose().expect("details"),
        Some(CARD.to_owned())
    );

    let plain = plain_client().await;
    let (bytes, encrypted) = stored(&plain.untyped_handle(&id, None)).await;
    assert!(
        !contains(&bytes, b"4111"),
        "the failure holds the card in the clear"
    );
    assert!(contains(&bytes, b"Encoded failure"));
    assert!(encrypted >= 3, "only {encrypted} encrypted payloads");
    worker.stop().await.expect("clean shutdown");
}

#[tokio::test]
async fn a_worker_without_the_key_fails_the_task_and_the_run_waits_for_one_that_has_it() {
    let client = encrypted_client().await;
    let queue = task_queue("encrypted-wrong-key");
    let wrong_key = Client::connect(
        ClientOptions::new(server_address()).payload_codec(EncryptionCodec::new("other", [1; 32])),
    )
    .await
    .expect("connect");
    let id = format!("{queue}-charge");
    let handle = client
        .start(
            CardCharge::run,
            ("5500-0000-0000-0004".to_owned(), false),
            StartOptions::new(&id, &queue),
        )
        .await
        .expect("start");
    let stranger = plain_failures_worker(&wrong_key, &queue);
    let message = tests::workflow_task_failure(handle.untyped()).await;
    assert!(
        message.contains("the payload codec cannot decode")
            && message.contains(&format!("no key `{KEY_ID}`")),
        "{message}"
    );
    assert!(!message.contains("5500"), "{message}");
    stranger.stop().await.expect("clean shutdown");

    // Nothing was lost: a worker with the key finishes the run.
    let worker = worker(&client, &queue);
    handle
        .signal(CardCharge::note, "late".to_owned())
        .await
        .expect("signal");
    assert_eq!(
        handle.result().await.expect("result"),
        "charged 5500-0000-0000-0004 (authorized 5500-0000-0000-0004); late"
    );
    worker.stop().await.expect("clean shutdown");
}

/// The example codec, with a bug: it panics on a card number that starts with `0000`.
struct PanicsOnZeros(EncryptionCodec);

impl PayloadCodec for PanicsOnZeros {
    async fn encode(&self, payloads: Vec<Payload>) -> Result<Vec<Payload>, CodecError> {
        self.0.encode(payloads).await
    }

    async fn decode(&self, payloads: Vec<Payload>) -> Result<Vec<Payload>, CodecError> {
        let decoded = self.0.decode(payloads).await?;
        if decoded
            .iter()
            .any(|payload| payload.data.starts_with(b"\"0000"))
        {
            panic!("the codec cannot handle zeros");
        }
        Ok(decoded)
    }
}

#[tokio::test]
async fn a_panicking_codec_fails_one_task_and_the_worker_serves_the_others() {
    let client =
        Client::connect(ClientOptions::new(server_address()).payload_codec(PanicsOnZeros(codec())))
            .await
            .expect("connect");
    let queue = task_queue("panicking-codec");
    let worker = plain_failures_worker(&client, &queue);
    let broken = client
        .start(
            CardCharge::run,
            ("0000-0000-0000-0000".to_owned(), false),
            StartOptions::new(format!("{queue}-zeros"), &queue),
        )
        .await
        .expect("start");
    let message = tests::workflow_task_failure(broken.untyped()).await;
    assert!(
        message.contains("the payload codec panicked: the codec cannot handle zeros"),
        "{message}"
    );
    let healthy = client
        .start(
            CardCharge::run,
            ("5500-0000-0000-0004".to_owned(), false),
            StartOptions::new(format!("{queue}-healthy"), &queue),
        )
        .await
        .expect("start");
    healthy
        .signal(CardCharge::note, "fine".to_owned())
        .await
        .expect("signal");
    assert_eq!(
        healthy.result().await.expect("the worker still serves"),
        "charged 5500-0000-0000-0004 (authorized 5500-0000-0000-0004); fine"
    );
    broken.terminate("a codec bug").await.expect("terminate");
    worker.stop().await.expect("clean shutdown");
}

/// Refuses to encode anything, as a codec whose key service is down would.
struct KeyServiceDown;

impl PayloadCodec for KeyServiceDown {
    async fn encode(&self, _: Vec<Payload>) -> Result<Vec<Payload>, CodecError> {
        Err(CodecError::caused_by(
            "cannot encrypt",
            std::io::Error::other("the key service is unreachable"),
        ))
    }

    async fn decode(&self, payloads: Vec<Payload>) -> Result<Vec<Payload>, CodecError> {
        Ok(payloads)
    }
}

#[tokio::test]
async fn a_client_whose_codec_fails_gets_a_codec_error_and_sends_nothing() {
    let queue = task_queue("codec-down");
    let id = format!("{queue}-charge");
    let failing =
        Client::connect(ClientOptions::new(server_address()).payload_codec(KeyServiceDown))
            .await
            .expect("connect");
    let error = failing
        .start(
            CardCharge::run,
            (CARD.to_owned(), false),
            StartOptions::new(&id, &queue),
        )
        .await
        .expect_err("the codec cannot encode the input");
    let ClientError::Codec(codec_error) = &error else {
        panic!("expected a codec error, got {error:?}");
    };
    assert_eq!(
        std::error::Error::source(codec_error).map(ToString::to_string),
        Some("the key service is unreachable".to_owned())
    );
    // Nothing reached the server.
    let described = plain_client()
        .await
        .untyped_handle(&id, None)
        .describe()
        .await;
    assert!(
        matches!(described, Err(ClientError::NotFound { .. })),
        "{described:?}"
    );

    // A client with the wrong key gets a codec error for a result it cannot decrypt.
    let client = encrypted_client().await;
    let worker = worker(&client, &queue);
    let handle = client
        .start(
            CardCharge::run,
            (CARD.to_owned(), false),
            StartOptions::new(format!("{id}-2"), &queue),
        )
        .await
        .expect("start");
    handle
        .signal(CardCharge::note, "done".to_owned())
        .await
        .expect("signal");
    handle.result().await.expect("the result, with the key");
    let wrong_key = Client::connect(
        ClientOptions::new(server_address()).payload_codec(EncryptionCodec::new("other", [1; 32])),
    )
    .await
    .expect("connect");
    let error = wrong_key
        .handle::<CardCharge>(handle.workflow_id())
        .result()
        .await
        .expect_err("the result does not decrypt");
    assert!(
        matches!(&error, ClientError::Codec(e) if e.to_string().contains(&format!("no key `{KEY_ID}`"))),
        "{error:?}"
    );
    worker.stop().await.expect("clean shutdown");
}

/// Passes payloads through, but cannot decode the argument `"codec-trap"`.
struct TrapOnDecode;

impl PayloadCodec for TrapOnDecode {
    async fn encode(&self, payloads: Vec<Payload>) -> Result<Vec<Payload>, CodecError> {
        Ok(payloads)
    }

    async fn decode(&self, payloads: Vec<Payload>) -> Result<Vec<Payload>, CodecError> {
        if payloads
            .iter()
            .any(|payload| payload.data == b"\"codec-trap\"")
        {
            return Err(CodecError::new("this payload cannot be decrypted"));
        }
        Ok(payloads)
    }
}

/// Echoes `codec-<input>` through an activity, with two attempts.
#[derive(Default)]
pub struct EchoesPrefixed;

#[workflow]
impl EchoesPrefixed {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>, input: String) -> WorkflowResult<String> {
        Ok(ctx
            .activity(crate::workflows::echo, format!("codec-{input}"))
            .options(crate::workflows::quick_retries(2))
            .await?)
    }
}

#[tokio::test]
async fn an_activity_whose_input_the_codec_cannot_decode_fails_as_codec_error_by_its_retry_policy()
{
    let client = Client::connect(ClientOptions::new(server_address()).payload_codec(TrapOnDecode))
        .await
        .expect("connect");
    let queue = task_queue("codec-activity");
    let worker = RunningWorker::start(
        Worker::new(&client, &queue)
            .workflow::<EchoesPrefixed>()
            .activity(crate::workflows::echo),
    );
    let handle = client
        .start(
            EchoesPrefixed::run,
            "trap".to_owned(),
            StartOptions::new(format!("{queue}-trap"), &queue),
        )
        .await
        .expect("start");
    let error = handle.result().await.expect_err("the activity cannot run");
    let ClientError::Failed(failure) = error else {
        panic!("expected a workflow failure, got {error:?}");
    };
    assert_eq!(failure.error_type(), Some("CodecError"));
    assert!(
        failure.message().contains(
            "the payload codec cannot decode its payloads: this payload cannot be decrypted"
        ),
        "{}",
        failure.message()
    );
    assert!(!failure.is_non_retryable(), "retried by the retry policy");
    let started: Vec<i32> = handle
        .history()
        .await
        .expect("history")
        .iter()
        .filter_map(|event| match &event.attributes {
            Some(Attributes::ActivityTaskStartedEventAttributes(started)) => Some(started.attempt),
            _ => None,
        })
        .collect();
    assert_eq!(started, vec![2], "the last of two attempts is recorded");
    // The same worker still runs an activity it can decode.
    let fine = client
        .start(
            EchoesPrefixed::run,
            "fine".to_owned(),
            StartOptions::new(format!("{queue}-fine"), &queue),
        )
        .await
        .expect("start");
    assert_eq!(fine.result().await.expect("result"), "codec-fine");
    worker.stop().await.expect("clean shutdown");
}

/// Passes payloads through, but cannot encode the heartbeat detail `"heartbeat-trap"`.
struct TrapOnHeartbeat;

impl PayloadCodec for TrapOnHeartbeat {
    async fn encode(&self, payloads: Vec<Payload>) -> Result<Vec<Payload>, CodecError> {
        if payloads
            .iter()
            .any(|payload| payload.data == b"\"heartbeat-trap\"")
        {
            return Err(CodecError::new("the key service refused this payload"));
        }
        Ok(payloads)
    }

    async fn decode(&self, payloads: Vec<Payload>) -> Result<Vec<Payload>, CodecError> {
        Ok(payloads)
    }
}

/// Heartbeats a detail the codec cannot encode, then finishes.
#[activity]
pub async fn heartbeats_a_trap(ctx: ActivityContext) -> Result<String, ActivityError> {
    ctx.heartbeat(&"heartbeat-trap")?;
    Ok("finished".to_owned())
}

/// Runs `heartbeats_a_trap` once.
#[derive(Default)]
pub struct HeartbeatTrap;

#[workflow]
impl HeartbeatTrap {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<String> {
        Ok(ctx
            .activity(heartbeats_a_trap, ())
            .options(crate::workflows::quick_retries(1))
            .await?)
    }
}

#[tokio::test]
async fn a_heartbeat_the_codec_cannot_encode_is_dropped_with_a_warning_and_the_activity_goes_on() {
    tests::init_tracing();
    let client =
        Client::connect(ClientOptions::new(server_address()).payload_codec(TrapOnHeartbeat))
            .await
            .expect("connect");
    let queue = task_queue("codec-heartbeat");
    let worker = RunningWorker::start(
        Worker::new(&client, &queue)
            .workflow::<HeartbeatTrap>()
            .activity(heartbeats_a_trap),
    );
    let handle = client
        .start(HeartbeatTrap::run, (), StartOptions::new(&queue, &queue))
        .await
        .expect("start");
    assert_eq!(handle.result().await.expect("result"), "finished");
    let warned = eventually(PATIENCE, "the dropped heartbeat's warning", || async {
        match tests::warnings_containing("a heartbeat was not sent").as_slice() {
            [] => Err("none yet"),
            [first, ..] => Ok(first.clone()),
        }
    })
    .await;
    assert!(
        warned.contains("the key service refused this payload") && !warned.contains("trap"),
        "the codec's reason, and no payload: {warned}"
    );
    worker.stop().await.expect("clean shutdown");
}
