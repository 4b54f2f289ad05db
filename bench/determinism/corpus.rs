// The determinism corpus: realistic workflow code, one program per section, measured by
// `run.py`. A section named `bad_*` is non-deterministic: the check must report it at the line
// marked `// <-`. A `good_*` section is replay-safe: any finding is a false positive. A
// `limit_*` section is non-deterministic in a way docs/determinism.md lists as out of sight:
// counted apart, so a limit that starts being caught shows up.
//
// Every section is compiled with the header below and an empty `main`.

// ==== header
#![allow(unused)]
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::time::Duration;

use workflow_runtime::prelude::*;

#[activity]
async fn notify(_ctx: ActivityContext, who: String) -> Result<(), ActivityError> {
    let _ = who;
    Ok(())
}

fn five_seconds() -> ActivityOptions {
    ActivityOptions::start_to_close(Duration::from_secs(5))
}

// ==== bad_system_time_now
#[derive(Default)]
pub struct Invoice;

#[workflow]
impl Invoice {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>, due_secs: u64) -> WorkflowResult<bool> {
        let now = std::time::SystemTime::now(); // <-
        let secs = now.duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        Ok(secs > due_secs)
    }
}

// ==== bad_instant_imported_at_top
use std::time::Instant;

#[derive(Default)]
pub struct Timed;

#[workflow]
impl Timed {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<u128> {
        let started = Instant::now(); // <-
        ctx.sleep(Duration::from_secs(1)).await?;
        Ok(0)
    }
}

// ==== bad_chrono_utc_now
#[derive(Default)]
pub struct Stamp;

#[workflow]
impl Stamp {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<String> {
        Ok(chrono::Utc::now().to_rfc3339()) // <-
    }
}

// ==== bad_type_alias_in_body
#[derive(Default)]
pub struct Aliased;

#[workflow]
impl Aliased {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        type Clock = std::time::SystemTime;
        let at = Clock::now(); // <-
        Ok(())
    }
}

// ==== bad_qualified_self
#[derive(Default)]
pub struct Qualified;

#[workflow]
impl Qualified {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        let at = <std::time::SystemTime>::now(); // <-
        Ok(())
    }
}

// ==== bad_unix_epoch_elapsed
use std::time::UNIX_EPOCH;

#[derive(Default)]
pub struct Epoch;

#[workflow]
impl Epoch {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<u64> {
        let secs = UNIX_EPOCH.elapsed().map(|d| d.as_secs()).unwrap_or(0); // <-
        Ok(secs)
    }
}

// ==== bad_bare_thread_sleep
use std::thread::sleep;

#[derive(Default)]
pub struct Backoff;

#[workflow]
impl Backoff {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        sleep(Duration::from_millis(200)); // <-
        Ok(())
    }
}

// ==== bad_tokio_sleep
#[derive(Default)]
pub struct Waits;

#[workflow]
impl Waits {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        tokio::time::sleep(Duration::from_secs(60)).await; // <-
        Ok(())
    }
}

// ==== bad_rand_random
#[derive(Default)]
pub struct Coin;

#[workflow]
impl Coin {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        if rand::random::<bool>() { // <-
            ctx.activity(notify, "heads".to_owned()).options(five_seconds()).await?;
        }
        Ok(())
    }
}

// ==== bad_bare_random_imported_at_top
use rand::random;

#[derive(Default)]
pub struct Dice;

#[workflow]
impl Dice {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<u8> {
        let roll: u8 = random(); // <-
        Ok(roll % 6)
    }
}

// ==== bad_rand_010_random_ratio
#[derive(Default)]
pub struct Sampled;

#[workflow]
impl Sampled {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<bool> {
        let sampled = rand::random_ratio(1, 10); // <-
        Ok(sampled)
    }
}

// ==== bad_uuid_new_v4
#[derive(Default)]
pub struct Ids;

#[workflow]
impl Ids {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<String> {
        Ok(uuid::Uuid::new_v4().to_string()) // <-
    }
}

// ==== bad_tokio_spawn
#[derive(Default)]
pub struct Spawner;

#[workflow]
impl Spawner {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        let task = tokio::spawn(async { 1 }); // <-
        Ok(())
    }
}

// ==== bad_thread_spawn
#[derive(Default)]
pub struct Threads;

#[workflow]
impl Threads {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        let worker = std::thread::spawn(|| 1); // <-
        Ok(())
    }
}

// ==== bad_select_unbiased
#[derive(Default)]
pub struct Race;

#[workflow]
impl Race {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        tokio::select! { // <-
            _ = ctx.sleep(Duration::from_secs(1)) => {}
            _ = ctx.sleep(Duration::from_secs(2)) => {}
        }
        Ok(())
    }
}

// ==== bad_bare_read_to_string
use std::fs::read_to_string;

#[derive(Default)]
pub struct Config;

#[workflow]
impl Config {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<usize> {
        let text = read_to_string("limits.toml").unwrap_or_default(); // <-
        Ok(text.len())
    }
}

// ==== bad_bare_env_var
use std::env::var;

#[derive(Default)]
pub struct Region;

#[workflow]
impl Region {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<String> {
        Ok(var("REGION").unwrap_or_default()) // <-
    }
}

// ==== bad_process_command
#[derive(Default)]
pub struct Shell;

#[workflow]
impl Shell {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        let out = std::process::Command::new("date").output(); // <-
        Ok(())
    }
}

// ==== bad_hash_state_field_first_key
#[derive(Default)]
pub struct Queue {
    pending: HashMap<String, u32>,
}

#[workflow]
impl Queue {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        let next = ctx.state(|s| s.pending.keys().next().cloned()); // <-
        if let Some(who) = next {
            ctx.activity(notify, who).options(five_seconds()).await?;
        }
        Ok(())
    }

    #[signal]
    pub fn add(&mut self, who: String) {
        self.pending.insert(who, 1);
    }
}

// ==== bad_hash_state_field_for_loop
#[derive(Default)]
pub struct Fanout {
    subscribers: HashSet<String>,
}

#[workflow]
impl Fanout {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        let subscribers = ctx.state(|s| s.subscribers.clone());
        for who in subscribers { // <-
            ctx.activity(notify, who).options(five_seconds()).await?;
        }
        Ok(())
    }
}

// ==== bad_hash_field_in_signal_handler
#[derive(Default)]
pub struct Ledger {
    balances: HashMap<String, i64>,
    log: Vec<String>,
}

#[workflow]
impl Ledger {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<Vec<String>> {
        ctx.wait_condition(|s| s.log.len() > 2).await?;
        Ok(ctx.state(|s| s.log.clone()))
    }

    #[signal]
    pub fn settle(&mut self) {
        for (account, balance) in &self.balances { // <-
            self.log.push(format!("{account}: {balance}"));
        }
    }
}

// ==== bad_hash_set_drain
#[derive(Default)]
pub struct Batch {
    ids: HashSet<u64>,
}

#[workflow]
impl Batch {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<Vec<u64>> {
        Ok(ctx.state_mut(|s| s.ids.drain().collect::<Vec<_>>())) // <-
    }
}

// ==== bad_hash_map_from_helper
fn default_prices() -> HashMap<String, u32> {
    HashMap::from([("a".to_owned(), 1), ("b".to_owned(), 2)])
}

#[derive(Default)]
pub struct Pricing;

#[workflow]
impl Pricing {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        for (item, _price) in default_prices() { // <-
            ctx.activity(notify, item).options(five_seconds()).await?;
        }
        Ok(())
    }
}

// ==== bad_hash_set_from_collect
#[derive(Default)]
pub struct Dedupe;

#[workflow]
impl Dedupe {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>, names: Vec<String>) -> WorkflowResult<()> {
        let unique = names.into_iter().collect::<HashSet<_>>();
        let ordered: Vec<String> = unique.into_iter().collect(); // <-
        for who in ordered {
            ctx.activity(notify, who).options(five_seconds()).await?;
        }
        Ok(())
    }
}

// ==== bad_static_atomic_load
use std::sync::atomic::{AtomicBool, Ordering};

static MAINTENANCE: AtomicBool = AtomicBool::new(false);

#[derive(Default)]
pub struct Gate;

#[workflow]
impl Gate {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        if MAINTENANCE.load(Ordering::Relaxed) { // <-
            ctx.sleep(Duration::from_secs(60)).await?;
        }
        Ok(())
    }
}

// ==== bad_oncelock_config
use std::sync::OnceLock;

static SETTINGS: OnceLock<String> = OnceLock::new();

#[derive(Default)]
pub struct Settings;

#[workflow]
impl Settings {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<String> {
        Ok(SETTINGS.get().cloned().unwrap_or_default()) // <-
    }
}

// ==== bad_rwlock_read
use std::sync::RwLock;

static FEATURES: RwLock<Vec<String>> = RwLock::new(Vec::new());

#[derive(Default)]
pub struct Flags;

#[workflow]
impl Flags {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<usize> {
        let count = FEATURES.read().map(|f| f.len()).unwrap_or(0); // <-
        Ok(count)
    }
}

// ==== bad_thread_local_with
use std::cell::Cell;

thread_local! {
    static CALLS: Cell<u32> = const { Cell::new(0) };
}

#[derive(Default)]
pub struct Counted;

#[workflow]
impl Counted {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<u32> {
        let calls = CALLS.with(|c| c.get()); // <-
        Ok(calls)
    }
}

// ==== bad_static_counter_fetch_add
use std::sync::atomic::{AtomicU64, Ordering};

static SEQUENCE: AtomicU64 = AtomicU64::new(0);

#[derive(Default)]
pub struct Numbered;

#[workflow]
impl Numbered {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<u64> {
        Ok(SEQUENCE.fetch_add(1, Ordering::SeqCst)) // <-
    }
}

// ==== bad_pointer_formatted
#[derive(Default)]
pub struct Tagged {
    items: Vec<u32>,
}

#[workflow]
impl Tagged {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<String> {
        let tag = ctx.state(|s| format!("batch-{:p}", &s.items)); // <-
        Ok(tag)
    }
}

// ==== bad_pointer_cast_to_id
#[derive(Default)]
pub struct Keyed;

#[workflow]
impl Keyed {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<usize> {
        let request = String::from("charge");
        let key = &request as *const String as usize; // <-
        Ok(key % 16)
    }
}

// ==== bad_workflow_in_nested_module
mod billing {
    use std::env::var;

    use workflow_runtime::prelude::*;

    #[derive(Default)]
    pub struct Billing;

    #[workflow]
    impl Billing {
        #[run]
        pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<String> {
            Ok(var("CURRENCY").unwrap_or_default()) // <-
        }
    }
}

// ==== bad_helper_in_deterministic_module
#[deterministic]
mod helpers {
    pub fn deadline_passed(due: u64) -> bool {
        let now = std::time::SystemTime::now(); // <-
        now.duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() > due).unwrap_or(false)
    }
}

#[derive(Default)]
pub struct Deadline;

#[workflow]
impl Deadline {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>, due: u64) -> WorkflowResult<bool> {
        Ok(helpers::deadline_passed(due))
    }
}


// ==== bad_global_once_cell_lazy_flags
use std::sync::RwLock;

static FEATURE_FLAGS: once_cell::sync::Lazy<RwLock<HashMap<String, bool>>> =
    once_cell::sync::Lazy::new(|| RwLock::new(HashMap::new()));

#[derive(Default)]
pub struct Rollout;

#[workflow]
impl Rollout {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>, customer: String) -> WorkflowResult<()> {
        let fast_path = FEATURE_FLAGS.read().map(|flags| flags.get("fast").copied().unwrap_or(false)).unwrap_or(false); // <-
        if !fast_path {
            ctx.sleep(Duration::from_secs(30)).await?;
        }
        Ok(())
    }
}

// ==== bad_global_lazy_static_limits
use std::sync::RwLock;

lazy_static::lazy_static! {
    static ref DAILY_LIMITS: RwLock<HashMap<String, u64>> = RwLock::new(HashMap::new());
}

#[derive(Default)]
pub struct Spend;

#[workflow]
impl Spend {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>, account: String) -> WorkflowResult<bool> {
        let limit = DAILY_LIMITS.read().ok().and_then(|limits| limits.get(&account).copied()); // <-
        Ok(limit.is_some())
    }
}

// ==== bad_global_parking_lot_read
static QUOTAS: parking_lot::RwLock<Vec<u32>> = parking_lot::RwLock::new(Vec::new());

#[derive(Default)]
pub struct Quota;

#[workflow]
impl Quota {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<u32> {
        let first = QUOTAS.read().first().copied().unwrap_or(0); // <-
        Ok(first)
    }
}

// ==== bad_uuid_v7_through_alias
use uuid::Uuid as OrderId;

#[derive(Default)]
pub struct Orders;

#[workflow]
impl Orders {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<String> {
        let id = OrderId::now_v7(); // <-
        ctx.activity(notify, id.to_string())
            .options(ActivityOptions::start_to_close(Duration::from_secs(10)))
            .await?;
        Ok(id.to_string())
    }
}

// ==== bad_random_state_bucket
use std::hash::{BuildHasher, RandomState};

#[derive(Default)]
pub struct Sharded;

#[workflow]
impl Sharded {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>, customer: String) -> WorkflowResult<u64> {
        let shard = RandomState::new().hash_one(&customer) % 8; // <-
        ctx.activity(notify, format!("shard-{shard}"))
            .options(ActivityOptions::start_to_close(Duration::from_secs(10)))
            .await?;
        Ok(shard)
    }
}

// ==== bad_clock_reexported_by_own_module
mod timeutil {
    pub use chrono::Utc;
}

#[derive(Default)]
pub struct Shift;

#[workflow]
impl Shift {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<String> {
        let started = timeutil::Utc::now(); // <-
        Ok(started.to_rfc3339())
    }
}
// ==== good_hash_values_sum
#[derive(Default)]
pub struct Totals {
    amounts: HashMap<String, u64>,
}

#[workflow]
impl Totals {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<u64> {
        Ok(ctx.state(|s| s.amounts.values().sum()))
    }
}

// ==== good_hash_retain
#[derive(Default)]
pub struct Pruned {
    sessions: HashMap<String, u32>,
}

#[workflow]
impl Pruned {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<usize> {
        ctx.state_mut(|s| s.sessions.retain(|_, age| *age < 30));
        Ok(ctx.state(|s| s.sessions.len()))
    }
}

// ==== good_hash_collected_into_btree
#[derive(Default)]
pub struct Report {
    counts: HashMap<String, u32>,
}

#[workflow]
impl Report {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        let ordered = ctx.state(|s| s.counts.clone().into_iter().collect::<BTreeMap<_, _>>());
        for (who, _) in ordered {
            ctx.activity(notify, who).options(five_seconds()).await?;
        }
        Ok(())
    }
}

// ==== good_hash_keys_sorted
#[derive(Default)]
pub struct Roster {
    members: HashSet<String>,
}

#[workflow]
impl Roster {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        let members = ctx.state(|s| s.members.clone());
        let mut names: Vec<String> = members.into_iter().collect();
        names.sort();
        for who in names {
            ctx.activity(notify, who).options(five_seconds()).await?;
        }
        Ok(())
    }
}

// ==== good_hash_lookups
#[derive(Default)]
pub struct Lookup {
    stock: HashMap<String, u32>,
}

#[workflow]
impl Lookup {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>, item: String) -> WorkflowResult<bool> {
        Ok(ctx.state(|s| s.stock.contains_key(&item) && s.stock.get(&item) > Some(&0) && !s.stock.is_empty()))
    }
}

// ==== good_hash_min_max_any
#[derive(Default)]
pub struct Extremes {
    latencies: HashMap<String, u32>,
}

#[workflow]
impl Extremes {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<(u32, bool)> {
        let worst = ctx.state(|s| s.latencies.values().copied().max().unwrap_or(0));
        let any_slow = ctx.state(|s| s.latencies.values().any(|l| *l > 500));
        Ok((worst, any_slow))
    }
}

// ==== good_btree_iteration
#[derive(Default)]
pub struct Ordered {
    steps: BTreeMap<u32, String>,
}

#[workflow]
impl Ordered {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        let steps = ctx.state(|s| s.steps.clone());
        for (_, step) in &steps {
            ctx.activity(notify, step.clone()).options(five_seconds()).await?;
        }
        Ok(())
    }
}

// ==== good_vec_field_in_signal_handler
#[derive(Default)]
pub struct Inbox {
    messages: Vec<String>,
    seen: u32,
}

#[workflow]
impl Inbox {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<u32> {
        ctx.wait_condition(|s| s.seen > 0).await?;
        Ok(ctx.state(|s| s.seen))
    }

    #[signal]
    pub fn receive(&mut self, message: String) {
        for existing in self.messages.iter() {
            if *existing == message {
                return;
            }
        }
        self.messages.push(message);
        self.seen += 1;
    }
}

// ==== good_own_function_named_random
fn random() -> u32 {
    4
}

#[derive(Default)]
pub struct Fixed;

#[workflow]
impl Fixed {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<u32> {
        Ok(random())
    }
}

// ==== good_ctx_replacements
#[derive(Default)]
pub struct Replacements;

#[workflow]
impl Replacements {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<String> {
        let started = ctx.now();
        ctx.sleep(Duration::from_secs(1)).await?;
        let waited = ctx.now().duration_since(started).unwrap_or_default();
        Ok(format!("{} {} {}", ctx.random(), ctx.uuid4(), waited.as_secs()))
    }
}

// ==== good_constant_tables
use std::sync::LazyLock;

const RETRY_DELAYS: [u64; 3] = [1, 5, 30];
static REGIONS: [&str; 2] = ["eu", "us"];
static TAX_RATES: LazyLock<HashMap<&'static str, u32>> =
    LazyLock::new(|| HashMap::from([("FR", 20), ("DE", 19)]));

#[derive(Default)]
pub struct Tables;

#[workflow]
impl Tables {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>, attempt: usize) -> WorkflowResult<u32> {
        let delay = RETRY_DELAYS.get(attempt).copied().unwrap_or(60);
        ctx.sleep(Duration::from_secs(delay)).await?;
        let region = REGIONS.get(0).copied().unwrap_or("eu");
        Ok(TAX_RATES.get("FR").copied().unwrap_or(0) + region.len() as u32)
    }
}

// ==== good_local_atomic
use std::sync::atomic::{AtomicU32, Ordering};

#[derive(Default)]
pub struct LocalCounter;

#[workflow]
impl LocalCounter {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<u32> {
        let counter = AtomicU32::new(0);
        counter.fetch_add(1, Ordering::Relaxed);
        Ok(counter.load(Ordering::Relaxed))
    }
}

// ==== good_pointer_equality_and_braces
#[derive(Default)]
pub struct Same;

#[workflow]
impl Same {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<String> {
        let (a, b) = (String::from("x"), String::from("x"));
        Ok(format!("{{:p}} {}", std::ptr::eq(&a, &b)))
    }
}

// ==== good_user_type_named_instant
mod clock {
    pub struct Instant(pub u64);
    impl Instant {
        pub fn now() -> Self {
            Instant(0)
        }
    }
}

#[derive(Default)]
pub struct OwnClock;

#[workflow]
impl OwnClock {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<u64> {
        Ok(clock::Instant::now().0)
    }
}

// ==== good_string_mentions_clock
#[derive(Default)]
pub struct Text;

#[workflow]
impl Text {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<String> {
        Ok("do not call SystemTime::now() here".to_owned())
    }
}

// ==== good_biased_select
#[derive(Default)]
pub struct Biased;

#[workflow]
impl Biased {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        tokio::select! {
            biased;
            _ = ctx.sleep(Duration::from_secs(1)) => {}
            _ = ctx.sleep(Duration::from_secs(2)) => {}
        }
        Ok(())
    }
}

// ==== good_duration_math
#[derive(Default)]
pub struct Windows;

#[workflow]
impl Windows {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>, hours: u64) -> WorkflowResult<u64> {
        let window = Duration::from_secs(3600) * hours as u32;
        let deadline = ctx.now() + window;
        Ok(deadline.duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0))
    }
}

// ==== good_fixed_hasher_map_iteration
// A map with a fixed hasher iterates in the same order on every run: replay-safe, and the
// check reads the hasher of the field it iterates.
use std::hash::{BuildHasherDefault, DefaultHasher};

type FixedMap<K, V> = HashMap<K, V, BuildHasherDefault<DefaultHasher>>;

#[derive(Default)]
pub struct Fixed {
    steps: FixedMap<String, u32>,
}

#[workflow]
impl Fixed {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<Vec<String>> {
        Ok(ctx.state(|s| s.steps.keys().cloned().collect()))
    }
}


// ==== good_global_once_cell_table
static COUNTRY_TAX: once_cell::sync::Lazy<HashMap<&'static str, u32>> =
    once_cell::sync::Lazy::new(|| HashMap::from([("FR", 20), ("DE", 19)]));

#[derive(Default)]
pub struct Tax;

#[workflow]
impl Tax {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>, country: String) -> WorkflowResult<u32> {
        Ok(COUNTRY_TAX.get(country.as_str()).copied().unwrap_or(0))
    }
}

// ==== good_collect_into_annotated_btreemap
#[derive(Default)]
pub struct Restock {
    levels: HashMap<String, u32>,
}

#[workflow]
impl Restock {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        let low: BTreeMap<String, u32> = ctx.state(|s| {
            s.levels
                .iter()
                .filter(|(_, level)| **level < 5)
                .map(|(sku, level)| (sku.clone(), *level))
                .collect()
        });
        for (sku, _) in low {
            ctx.activity(notify, sku)
                .options(ActivityOptions::start_to_close(Duration::from_secs(10)))
                .await?;
        }
        Ok(())
    }
}
// ==== limit_helper_without_attribute
fn overdue(due: u64) -> bool {
    let now = std::time::SystemTime::now(); // <-
    now.duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() > due).unwrap_or(false)
}

#[derive(Default)]
pub struct Overdue;

#[workflow]
impl Overdue {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>, due: u64) -> WorkflowResult<bool> {
        Ok(overdue(due))
    }
}

// ==== bad_elapsed_on_a_field
#[derive(Default)]
pub struct Started {
    at: Option<std::time::Instant>,
}

#[workflow]
impl Started {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<u64> {
        Ok(ctx.state(|s| s.at.map(|at| at.elapsed().as_secs()).unwrap_or(0))) // <-
    }
}

// ==== limit_atomic_read_by_function_call
use std::sync::atomic::{AtomicBool, Ordering};

static PAUSED: AtomicBool = AtomicBool::new(false);

#[derive(Default)]
pub struct Paused;

#[workflow]
impl Paused {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<bool> {
        Ok(AtomicBool::load(&PAUSED, Ordering::Relaxed)) // <-
    }
}

// ==== limit_pointer_debug_format
#[derive(Default)]
pub struct Debugged;

#[workflow]
impl Debugged {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<String> {
        let value = 5u32;
        let pointer = &value as *const u32;
        Ok(format!("{pointer:?}")) // <-
    }
}

// ==== bad_hash_iteration_behind_impl_iterator
fn names(map: &HashMap<String, u32>) -> impl Iterator<Item = &String> {
    map.keys()
}

#[derive(Default)]
pub struct Hidden {
    map: HashMap<String, u32>,
}

#[workflow]
impl Hidden {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<Vec<String>> {
        Ok(ctx.state(|s| names(&s.map).cloned().collect())) // <-
    }
}

// ==== bad_float_sum_over_hash_values
#[derive(Default)]
pub struct Basket {
    prices: HashMap<String, f64>,
}

#[workflow]
impl Basket {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<bool> {
        let total: f64 = ctx.state(|s| s.prices.values().map(|p| p * 1.2).sum()); // <-
        Ok(total > 100.0)
    }
}

// ==== good_sorted_helper_and_integer_sums
fn by_name(stock: &HashMap<String, u32>) -> Vec<(String, u32)> {
    let mut lines: Vec<(String, u32)> = stock.iter().map(|(k, v)| (k.clone(), *v)).collect();
    lines.sort();
    lines
}

#[derive(Default)]
pub struct Restock {
    stock: HashMap<String, u32>,
    prices: BTreeMap<String, f64>,
}

#[workflow]
impl Restock {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<f64> {
        let units: u32 = ctx.state(|s| s.stock.values().sum());
        let cost: f64 = ctx.state(|s| s.prices.values().sum());
        for (item, count) in ctx.state(|s| by_name(&s.stock)) {
            let _ = (item, count, units);
        }
        Ok(cost)
    }
}

// ==== limit_hash_iteration_behind_a_method
pub struct Regions(HashMap<String, u64>);

impl Regions {
    fn delays(&self) -> impl Iterator<Item = (&String, &u64)> {
        self.0.iter()
    }
}

#[derive(Default)]
pub struct Notify;

#[workflow]
impl Notify {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<Vec<String>> {
        let regions = Regions(HashMap::from([("eu".to_owned(), 0), ("us".to_owned(), 30)]));
        Ok(regions.delays().map(|(name, _)| name.clone()).collect()) // <-
    }
}

// ==== limit_partial_key_sort
#[derive(Default)]
pub struct Queue {
    jobs: HashMap<String, u32>,
}

#[workflow]
impl Queue {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<Vec<String>> {
        Ok(ctx.state(|s| {
            let mut jobs: Vec<(&String, &u32)> = s.jobs.iter().collect();
            jobs.sort_by_key(|(_, priority)| **priority); // <-
            jobs.into_iter().map(|(name, _)| name.clone()).collect()
        }))
    }
}

// ==== limit_hash_map_consumed_by_extend
#[derive(Default)]
pub struct Extended {
    map: HashMap<String, u32>,
}

#[workflow]
impl Extended {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<Vec<(String, u32)>> {
        let mut pairs = Vec::new();
        pairs.extend(ctx.state(|s| s.map.clone())); // <-
        Ok(pairs)
    }
}
