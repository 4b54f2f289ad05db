//! The dynamic workflow and the dynamic activity against a real server: one registration
//! receives every type the worker has nothing for, with the raw arguments, decoded with the
//! same converters; registered types still go to their own code.

use std::{error::Error, time::Duration};

use serde_json::{Value, json};
use tests::{client, task_queue};
use workflow_runtime::{
    ConfigError, RunningWorker, WorkerError,
    payload::{Payload, decode, encode},
    prelude::*,
};

/// Any workflow type: decodes a count and a label, calls an activity nobody registered (the
/// dynamic activity answers) and a registered one, waits for any signal, and reports it all.
#[derive(Default)]
pub struct AnyWorkflow {
    signals: Vec<String>,
}

#[workflow(dynamic)]
impl AnyWorkflow {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>, args: Vec<Payload>) -> WorkflowResult<Value> {
        let [count, label] = args.as_slice() else {
            return Err(WorkflowError::application(
                "BadArguments",
                format!("expected a count and a label, got {} arguments", args.len()),
            ));
        };
        let count: u64 = decode(count)?;
        let label: String = decode(label)?;
        let options = ActivityOptions::start_to_close(Duration::from_secs(10));
        let looked_up = ctx
            .activity_by_name("look_up_anything", vec![json!(label)])
            .options(options.clone())
            .await?;
        let doubled = ctx.activity(double_it, count).options(options).await?;
        ctx.wait_condition(|s| !s.signals.is_empty()).await?;
        Ok(json!({
            "type": ctx.info().workflow_type,
            "looked_up": looked_up,
            "doubled": doubled,
            "signals": ctx.state(|s| s.signals.clone()),
        }))
    }

    #[signal(dynamic)]
    pub fn any_signal(&mut self, name: String, _args: Vec<Payload>) {
        self.signals.push(name);
    }
}

#[activity]
pub async fn double_it(_ctx: ActivityContext, n: u64) -> Result<u64, ActivityError> {
    Ok(n * 2)
}

/// Any activity type: answers with its type and its first argument.
async fn any_activity(ctx: ActivityContext, args: Vec<Payload>) -> Result<String, ActivityError> {
    let first: String = match args.first() {
        Some(arg) => decode(arg)?,
        None => String::new(),
    };
    Ok(format!("{}({first})", ctx.info().activity_type))
}

/// A workflow with a type of its own, beside the dynamic one.
#[derive(Default)]
pub struct Named;

#[workflow]
impl Named {
    #[run]
    pub async fn run(_ctx: WorkflowContext<Self>) -> WorkflowResult<String> {
        Ok("named".to_owned())
    }
}

#[tokio::test]
async fn the_dynamic_workflow_and_activity_receive_every_unregistered_type_with_raw_arguments() {
    let client = client().await;
    let queue = task_queue("dynamic-types");
    let worker = RunningWorker::start(
        Worker::new(&client, &queue)
            .workflow::<AnyWorkflow>()
            .workflow::<Named>()
            .activity(double_it)
            .dynamic_activity(any_activity),
    );
    let arguments = vec![
        encode(&21_u64).expect("encodes"),
        encode("acme").expect("encodes"),
    ];
    let handle = client
        .start_untyped(
            "InvoiceReminder",
            arguments,
            StartOptions::new(format!("{queue}-invoice"), &queue),
        )
        .await
        .expect("start an unregistered type");
    handle
        .signal("remind", vec![encode("now").expect("encodes")])
        .await
        .expect("signal");
    let result = handle.result_payloads().await.expect("result");
    let result: Value = decode(&result[0]).expect("JSON");
    assert_eq!(
        result,
        json!({
            "type": "InvoiceReminder",
            "looked_up": "look_up_anything(acme)",
            "doubled": 42,
            "signals": ["remind"],
        })
    );

    // A type the worker registers still runs its own workflow.
    let named = client
        .execute(
            Named::run,
            (),
            StartOptions::new(format!("{queue}-named"), &queue),
        )
        .await
        .expect("result");
    assert_eq!(named, "named");
    worker.stop().await.expect("clean shutdown");

    // One dynamic workflow per worker.
    let error = Worker::new(&client, &queue)
        .workflow::<AnyWorkflow>()
        .workflow::<AlsoAny>()
        .run()
        .await
        .expect_err("refused");
    let WorkerError::Config(config @ ConfigError::RegisteredTwice { .. }) = &error else {
        panic!("expected a duplicate, got {error:?}");
    };
    assert!(
        config.to_string().contains("workflow `(dynamic)`"),
        "{config}"
    );
    let error = Worker::new(&client, &queue)
        .dynamic_activity(any_activity)
        .dynamic_activity(any_activity)
        .run()
        .await
        .expect_err("refused");
    assert!(
        error
            .source()
            .is_some_and(|source| source.to_string().contains("activity `(dynamic)`")),
        "{error:?}"
    );
}

/// A second dynamic workflow, which a worker refuses beside the first.
#[derive(Default)]
pub struct AlsoAny;

#[workflow(dynamic)]
impl AlsoAny {
    #[run]
    pub async fn run(_ctx: WorkflowContext<Self>, _args: Vec<Payload>) -> WorkflowResult<()> {
        Ok(())
    }
}
