//! The determinism catalog: one row per non-deterministic API that the macros refuse (or warn
//! about) in workflow code, with why and what to use instead. The user-facing rule list in
//! `docs/determinism.md` is checked against this table by a unit test, so the two cannot
//! drift.

/// How sure the check is, and so how loud.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Level {
    /// A compile error: the callee is certain.
    Error,
    /// A compiler warning: suspicious, or repeated on replay without changing commands.
    Warning,
}

/// What kind of syntax a rule matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A path used as a call or as a value (`SystemTime::now()`, `SystemTime::now`).
    Path,
    /// A macro invocation (`tokio::select!`).
    Macro,
}

/// The catalog sections; `#[allow_nondeterminism(time, reason = "..")]` filters by them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Category {
    Time,
    Random,
    Concurrency,
    Io,
    Env,
    GlobalState,
    Ordering,
    Address,
    Logging,
}

impl Category {
    /// Every category, in the order messages list them.
    pub(crate) const ALL: [Category; 9] = [
        Category::Time,
        Category::Random,
        Category::Concurrency,
        Category::Io,
        Category::Env,
        Category::GlobalState,
        Category::Ordering,
        Category::Address,
        Category::Logging,
    ];

    /// The category an `#[allow_nondeterminism(..)]` names with `ident`.
    pub(crate) fn named(ident: &syn::Ident) -> Option<Category> {
        Category::ALL.into_iter().find(|c| ident == c.name())
    }

    /// The name written in `#[allow_nondeterminism(..)]` and in the docs.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Category::Time => "time",
            Category::Random => "random",
            Category::Concurrency => "concurrency",
            Category::Io => "io",
            Category::Env => "env",
            Category::GlobalState => "global_state",
            Category::Ordering => "ordering",
            Category::Address => "address",
            Category::Logging => "logging",
        }
    }
}

/// Which row of the catalog a rule is. Code that treats a rule specially (a `HashMap::new()`
/// binding is tracked, a `biased;` select is let through) compares this, never the message
/// text, so rewording a row cannot switch a check off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RuleId {
    SystemTimeNow,
    InstantNow,
    Elapsed,
    ThreadSleep,
    TimerSleep,
    TimerTimeout,
    TimerInterval,
    ChronoNow,
    TimeCrateNow,
    JiffNow,
    RandRandom,
    ThreadRng,
    FromEntropy,
    GetRandom,
    Fastrand,
    UuidNewV4,
    UuidNow,
    RandomStateNew,
    TaskSpawn,
    SpawnBlocking,
    ThreadSpawn,
    BlockOn,
    BlockingSync,
    TokioSelect,
    FileSystem,
    Network,
    NetworkClients,
    Process,
    Stdin,
    EnvVar,
    MachineInfo,
    ThreadLocal,
    LazyStatic,
    HashMapNew,
    DefaultHasherNew,
    PointerHash,
    Println,
    Stdout,
}

/// One catalog entry.
#[derive(Debug)]
pub(crate) struct Rule {
    pub(crate) id: RuleId,
    /// Canonical full paths. A path ending in `::*` matches everything below it.
    pub(crate) paths: &'static [&'static str],
    /// Distinctive tails matched when a name was imported where the macro cannot see it
    /// (`SystemTime::now` after a file-level `use std::time::SystemTime`).
    pub(crate) suffixes: &'static [&'static str],
    pub(crate) kind: Kind,
    pub(crate) level: Level,
    pub(crate) category: Category,
    /// The rule's name in the docs table; findings are named as the user spelled them.
    #[cfg_attr(not(test), expect(dead_code, reason = "only the docs table reads it"))]
    pub(crate) what: &'static str,
    /// Why it breaks replay.
    pub(crate) why: &'static str,
    /// The deterministic replacement.
    pub(crate) help: &'static str,
}

const ACTIVITY: &str = "move the call into an activity and run it with `ctx.activity(..)`";

/// The catalog. Order matters only for display (the docs table lists the rows in this order).
#[rustfmt::skip]
pub(crate) static RULES: &[Rule] = &[
    // ---- time -------------------------------------------------------------------------
    Rule {
        id: RuleId::SystemTimeNow, level: Level::Error, kind: Kind::Path, category: Category::Time,
        what: "SystemTime::now()",
        paths: &["std::time::SystemTime::now"],
        suffixes: &["time::SystemTime::now", "SystemTime::now"],
        why: "it returns a different value on replay",
        help: "use `ctx.now()`, which returns the workflow task's deterministic time",
    },
    Rule {
        id: RuleId::InstantNow, level: Level::Error, kind: Kind::Path, category: Category::Time,
        what: "Instant::now()",
        paths: &["std::time::Instant::now", "tokio::time::Instant::now", "time::Instant::now"],
        suffixes: &["Instant::now"],
        why: "monotonic clock readings differ on every run",
        help: "use `ctx.now()`; measure durations as the difference of two `ctx.now()` values",
    },
    Rule {
        id: RuleId::Elapsed, level: Level::Error, kind: Kind::Path, category: Category::Time,
        what: "SystemTime::elapsed()",
        paths: &["std::time::SystemTime::elapsed", "std::time::Instant::elapsed"],
        suffixes: &["SystemTime::elapsed", "Instant::elapsed"],
        why: "it reads the clock",
        help: "use `ctx.now()` and subtract",
    },
    Rule {
        id: RuleId::ThreadSleep, level: Level::Error, kind: Kind::Path, category: Category::Time,
        what: "std::thread::sleep",
        paths: &["std::thread::sleep", "std::thread::sleep_ms"],
        suffixes: &["thread::sleep", "thread::sleep_ms"],
        why: "it blocks the workflow thread and records no durable timer",
        help: "use `ctx.sleep(duration).await`, which creates a durable timer",
    },
    Rule {
        id: RuleId::TimerSleep, level: Level::Error, kind: Kind::Path, category: Category::Time,
        what: "tokio::time::sleep",
        paths: &["tokio::time::sleep", "tokio::time::sleep_until", "async_std::task::sleep", "smol::Timer::after", "smol::Timer::at", "futures_timer::Delay::new"],
        suffixes: &["time::sleep", "time::sleep_until", "task::sleep", "Timer::after", "Delay::new"],
        why: "it is a wall-clock timer that is not recorded in history",
        help: "use `ctx.sleep(duration).await`, which creates a durable timer",
    },
    Rule {
        id: RuleId::TimerTimeout, level: Level::Error, kind: Kind::Path, category: Category::Time,
        what: "tokio::time::timeout",
        paths: &["tokio::time::timeout", "tokio::time::timeout_at", "async_std::future::timeout"],
        suffixes: &["time::timeout", "time::timeout_at", "future::timeout"],
        why: "its deadline is a wall-clock timer that is not recorded in history",
        help: "use `ctx.select(operation, ctx.sleep(duration))`",
    },
    Rule {
        id: RuleId::TimerInterval, level: Level::Error, kind: Kind::Path, category: Category::Time,
        what: "tokio::time::interval",
        paths: &["tokio::time::interval", "tokio::time::interval_at"],
        suffixes: &["time::interval", "time::interval_at"],
        why: "its ticks come from the wall clock, not from history",
        help: "loop over `ctx.sleep(period).await`",
    },
    Rule {
        id: RuleId::ChronoNow, level: Level::Error, kind: Kind::Path, category: Category::Time,
        what: "Utc::now()",
        paths: &["chrono::Utc::now", "chrono::Local::now", "chrono::Local::today", "chrono::Utc::today", "chrono::offset::Utc::now", "chrono::offset::Local::now"],
        suffixes: &["Utc::now", "Local::now", "Local::today", "Utc::today"],
        why: "it reads the wall clock",
        help: "use `ctx.now()` (convert with `DateTime::<Utc>::from(ctx.now())`)",
    },
    Rule {
        id: RuleId::TimeCrateNow, level: Level::Error, kind: Kind::Path, category: Category::Time,
        what: "OffsetDateTime::now_utc()",
        paths: &["time::OffsetDateTime::now_utc", "time::OffsetDateTime::now_local", "time::UtcOffset::current_local_offset", "time::UtcDateTime::now"],
        suffixes: &["OffsetDateTime::now_utc", "OffsetDateTime::now_local", "UtcOffset::current_local_offset", "UtcDateTime::now"],
        why: "it reads the wall clock or the worker's time zone",
        help: "use `ctx.now()` (convert with `OffsetDateTime::from(ctx.now())`)",
    },
    Rule {
        id: RuleId::JiffNow, level: Level::Error, kind: Kind::Path, category: Category::Time,
        what: "jiff::Timestamp::now()",
        paths: &["jiff::Timestamp::now", "jiff::Zoned::now"],
        suffixes: &["Timestamp::now", "Zoned::now"],
        why: "it reads the wall clock or the worker's time zone",
        help: "use `ctx.now()`",
    },
    // ---- randomness -------------------------------------------------------------------
    Rule {
        id: RuleId::RandRandom, level: Level::Error, kind: Kind::Path, category: Category::Random,
        what: "rand::random()",
        paths: &["rand::random", "rand::random_range", "rand::random_bool", "rand::random_iter", "rand::random_ratio", "rand::fill"],
        suffixes: &["rand::random", "rand::random_range", "rand::random_bool", "rand::random_iter", "rand::random_ratio"],
        why: "it is seeded from OS entropy, so replay draws different numbers",
        help: "use `ctx.random()`, which is seeded from the workflow's recorded seed",
    },
    Rule {
        id: RuleId::ThreadRng, level: Level::Error, kind: Kind::Path, category: Category::Random,
        what: "rand::thread_rng()",
        paths: &["rand::thread_rng", "rand::rng", "rand::rngs::ThreadRng", "rand::rngs::OsRng", "rand::rngs::ThreadRng::default", "rand::rngs::SysRng"],
        suffixes: &["thread_rng", "rand::rng", "rngs::ThreadRng", "OsRng", "SysRng"],
        why: "it is seeded from OS entropy, so replay draws different numbers",
        help: "use `ctx.random()`, which is seeded from the workflow's recorded seed",
    },
    Rule {
        id: RuleId::FromEntropy, level: Level::Error, kind: Kind::Path, category: Category::Random,
        what: "SeedableRng::from_entropy()",
        paths: &["rand::SeedableRng::from_entropy", "rand::SeedableRng::from_os_rng", "rand::make_rng"],
        suffixes: &["from_entropy", "from_os_rng", "from_rng_os", "rand::make_rng"],
        why: "it seeds the generator from OS entropy",
        help: "use `ctx.random()`, or seed with `SeedableRng::seed_from_u64(ctx.random())`",
    },
    Rule {
        id: RuleId::GetRandom, level: Level::Error, kind: Kind::Path, category: Category::Random,
        what: "getrandom::getrandom",
        paths: &["getrandom::getrandom", "getrandom::fill", "getrandom::u32", "getrandom::u64", "getrandom::fill_uninit"],
        suffixes: &["getrandom::getrandom", "getrandom::fill", "getrandom::u32", "getrandom::u64"],
        why: "it reads OS entropy",
        help: "use `ctx.random()`",
    },
    Rule {
        id: RuleId::Fastrand, level: Level::Error, kind: Kind::Path, category: Category::Random,
        what: "fastrand",
        paths: &["fastrand::u8", "fastrand::u16", "fastrand::u32", "fastrand::u64", "fastrand::u128", "fastrand::usize", "fastrand::i8", "fastrand::i16", "fastrand::i32", "fastrand::i64", "fastrand::isize", "fastrand::f32", "fastrand::f64", "fastrand::bool", "fastrand::char", "fastrand::alphabetic", "fastrand::alphanumeric", "fastrand::lowercase", "fastrand::uppercase", "fastrand::digit", "fastrand::shuffle", "fastrand::choice", "fastrand::choose_multiple", "fastrand::fill", "fastrand::Rng::new"],
        suffixes: &[],
        why: "its generator is seeded from entropy per thread",
        help: "use `ctx.random()`, or `fastrand::Rng::with_seed(ctx.random())`",
    },
    Rule {
        id: RuleId::UuidNewV4, level: Level::Error, kind: Kind::Path, category: Category::Random,
        what: "Uuid::new_v4()",
        paths: &["uuid::Uuid::new_v4"],
        suffixes: &["Uuid::new_v4"],
        why: "it generates a new random UUID on replay",
        help: "use `ctx.uuid4()`",
    },
    Rule {
        id: RuleId::UuidNow, level: Level::Error, kind: Kind::Path, category: Category::Random,
        what: "Uuid::now_v7()",
        paths: &["uuid::Uuid::now_v7", "uuid::Uuid::now_v6", "uuid::Uuid::now_v1", "uuid::Uuid::new_v7", "uuid::Timestamp::now", "ulid::Ulid::new", "ulid::Ulid::generate"],
        suffixes: &["Uuid::now_v7", "Uuid::now_v6", "Uuid::now_v1", "Uuid::new_v7", "Ulid::new", "Ulid::generate"],
        why: "it reads the wall clock and OS entropy (`new_v7` draws random bits, `Timestamp::now` reads the clock for `new_v1`/`new_v6`)",
        help: "use `ctx.uuid4()`",
    },
    Rule {
        id: RuleId::RandomStateNew, level: Level::Error, kind: Kind::Path, category: Category::Random,
        what: "RandomState::new()",
        paths: &["std::collections::hash_map::RandomState::new", "std::hash::RandomState::new", "std::collections::hash_map::RandomState::default", "std::hash::RandomState::default"],
        suffixes: &["RandomState::new", "RandomState::default"],
        why: "its hash keys are drawn at random for each instance, so a hash it computes (`build_hasher`, `hash_one`) differs between run and replay, and so does the order of a map built with it",
        help: "hash with a fixed, named algorithm (`BuildHasherDefault` of a stable hasher, or an id from `ctx.uuid4()`); for a map, use `BTreeMap`/`BTreeSet`",
    },
    // ---- concurrency ------------------------------------------------------------------
    Rule {
        id: RuleId::TaskSpawn, level: Level::Error, kind: Kind::Path, category: Category::Concurrency,
        what: "tokio::spawn",
        paths: &["tokio::spawn", "tokio::task::spawn", "tokio::task::spawn_local", "async_std::task::spawn", "async_std::task::spawn_local", "smol::spawn", "tokio::runtime::Handle::current", "tokio::runtime::Runtime::new", "tokio::task::JoinSet::new"],
        suffixes: &["tokio::spawn", "task::spawn", "task::spawn_local", "smol::spawn", "Handle::current", "Runtime::new", "JoinSet::new"],
        why: "the task runs outside the deterministic workflow executor",
        help: "combine futures with `ctx.join(..)` / `ctx.select(..)` / `ctx.select_all(..)`; run independent work in an activity",
    },
    Rule {
        id: RuleId::SpawnBlocking, level: Level::Error, kind: Kind::Path, category: Category::Concurrency,
        what: "spawn_blocking",
        paths: &["tokio::task::spawn_blocking", "tokio::task::block_in_place", "async_std::task::spawn_blocking", "smol::unblock"],
        suffixes: &["spawn_blocking", "block_in_place", "smol::unblock"],
        why: "it runs work on other threads, outside the deterministic workflow executor",
        help: "move the work into an activity",
    },
    Rule {
        id: RuleId::ThreadSpawn, level: Level::Error, kind: Kind::Path, category: Category::Concurrency,
        what: "std::thread::spawn",
        paths: &["std::thread::spawn", "std::thread::scope", "std::thread::Builder::new", "rayon::spawn", "rayon::join", "rayon::scope"],
        suffixes: &["thread::spawn", "thread::scope", "thread::Builder::new", "rayon::spawn", "rayon::join", "rayon::scope"],
        why: "OS threads are scheduled nondeterministically and wake workflow code from outside the executor",
        help: "move the work into an activity, or combine futures with `ctx.join(..)`",
    },
    Rule {
        id: RuleId::BlockOn, level: Level::Error, kind: Kind::Path, category: Category::Concurrency,
        what: "futures::executor::block_on",
        paths: &["futures::executor::block_on", "futures::executor::ThreadPool::new", "futures::executor::LocalPool::new", "async_std::task::block_on", "smol::block_on", "pollster::block_on"],
        suffixes: &["executor::block_on", "ThreadPool::new", "LocalPool::new", "task::block_on", "smol::block_on", "pollster::block_on"],
        why: "it blocks the workflow thread on a foreign executor",
        help: "`.await` the future; run independent work in an activity",
    },
    Rule {
        id: RuleId::BlockingSync, level: Level::Error, kind: Kind::Path, category: Category::Concurrency,
        what: "std::sync::mpsc::channel",
        paths: &["std::sync::mpsc::channel", "std::sync::mpsc::sync_channel", "std::sync::Condvar::new", "std::sync::Barrier::new", "crossbeam_channel::*", "crossbeam::channel::*"],
        suffixes: &["Condvar::new", "crossbeam_channel::unbounded", "crossbeam_channel::bounded"],
        why: "its blocking waits deadlock the workflow thread or wait on input from outside the workflow",
        help: "send data to a workflow with signals or updates; wait with `ctx.sleep(..)` or an activity",
    },
    Rule {
        id: RuleId::TokioSelect, level: Level::Error, kind: Kind::Macro, category: Category::Concurrency,
        what: "tokio::select!",
        paths: &["tokio::select", "futures::select", "futures_util::select", "select"],
        suffixes: &[],
        why: "it picks a random ready branch, which can differ on replay",
        help: "use `ctx.select(a, b)` or `ctx.select_all(futures)`, or write `biased;` as the first line of the select",
    },
    // ---- I/O, network, process, environment -------------------------------------------
    Rule {
        id: RuleId::FileSystem, level: Level::Error, kind: Kind::Path, category: Category::Io,
        what: "std::fs",
        paths: &["std::fs::*", "tokio::fs::*", "async_std::fs::*", "fs_err::*"],
        suffixes: &["fs::read", "fs::read_to_string", "fs::write", "fs::read_dir", "fs::metadata", "fs::symlink_metadata", "fs::create_dir", "fs::create_dir_all", "fs::remove_file", "fs::remove_dir", "fs::remove_dir_all", "fs::rename", "fs::copy", "fs::canonicalize", "fs::read_link", "fs::hard_link", "fs::set_permissions", "fs::exists", "File::open", "File::create", "File::create_new", "File::options", "OpenOptions::new"],
        why: "file contents change between the original run and replay, and writes repeat on every replay",
        help: ACTIVITY,
    },
    Rule {
        id: RuleId::Network, level: Level::Error, kind: Kind::Path, category: Category::Io,
        what: "std::net",
        paths: &["std::net::TcpStream::connect", "std::net::TcpStream::connect_timeout", "std::net::TcpListener::bind", "std::net::UdpSocket::bind", "std::net::ToSocketAddrs::to_socket_addrs", "tokio::net::*", "async_std::net::*"],
        suffixes: &["TcpStream::connect", "TcpStream::connect_timeout", "TcpListener::bind", "UdpSocket::bind", "UnixStream::connect", "UnixListener::bind", "lookup_host"],
        why: "network I/O is not recorded in history: it repeats on every replay and may answer differently",
        help: ACTIVITY,
    },
    Rule {
        id: RuleId::NetworkClients, level: Level::Error, kind: Kind::Path, category: Category::Io,
        what: "reqwest",
        paths: &["reqwest::*", "hyper::Client::*", "hyper::client::*", "hyper_util::client::*", "ureq::*", "isahc::*", "surf::*", "tonic::transport::*", "sqlx::*", "redis::Client::open", "diesel::*", "tokio_postgres::*", "postgres::*", "mongodb::*"],
        suffixes: &["Pool::connect", "PgPool::connect", "MySqlPool::connect", "SqlitePool::connect", "PgConnection::connect", "PgPoolOptions::new"],
        why: "network and database I/O are not recorded in history: they repeat on every replay and may answer differently",
        help: ACTIVITY,
    },
    Rule {
        id: RuleId::Process, level: Level::Error, kind: Kind::Path, category: Category::Io,
        what: "std::process::Command",
        paths: &["std::process::Command::new", "tokio::process::Command::new", "async_std::process::Command::new", "std::process::exit", "std::process::abort", "std::process::id"],
        suffixes: &["Command::new", "process::exit", "process::abort", "process::id"],
        why: "processes run outside the workflow, repeat on every replay, and `exit` stops the worker",
        help: "move the call into an activity; return an error instead of exiting",
    },
    Rule {
        id: RuleId::Stdin, level: Level::Error, kind: Kind::Path, category: Category::Io,
        what: "std::io::stdin",
        paths: &["std::io::stdin", "tokio::io::stdin"],
        suffixes: &["io::stdin"],
        why: "input read in workflow code comes from nowhere on replay",
        help: "pass the value in the workflow input or a signal",
    },
    Rule {
        id: RuleId::EnvVar, level: Level::Error, kind: Kind::Path, category: Category::Env,
        what: "std::env::var",
        paths: &["std::env::var", "std::env::var_os", "std::env::vars", "std::env::vars_os", "std::env::args", "std::env::args_os", "std::env::current_dir", "std::env::set_current_dir", "std::env::set_var", "std::env::remove_var", "std::env::temp_dir", "std::env::current_exe", "std::env::home_dir", "dotenvy::*", "dotenv::*"],
        suffixes: &["env::var", "env::var_os", "env::vars", "env::vars_os", "env::args", "env::args_os", "env::current_dir", "env::set_current_dir", "env::set_var", "env::remove_var", "env::temp_dir", "env::current_exe", "env::home_dir"],
        why: "the worker's environment can differ between the original run and replay",
        help: "pass the value in the workflow input, or read it in an activity",
    },
    Rule {
        id: RuleId::MachineInfo, level: Level::Error, kind: Kind::Path, category: Category::Env,
        what: "std::thread::available_parallelism",
        paths: &["std::thread::available_parallelism", "std::thread::current", "num_cpus::get", "num_cpus::get_physical", "hostname::get", "sysinfo::*"],
        suffixes: &["thread::available_parallelism", "thread::current", "num_cpus::get", "num_cpus::get_physical", "hostname::get"],
        why: "it describes the machine, which differs between workers",
        help: "pass the value in the workflow input, or read it in an activity",
    },
    // ---- global state -----------------------------------------------------------------
    Rule {
        id: RuleId::ThreadLocal, level: Level::Error, kind: Kind::Macro, category: Category::GlobalState,
        what: "thread_local!",
        paths: &["std::thread_local", "thread_local"],
        suffixes: &[],
        why: "thread-local state is shared by every workflow run on the thread and lost on eviction",
        help: "keep state in fields of the workflow struct",
    },
    Rule {
        id: RuleId::LazyStatic, level: Level::Error, kind: Kind::Macro, category: Category::GlobalState,
        what: "lazy_static!",
        paths: &["lazy_static::lazy_static", "lazy_static"],
        suffixes: &[],
        why: "global state is shared by every workflow run and lost when a run replays on another worker",
        help: "keep state in fields of the workflow struct",
    },
    // ---- ordering ---------------------------------------------------------------------
    Rule {
        id: RuleId::HashMapNew, level: Level::Warning, kind: Kind::Path, category: Category::Ordering,
        what: "HashMap::new()",
        paths: &["std::collections::HashMap::new", "std::collections::HashMap::with_capacity", "std::collections::HashSet::new", "std::collections::HashSet::with_capacity"],
        suffixes: &["HashMap::new", "HashMap::with_capacity", "HashSet::new", "HashSet::with_capacity"],
        why: "a HashMap or HashSet with the default hasher iterates in a random order, which differs on replay",
        help: "use `BTreeMap`/`BTreeSet` (or `IndexMap`), or sort the keys before iterating",
    },
    Rule {
        id: RuleId::DefaultHasherNew, level: Level::Warning, kind: Kind::Path, category: Category::Ordering,
        what: "DefaultHasher::new()",
        paths: &["std::hash::DefaultHasher::new", "std::collections::hash_map::DefaultHasher::new"],
        suffixes: &["DefaultHasher::new"],
        why: "its algorithm may change between Rust releases, so hashes persisted in history may not match on replay",
        help: "use a named stable hash, or `ctx.uuid4()` for ids",
    },
    // ---- addresses --------------------------------------------------------------------
    Rule {
        id: RuleId::PointerHash, level: Level::Error, kind: Kind::Path, category: Category::Address,
        what: "std::ptr::hash",
        paths: &["std::ptr::hash"],
        suffixes: &["ptr::hash"],
        why: "it hashes an address, which the allocator picks anew on every run and on replay",
        help: "hash the value itself, or an id stored in it",
    },
    // ---- logging ----------------------------------------------------------------------
    Rule {
        id: RuleId::Println, level: Level::Warning, kind: Kind::Macro, category: Category::Logging,
        what: "println!",
        paths: &["std::println", "std::print", "std::eprintln", "std::eprint", "std::dbg", "println", "print", "eprintln", "eprint", "dbg"],
        suffixes: &[],
        why: "the output is written again on every replay",
        help: "log with `tracing` (the worker mutes workflow logs while a run replays)",
    },
    Rule {
        id: RuleId::Stdout, level: Level::Warning, kind: Kind::Path, category: Category::Logging,
        what: "std::io::stdout",
        paths: &["std::io::stdout", "std::io::stderr"],
        suffixes: &["io::stdout", "io::stderr"],
        why: "the output is written again on every replay",
        help: "log with `tracing` (the worker mutes workflow logs while a run replays)",
    },
];

/// Constants whose methods the catalog covers, with their type: `UNIX_EPOCH.elapsed()` is
/// checked as `SystemTime::elapsed()`. The second list holds the suffixes matched when the
/// constant was imported where the macro cannot see.
pub(crate) static CONSTANTS: &[(&[&str], &[&str], &str)] = &[(
    &["std::time::UNIX_EPOCH", "std::time::SystemTime::UNIX_EPOCH"],
    &["UNIX_EPOCH"],
    "std::time::SystemTime",
)];

/// The message of a finding: the first line is self-contained, the help names the
/// replacement.
pub(crate) fn message(what: &str, why: &str, help: &str) -> String {
    format!("{what} is non-deterministic in workflow code: {why}\n\nhelp: {help}")
}

/// A finding that no path names: a construct the checker recognises by its shape.
#[derive(Debug)]
pub(crate) struct Construct {
    pub(crate) level: Level,
    pub(crate) category: Category,
    /// How the finding is named in the message.
    pub(crate) what: &'static str,
    /// What the checker looks for, as the docs describe it.
    #[cfg_attr(not(test), expect(dead_code, reason = "only the docs table reads it"))]
    pub(crate) matches: &'static str,
    /// Why it breaks replay.
    pub(crate) why: &'static str,
    /// The deterministic replacement.
    pub(crate) help: &'static str,
}

/// Iterating a `HashMap`/`HashSet`, found by type: the macros wrap each iterating call and
/// `for` loop in the runtime's order probe (`probe.rs`), which fails to compile for the
/// iterators of `HashMap` and `HashSet`.
// Only the docs list it: the error itself is the runtime probe's diagnostic.
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) const HASH_ITERATION: Construct = Construct {
    level: Level::Error,
    category: Category::Ordering,
    what: "iterating a HashMap or HashSet",
    matches: "a `for` loop or `.iter()`/`.keys()`/`.values()`/`.drain()`/`.into_iter()`..., or an adapter or a `collect` over a call's result, whose iterator is a `HashMap`'s or `HashSet`'s, whatever built the collection (a state field, a helper, another crate); not a map or set whose hasher is a `BuildHasherDefault` (an `FxHashMap`), iterated as a variable or a field; not when the iteration goes straight into `sum`, `product`, `count`, `min`, `max`, `all`, `any`, a `collect` into a map or set, or a `Vec` the next statement sorts",
    why: "the default hasher's iteration order is random per process, so commands issued in that order differ on replay",
    help: "use `BTreeMap`/`BTreeSet` (or `IndexMap`), or sort the keys before iterating",
};

/// A float `sum`/`product` over a hash collection's iteration, found by type: the macros wrap
/// the iterator a `sum` or `product` consumes in the runtime's sum probe (`probe.rs`).
// Only the docs list it: the error itself is the runtime probe's diagnostic.
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) const FLOAT_SUM_OVER_HASH_ORDER: Construct = Construct {
    level: Level::Error,
    category: Category::Ordering,
    what: "a float sum over a HashMap or HashSet",
    matches: "`.sum()` or `.product()` straight over a `HashMap`'s or `HashSet`'s iteration (through `map`, `filter`, `cloned`...) whose items are `f32` or `f64`; sums of integers stay allowed",
    why: "floating-point addition is not associative, so the last bits of the result change with the random iteration order, and differ on replay",
    help: "sum over a `BTreeMap`/`BTreeSet`, or collect the values into a `Vec` and sort it first",
};

/// An iterator a function made from a hash collection, iterated by workflow code, found by
/// type: the macros route the iterated result of a call given a place through the runtime's
/// helper probe (`probe.rs`).
// Only the docs list it: the error itself is the runtime probe's diagnostic.
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) const HASH_ITERATION_BEHIND_HELPER: Construct = Construct {
    level: Level::Error,
    category: Category::Ordering,
    what: "iterating what a function made from a HashMap or HashSet",
    matches: "a `for` loop, an adapter or a `collect` over the result of a function or method given a `HashMap` or `HashSet` (a variable or a field, or a borrow of one), when that result is an iterator whose type hides its order: an `impl Iterator`, a `Box<dyn Iterator>`, another crate's iterator type; not a `Vec`, a `BTreeMap`/`BTreeSet`, an `Option` or their iterators",
    why: "the function most likely iterates the collection, so the workflow sees its items in the random hash order, which differs on replay",
    help: "return a type that shows the order: a `Vec` the function sorted, a `BTreeMap`/`BTreeSet`, or one of their iterators",
};

/// A global with interior mutability used through a method, found by type: the macros route
/// the global through the runtime's global probe (`probe.rs`), which fails to compile for
/// atomics, locks, cells, `OnceLock`s and thread-locals.
// Only the docs list it: the error itself is the runtime probe's diagnostic.
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) const GLOBAL_READ: Construct = Construct {
    level: Level::Error,
    category: Category::GlobalState,
    what: "reading a global that can change",
    matches: "`.load()`/`.read()`/`.get()`/`.with()`/`.take()`/`.set()`... on a SCREAMING_CASE global whose type is an `Atomic*`, `Mutex`, `RwLock`, `Cell`, `RefCell`, `OnceLock`, `OnceCell` or a `thread_local!` key (std's, tokio's, `parking_lot`'s and `once_cell`'s), or any wrapper that dereferences to one (`LazyLock`, `Arc`, `Box`, `once_cell::sync::Lazy`, a `lazy_static!` static), wherever it is declared; not a `const`, nor a `static` without interior mutability (`LIMITS.get(0)` on a table compiles)",
    why: "a global is shared by every workflow run on the worker and starts over on another worker, so a replay can read a different value",
    help: "keep state in fields of the workflow struct (ctx.state); pass configuration in the workflow input, or read it in an activity",
};

/// An address used as data: formatted with `{:p}`, or cast to an integer.
pub(crate) const POINTER_IDENTITY: Construct = Construct {
    level: Level::Error,
    category: Category::Address,
    what: "an address used as data",
    matches: "`{:p}` in a format string; a pointer cast to an integer (`&x as *const _ as usize`, `v.as_ptr() as usize`, `std::ptr::addr_of!(x) as usize`); `.addr()`/`.expose_provenance()` on such a pointer",
    why: "the allocator picks addresses anew on every run, so an id, a log line or a branch built from one differs on replay",
    help: "identify values by a field (an id, an index), or make an id with `ctx.uuid4()`",
};

/// Rayon's parallel iterators, known by their method names (no other crate uses them).
pub(crate) const PARALLEL_ITERATION: Construct = Construct {
    level: Level::Error,
    category: Category::Concurrency,
    what: "a parallel iterator",
    matches: "`.par_iter()`, `.par_iter_mut()`, `.into_par_iter()`, `.par_bridge()`, `.par_drain()`, `.par_chunks()`, `.par_chunks_mut()`, `.par_windows()`, `.par_split()`",
    why: "its closures run on rayon's thread pool in an order that changes on every run, so side effects (a push into a shared vector, a counter, a log line) land in a different order on replay",
    help: "iterate sequentially (`.iter()`), or move the work into an activity",
};

/// `static mut` declared in workflow code.
pub(crate) const STATIC_MUT: Construct = Construct {
    level: Level::Error,
    category: Category::GlobalState,
    what: "static mut",
    matches: "a `static mut` declaration",
    why: "it is shared by every workflow run on the worker and lost when a run replays elsewhere",
    help: "keep state in fields of the workflow struct",
};

/// A static with interior mutability (`static COUNT: AtomicU64`, `Mutex`, `RwLock`...)
/// declared in workflow code, or a mutating call on a global (`COUNT.fetch_add(1)`).
pub(crate) const GLOBAL_MUTATION: Construct = Construct {
    level: Level::Error,
    category: Category::GlobalState,
    what: "global mutable state",
    matches: "a `static` whose type holds an `Atomic*`, `Mutex`, `RwLock`, `Cell` or `RefCell`; `.fetch_add()`/`.store()`/`.swap()`/`.lock()`/`.write()`... on a SCREAMING_CASE global",
    why: "a global is shared by every workflow run on the worker and starts over on another worker, so a replay sees a different value",
    help: "keep state in fields of the workflow struct (ctx.state_mut); read shared configuration through an activity",
};

#[cfg(test)]
mod tests {
    use super::*;

    fn level(rule_level: Level) -> &'static str {
        match rule_level {
            Level::Error => "error",
            Level::Warning => "warning",
        }
    }

    /// The rules table of `docs/determinism.md`, generated from the catalog.
    fn rules_table() -> String {
        let mut table = String::from(
            "| rule | level | category | matches | why | instead |\n|---|---|---|---|---|---|\n",
        );
        for rule in RULES {
            let matches: Vec<String> = rule
                .paths
                .iter()
                .map(|p| {
                    if rule.kind == Kind::Macro {
                        format!("`{p}!`")
                    } else {
                        format!("`{p}`")
                    }
                })
                .collect();
            table.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} |\n",
                rule.what,
                level(rule.level),
                rule.category.name(),
                matches.join(", "),
                rule.why,
                rule.help
            ));
        }
        for construct in [
            &HASH_ITERATION,
            &FLOAT_SUM_OVER_HASH_ORDER,
            &HASH_ITERATION_BEHIND_HELPER,
            &STATIC_MUT,
            &GLOBAL_MUTATION,
            &GLOBAL_READ,
            &POINTER_IDENTITY,
            &PARALLEL_ITERATION,
        ] {
            table.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} |\n",
                construct.what,
                level(construct.level),
                construct.category.name(),
                construct.matches,
                construct.why,
                construct.help
            ));
        }
        table.push_str(
            "| methods of typed bindings | as the rule it maps to | | `start.elapsed()` with `start: Instant` or `let start = Instant::now()`: checked as `Instant::elapsed()` | the receiver's type is known from its annotation or constructor | as the rule it maps to |\n",
        );
        table
    }

    #[test]
    fn the_docs_list_every_rule_of_the_catalog() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/determinism.md");
        let doc = std::fs::read_to_string(path).expect("docs/determinism.md");
        let (begin, end) = ("<!-- rules:begin -->\n", "<!-- rules:end -->");
        let start = doc.find(begin).expect("rules:begin marker") + begin.len();
        let stop = doc.find(end).expect("rules:end marker");
        let expected = rules_table();
        if doc[start..stop] != expected {
            if std::env::var_os("UPDATE_DOCS").is_some() {
                let updated = format!("{}{expected}{}", &doc[..start], &doc[stop..]);
                std::fs::write(path, updated).expect("rewrite docs/determinism.md");
            } else {
                panic!(
                    "docs/determinism.md is out of date with the catalog; run `UPDATE_DOCS=1 cargo test -p workflow-macros`"
                );
            }
        }
    }

    #[test]
    fn every_rule_has_its_own_id() {
        for (index, rule) in RULES.iter().enumerate() {
            assert!(
                RULES[..index].iter().all(|earlier| earlier.id != rule.id),
                "{} reuses the id {:?}",
                rule.what,
                rule.id
            );
        }
    }

    #[test]
    fn every_rule_is_complete() {
        for rule in RULES {
            assert!(!rule.paths.is_empty(), "{} has no path", rule.what);
            assert!(
                !rule.why.is_empty() && !rule.help.is_empty(),
                "{}",
                rule.what
            );
        }
    }
}
