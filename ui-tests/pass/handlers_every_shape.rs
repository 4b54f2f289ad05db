use std::time::Duration;

use workflow_runtime::{payload::Payload, prelude::*};

#[activity]
async fn notify(_ctx: ActivityContext, who: String) -> Result<(), ActivityError> {
    let _ = who;
    Ok(())
}

#[derive(Default)]
pub struct Review {
    approved: Option<bool>,
    notes: Vec<String>,
}

#[workflow]
impl Review {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<bool> {
        let answered = ctx
            .wait_condition_for(Duration::from_secs(3600), |s| s.approved.is_some())
            .await?;
        ctx.all_handlers_finished().await;
        Ok(answered && ctx.state(|s| s.approved == Some(true)))
    }

    #[signal]
    pub fn approve(&mut self, approved: bool) {
        self.approved = Some(approved);
    }

    #[signal(name = "remind")]
    pub async fn remind(ctx: WorkflowContext<Self>, who: String) -> WorkflowResult<()> {
        ctx.activity(notify, who)
            .options(ActivityOptions::start_to_close(Duration::from_secs(5)))
            .await?;
        Ok(())
    }

    #[signal]
    pub async fn note_later(ctx: WorkflowContext<Self>, note: String, delay_ms: u64) {
        if ctx.sleep(Duration::from_millis(delay_ms)).await.is_ok() {
            ctx.state_mut(|s| s.notes.push(note));
        }
    }

    #[signal]
    pub fn stamp(&mut self, ctx: &HandlerContext, note: String) {
        self.notes.push(format!("{note} at {:?} ({})", ctx.now(), ctx.random()));
    }

    #[query]
    pub fn run_type(&self, ctx: &HandlerContext) -> String {
        ctx.info().workflow_type
    }

    #[update(validator = Self::check_stamp)]
    pub fn stamp_now(&mut self, ctx: &HandlerContext, note: String) -> WorkflowResult<String> {
        let id = ctx.uuid4().to_string();
        self.notes.push(format!("{note} {id}"));
        Ok(id)
    }

    fn check_stamp(&self, ctx: &HandlerContext, note: &String) -> WorkflowResult<()> {
        let _ = (ctx.now(), note);
        Ok(())
    }

    #[signal(dynamic)]
    pub fn other(&mut self, name: String, args: Vec<Payload>) {
        self.notes.push(format!("{name}: {}", args.len()));
    }

    #[query]
    pub fn approved(&self) -> Option<bool> {
        self.approved
    }

    #[query]
    pub fn note(&self, index: usize) -> Option<String> {
        self.notes.get(index).cloned()
    }

    #[update(validator = Self::check_note)]
    pub fn add_note(&mut self, note: String) -> WorkflowResult<usize> {
        self.notes.push(note);
        Ok(self.notes.len())
    }

    fn check_note(&self, note: &String) -> WorkflowResult<()> {
        if note.is_empty() {
            return Err(WorkflowError::application("EmptyNote", "say something"));
        }
        Ok(())
    }

    #[update(name = "decide", validator = Self::check_decision)]
    pub async fn decide(
        ctx: WorkflowContext<Self>,
        approved: bool,
        reviewer: String,
    ) -> Result<bool, WorkflowError> {
        ctx.activity(notify, reviewer)
            .options(ActivityOptions::start_to_close(Duration::from_secs(5)))
            .await?;
        ctx.state_mut(|s| s.approved = Some(approved));
        Ok(approved)
    }

    fn check_decision(&self, _approved: &bool, reviewer: &String) -> Result<(), WorkflowError> {
        if reviewer.is_empty() {
            return Err(WorkflowError::application("NoReviewer", "who decides?"));
        }
        Ok(())
    }
}

#[allow(dead_code)]
async fn drive(client: Client) -> Result<(), workflow_runtime::ClientError> {
    let handle = client
        .signal_with_start(Review::run, (), StartOptions::new("r", "q"), Review::approve, true)
        .await?;
    handle.signal(Review::remind, "ana".to_owned()).await?;
    handle.signal(Review::note_later, ("later".to_owned(), 5)).await?;
    let _: Option<bool> = handle.query(Review::approved, ()).await?;
    let _: Option<String> = handle.query(Review::note, 0).await?;
    let _: usize = handle.update(Review::add_note, "fine".to_owned()).await?;
    handle.signal(Review::stamp, "seen".to_owned()).await?;
    let _: String = handle.query(Review::run_type, ()).await?;
    let _: String = handle.update(Review::stamp_now, "now".to_owned()).await?;
    let pending = handle
        .start_update(Review::decide, (true, "bo".to_owned()), UpdateOptions::new())
        .await?;
    let _: bool = pending.result().await?;
    let (_handle, _count): (WorkflowHandle<Review>, usize) = client
        .update_with_start(Review::run, (), StartOptions::new("r2", "q"), Review::add_note, "x".to_owned())
        .await?;
    Ok(())
}

/// Plain Rust calls each handler through its path, from another module too.
mod plain {
    use super::*;

    #[allow(dead_code)]
    pub async fn call(ctx: WorkflowContext<Review>) -> WorkflowResult<()> {
        let mut review = Review::default();
        Review::approve(&mut review, true);
        Review::other(&mut review, "x".to_owned(), Vec::new());
        let _: Option<bool> = Review::approved(&review);
        let _: Option<String> = Review::note(&review, 0);
        let _: usize = Review::add_note(&mut review, "n".to_owned())?;
        let detached = HandlerContext::detached("Review", std::time::SystemTime::UNIX_EPOCH, 7);
        Review::stamp(&mut review, &detached, "n".to_owned());
        let _: String = Review::run_type(&review, &detached);
        let _: String = Review::stamp_now(&mut review, &detached, "n".to_owned())?;
        Review::remind(ctx.clone(), "ana".to_owned()).await?;
        Review::note_later(ctx.clone(), "n".to_owned(), 1).await;
        let _: bool = Review::decide(ctx, true, "bo".to_owned()).await?;
        Ok(())
    }
}

fn main() {}
