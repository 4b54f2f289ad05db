//! Takes the screenshots of the Temporal web UI in `docs/operating.md`: a dev server with its UI
//! and a custom search attribute, the cart cleanup on a schedule whose workflows carry a
//! search attribute, a memo and the UI's summary and details, one run triggered to completion;
//! then headless Chromium photographs the run's summary and search attributes, the workflow
//! list filtered on the attribute, and the schedule.
//!
//! ```text
//! scripts/ui-screenshot.sh            # installs Chromium if needed, then runs this
//! cargo run -p examples --bin ui-screenshot -- OUT_DIR [CHROMIUM]
//! ```

use std::{path::PathBuf, process::Command, time::Duration};

use examples::recurring_workflow::{CartCleanup, TASK_QUEUE, worker};
use workflow_runtime::{
    Memo, RunningWorker, Schedule, ScheduleAction, ScheduleSpec, SearchAttributeKey,
    SearchAttributes, StartOptions, testing::DevServer,
};

/// The region a cleanup serves: a custom keyword the dev server registers.
const REGION: SearchAttributeKey<String> = SearchAttributeKey::keyword("CartRegion");

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out_dir = PathBuf::from(
        args.next()
            .ok_or("usage: ui-screenshot OUT_DIR [CHROMIUM]")?,
    );
    let chromium = args.next().unwrap_or_else(|| "chromium".to_owned());
    std::fs::create_dir_all(&out_dir)?;

    let server = DevServer::builder()
        .ui(true)
        .search_attribute(&REGION)
        .start()
        .await?;
    let ui = server
        .ui_url()
        .ok_or("the dev server serves no UI")?
        .to_owned();
    let client = server.client().await?;
    let running = RunningWorker::start(worker(&client));

    let start = StartOptions::new("cart-cleanup-eu", TASK_QUEUE)
        .search_attributes(SearchAttributes::new().with(&REGION, "eu-west".to_owned()))
        .memo(Memo::new().with("owner", "checkout team"))
        .static_summary("Purge EU carts older than a day")
        .static_details("Runs **hourly** from the `cart-cleanup-eu` schedule.");
    let schedule = client
        .create_schedule(
            "cart-cleanup-eu",
            Schedule::new(
                ScheduleAction::start_workflow(CartCleanup::run, 24, start)?,
                ScheduleSpec::every(Duration::from_secs(3600)),
            ),
        )
        .await?;
    schedule.trigger().await?;
    let run = loop {
        let description = schedule.describe().await?;
        if let Some(run) = description.recent_runs.first()
            && description.running.is_empty()
        {
            break run.clone();
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let purged = client
        .handle::<CartCleanup>(&run.workflow_id)
        .result()
        .await?;
    println!("run `{}` purged {purged} carts", run.workflow_id);

    let run_page = format!(
        "{ui}/namespaces/default/workflows/{}/{}",
        run.workflow_id, run.run_id
    );
    let pages = [
        (
            format!("{run_page}/user-metadata"),
            "ui-workflow-summary.png",
        ),
        (
            format!("{run_page}/search-attributes"),
            "ui-workflow-search-attributes.png",
        ),
        (
            format!("{ui}/namespaces/default/workflows?query=CartRegion%3D%22eu-west%22"),
            "ui-workflows-by-region.png",
        ),
        (
            format!("{ui}/namespaces/default/schedules/cart-cleanup-eu"),
            "ui-schedule.png",
        ),
    ];
    let pages = pages.map(|(url, name)| (url, out_dir.join(name)));
    for (url, file) in &pages {
        screenshot(&chromium, url, file)?;
        println!("{} <- {url}", file.display());
    }
    running.stop().await?;
    Ok(())
}

/// Photographs `url` into `file` with headless Chromium, after letting the page's scripts run.
fn screenshot(
    chromium: &str,
    url: &str,
    file: &std::path::Path,
) -> Result<(), Box<dyn std::error::Error>> {
    let profile = std::env::temp_dir().join(format!("ui-screenshot-{}", std::process::id()));
    let status = Command::new(chromium)
        .args(examples::HEADLESS_CHROMIUM_FLAGS)
        .args([
            "--hide-scrollbars",
            "--window-size=1600,1000",
            "--virtual-time-budget=20000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", file.display()))
        .arg(url)
        .status()
        .map_err(|e| format!("cannot run `{chromium}` (install Debian's chromium): {e}"))?;
    let _ = std::fs::remove_dir_all(&profile);
    if !status.success() {
        return Err(format!("chromium failed on {url}: {status}").into());
    }
    Ok(())
}
