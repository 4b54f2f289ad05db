use workflow_runtime::prelude::*;

#[activity]
async fn charge(_ctx: ActivityContext, cents: u64) -> Result<String, ActivityError> {
    Ok(format!("txn-{cents}"))
}

async fn worker(client: &Client) {
    // The mock takes the activity's input (`u64`) and returns its result (`String`).
    let _ = Worker::new(client, "payments")
        .activity(charge)
        .mock_activity(charge, |cents: String| async move { Ok(cents.len() as u64) });
}

fn main() {}
