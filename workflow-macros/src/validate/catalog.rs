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
    Logging,
}

impl Category {
    pub(crate) const ALL: [(&'static str, Category); 8] = [
        ("time", Category::Time),
        ("random", Category::Random),
        ("concurrency", Category::Concurrency),
        ("io", Category::Io),
        ("env", Category::Env),
        ("global_state", Category::GlobalState),
        ("ordering", Category::Ordering),
        ("logging", Category::Logging),
    ];
}

/// One catalog entry.
#[derive(Debug)]
pub(crate) struct Rule {
    /// Canonical full paths. A path ending in `::*` matches everything below it.
    pub(crate) paths: &'static [&'static str],
    /// Distinctive tails matched when a name was imported where the macro cannot see it
    /// (`SystemTime::now` after a file-level `use std::time::SystemTime`).
    pub(crate) suffixes: &'static [&'static str],
    pub(crate) kind: Kind,
    pub(crate) level: Level,
    pub(crate) category: Category,
    /// How the finding is named in the message.
    pub(crate) what: &'static str,
    /// Why it breaks replay.
    pub(crate) why: &'static str,
    /// The deterministic replacement.
    pub(crate) help: &'static str,
}

const ACTIVITY: &str = "move the call into an activity and run it with `ctx.activity(..)`";

macro_rules! rule {
    ($level:ident $kind:ident $category:ident, $what:literal, [$($path:literal),* $(,)?], [$($suffix:literal),* $(,)?], $why:expr, $help:expr $(,)?) => {
        Rule {
            paths: &[$($path),*],
            suffixes: &[$($suffix),*],
            kind: Kind::$kind,
            level: Level::$level,
            category: Category::$category,
            what: $what,
            why: $why,
            help: $help,
        }
    };
}

/// The catalog. Order matters only for display.
pub(crate) static RULES: &[Rule] = &[
    // ---- time -------------------------------------------------------------------------
    rule!(Error Path Time, "SystemTime::now()", ["std::time::SystemTime::now"], ["time::SystemTime::now", "SystemTime::now"],
        "it returns a different value on replay", "use `ctx.now()`, which returns the workflow task's deterministic time"),
    rule!(Error Path Time, "Instant::now()", ["std::time::Instant::now", "tokio::time::Instant::now", "time::Instant::now"], ["Instant::now"],
        "monotonic clock readings differ on every run", "use `ctx.now()`; measure durations as the difference of two `ctx.now()` values"),
    rule!(Error Path Time, "SystemTime::elapsed()", ["std::time::SystemTime::elapsed", "std::time::Instant::elapsed"], ["SystemTime::elapsed", "Instant::elapsed"],
        "it reads the clock", "use `ctx.now()` and subtract"),
    rule!(Error Path Time, "std::thread::sleep", ["std::thread::sleep", "std::thread::sleep_ms"], ["thread::sleep", "thread::sleep_ms"],
        "it blocks the workflow thread and records no durable timer", "use `ctx.sleep(duration).await`, which creates a durable timer"),
    rule!(Error Path Time, "tokio::time::sleep", ["tokio::time::sleep", "tokio::time::sleep_until", "async_std::task::sleep", "smol::Timer::after", "smol::Timer::at", "futures_timer::Delay::new"],
        ["time::sleep", "time::sleep_until", "task::sleep", "Timer::after", "Delay::new"],
        "it is a wall-clock timer that is not recorded in history", "use `ctx.sleep(duration).await`, which creates a durable timer"),
    rule!(Error Path Time, "tokio::time::timeout", ["tokio::time::timeout", "tokio::time::timeout_at", "async_std::future::timeout"], ["time::timeout", "time::timeout_at", "future::timeout"],
        "its deadline is a wall-clock timer that is not recorded in history", "use `ctx.select(operation, ctx.sleep(duration))`"),
    rule!(Error Path Time, "tokio::time::interval", ["tokio::time::interval", "tokio::time::interval_at"], ["time::interval", "time::interval_at"],
        "its ticks come from the wall clock, not from history", "loop over `ctx.sleep(period).await`"),
    rule!(Error Path Time, "Utc::now()", ["chrono::Utc::now", "chrono::Local::now", "chrono::Local::today", "chrono::Utc::today", "chrono::offset::Utc::now", "chrono::offset::Local::now"],
        ["Utc::now", "Local::now", "Local::today", "Utc::today"],
        "it reads the wall clock", "use `ctx.now()` (convert with `DateTime::<Utc>::from(ctx.now())`)"),
    rule!(Error Path Time, "OffsetDateTime::now_utc()", ["time::OffsetDateTime::now_utc", "time::OffsetDateTime::now_local", "time::UtcOffset::current_local_offset", "time::UtcDateTime::now"],
        ["OffsetDateTime::now_utc", "OffsetDateTime::now_local", "UtcOffset::current_local_offset", "UtcDateTime::now"],
        "it reads the wall clock or the worker's time zone", "use `ctx.now()` (convert with `OffsetDateTime::from(ctx.now())`)"),
    rule!(Error Path Time, "jiff::Timestamp::now()", ["jiff::Timestamp::now", "jiff::Zoned::now"], ["Timestamp::now", "Zoned::now"],
        "it reads the wall clock or the worker's time zone", "use `ctx.now()`"),
    // ---- randomness -------------------------------------------------------------------
    rule!(Error Path Random, "rand::random()", ["rand::random", "rand::random_range", "rand::random_bool", "rand::random_iter"], ["rand::random", "rand::random_range", "rand::random_bool", "rand::random_iter"],
        "it is seeded from OS entropy, so replay draws different numbers", "use `ctx.random()`, which is seeded from the workflow's recorded seed"),
    rule!(Error Path Random, "rand::thread_rng()", ["rand::thread_rng", "rand::rng", "rand::rngs::ThreadRng", "rand::rngs::OsRng", "rand::rngs::ThreadRng::default"],
        ["thread_rng", "rand::rng", "rngs::ThreadRng", "OsRng"],
        "it is seeded from OS entropy, so replay draws different numbers", "use `ctx.random()`, which is seeded from the workflow's recorded seed"),
    rule!(Error Path Random, "SeedableRng::from_entropy()", ["rand::SeedableRng::from_entropy", "rand::SeedableRng::from_os_rng"], ["from_entropy", "from_os_rng", "from_rng_os"],
        "it seeds the generator from OS entropy", "use `ctx.random()`, or seed with `SeedableRng::seed_from_u64(ctx.random())`"),
    rule!(Error Path Random, "getrandom::getrandom", ["getrandom::getrandom", "getrandom::fill", "getrandom::u32", "getrandom::u64", "getrandom::fill_uninit"], ["getrandom::getrandom", "getrandom::fill", "getrandom::u32", "getrandom::u64"],
        "it reads OS entropy", "use `ctx.random()`"),
    rule!(Error Path Random, "fastrand", ["fastrand::u8", "fastrand::u16", "fastrand::u32", "fastrand::u64", "fastrand::u128", "fastrand::usize", "fastrand::i8", "fastrand::i16", "fastrand::i32", "fastrand::i64", "fastrand::isize", "fastrand::f32", "fastrand::f64", "fastrand::bool", "fastrand::char", "fastrand::alphabetic", "fastrand::alphanumeric", "fastrand::lowercase", "fastrand::uppercase", "fastrand::digit", "fastrand::shuffle", "fastrand::choice", "fastrand::choose_multiple", "fastrand::fill", "fastrand::Rng::new"],
        [],
        "its generator is seeded from entropy per thread", "use `ctx.random()`, or `fastrand::Rng::with_seed(ctx.random())`"),
    rule!(Error Path Random, "Uuid::new_v4()", ["uuid::Uuid::new_v4"], ["Uuid::new_v4"],
        "it generates a new random UUID on replay", "use `ctx.uuid4()`"),
    rule!(Error Path Random, "Uuid::now_v7()", ["uuid::Uuid::now_v7", "uuid::Uuid::now_v6", "uuid::Uuid::now_v1", "ulid::Ulid::new", "ulid::Ulid::generate"], ["Uuid::now_v7", "Uuid::now_v6", "Uuid::now_v1", "Ulid::new", "Ulid::generate"],
        "it reads the wall clock and OS entropy", "use `ctx.uuid4()`"),
    rule!(Warning Path Ordering, "RandomState::new()", ["std::collections::hash_map::RandomState::new", "std::hash::RandomState::new"], ["RandomState::new"],
        "its hash keys are random per process, so iteration orders differ between run and replay", "use `BTreeMap`/`BTreeSet`, or a fixed `BuildHasherDefault<_>`"),
    // ---- concurrency ------------------------------------------------------------------
    rule!(Error Path Concurrency, "tokio::spawn", ["tokio::spawn", "tokio::task::spawn", "tokio::task::spawn_local", "async_std::task::spawn", "async_std::task::spawn_local", "smol::spawn", "tokio::runtime::Handle::current", "tokio::runtime::Runtime::new", "tokio::task::JoinSet::new"],
        ["tokio::spawn", "task::spawn", "task::spawn_local", "smol::spawn", "Handle::current", "Runtime::new", "JoinSet::new"],
        "the task runs outside the deterministic workflow executor", "combine futures with `ctx.join(..)` / `ctx.select(..)`; run independent work in an activity"),
    rule!(Error Path Concurrency, "spawn_blocking", ["tokio::task::spawn_blocking", "tokio::task::block_in_place", "async_std::task::spawn_blocking", "smol::unblock"], ["spawn_blocking", "block_in_place", "smol::unblock"],
        "it runs work on other threads, outside the deterministic workflow executor", "move the work into an activity"),
    rule!(Error Path Concurrency, "std::thread::spawn", ["std::thread::spawn", "std::thread::scope", "std::thread::Builder::new", "rayon::spawn", "rayon::join", "rayon::scope"], ["thread::spawn", "thread::scope", "thread::Builder::new", "rayon::spawn", "rayon::join", "rayon::scope"],
        "OS threads are scheduled nondeterministically and wake workflow code from outside the executor", "move the work into an activity, or combine futures with `ctx.join(..)`"),
    rule!(Error Path Concurrency, "futures::executor::block_on", ["futures::executor::block_on", "futures::executor::ThreadPool::new", "futures::executor::LocalPool::new", "async_std::task::block_on", "smol::block_on", "pollster::block_on"],
        ["executor::block_on", "ThreadPool::new", "LocalPool::new", "task::block_on", "smol::block_on", "pollster::block_on"],
        "it blocks the workflow thread on a foreign executor", "`.await` the future; run independent work in an activity"),
    rule!(Error Path Concurrency, "std::sync::mpsc::channel", ["std::sync::mpsc::channel", "std::sync::mpsc::sync_channel", "std::sync::Condvar::new", "std::sync::Barrier::new", "crossbeam_channel::*", "crossbeam::channel::*"],
        ["Condvar::new", "crossbeam_channel::unbounded", "crossbeam_channel::bounded"],
        "its blocking waits deadlock the workflow thread or wait on input from outside the workflow", "send data to a workflow with signals or updates; wait with `ctx.sleep(..)` or an activity"),
    rule!(Error Macro Concurrency, "tokio::select!", ["tokio::select", "futures::select", "futures_util::select", "select"], [],
        "it picks a random ready branch, which can differ on replay", "use `ctx.select(a, b)`, or write `biased;` as the first line of the select"),
    // ---- I/O, network, process, environment -------------------------------------------
    rule!(Error Path Io, "std::fs", ["std::fs::*", "tokio::fs::*", "async_std::fs::*", "fs_err::*"],
        ["fs::read", "fs::read_to_string", "fs::write", "fs::read_dir", "fs::metadata", "fs::symlink_metadata", "fs::create_dir", "fs::create_dir_all", "fs::remove_file", "fs::remove_dir", "fs::remove_dir_all", "fs::rename", "fs::copy", "fs::canonicalize", "fs::read_link", "fs::hard_link", "fs::set_permissions", "fs::exists", "File::open", "File::create", "File::create_new", "File::options", "OpenOptions::new"],
        "file contents change between the original run and replay, and writes repeat on every replay", ACTIVITY),
    rule!(Error Path Io, "std::net", ["std::net::TcpStream::connect", "std::net::TcpStream::connect_timeout", "std::net::TcpListener::bind", "std::net::UdpSocket::bind", "std::net::ToSocketAddrs::to_socket_addrs", "tokio::net::*", "async_std::net::*"],
        ["TcpStream::connect", "TcpStream::connect_timeout", "TcpListener::bind", "UdpSocket::bind", "UnixStream::connect", "UnixListener::bind", "lookup_host"],
        "network I/O is not recorded in history: it repeats on every replay and may answer differently", ACTIVITY),
    rule!(Error Path Io, "reqwest", ["reqwest::*", "hyper::Client::*", "hyper::client::*", "hyper_util::client::*", "ureq::*", "isahc::*", "surf::*", "tonic::transport::*", "sqlx::*", "redis::Client::open", "diesel::*", "tokio_postgres::*", "postgres::*", "mongodb::*"],
        ["Pool::connect", "PgPool::connect", "MySqlPool::connect", "SqlitePool::connect", "PgConnection::connect", "PgPoolOptions::new"],
        "network and database I/O are not recorded in history: they repeat on every replay and may answer differently", ACTIVITY),
    rule!(Error Path Io, "std::process::Command", ["std::process::Command::new", "tokio::process::Command::new", "async_std::process::Command::new", "std::process::exit", "std::process::abort", "std::process::id"],
        ["Command::new", "process::exit", "process::abort", "process::id"],
        "processes run outside the workflow, repeat on every replay, and `exit` stops the worker", "move the call into an activity; return an error instead of exiting"),
    rule!(Error Path Io, "std::io::stdin", ["std::io::stdin", "tokio::io::stdin"], ["io::stdin"],
        "input read in workflow code comes from nowhere on replay", "pass the value in the workflow input or a signal"),
    rule!(Error Path Env, "std::env::var", ["std::env::var", "std::env::var_os", "std::env::vars", "std::env::vars_os", "std::env::args", "std::env::args_os", "std::env::current_dir", "std::env::set_current_dir", "std::env::set_var", "std::env::remove_var", "std::env::temp_dir", "std::env::current_exe", "std::env::home_dir", "dotenvy::*", "dotenv::*"],
        ["env::var", "env::var_os", "env::vars", "env::vars_os", "env::args", "env::args_os", "env::current_dir", "env::set_current_dir", "env::set_var", "env::remove_var", "env::temp_dir", "env::current_exe", "env::home_dir"],
        "the worker's environment can differ between the original run and replay", "pass the value in the workflow input, or read it in an activity"),
    rule!(Error Path Env, "std::thread::available_parallelism", ["std::thread::available_parallelism", "std::thread::current", "num_cpus::get", "num_cpus::get_physical", "hostname::get", "sysinfo::*"],
        ["thread::available_parallelism", "thread::current", "num_cpus::get", "num_cpus::get_physical", "hostname::get"],
        "it describes the machine, which differs between workers", "pass the value in the workflow input, or read it in an activity"),
    // ---- global state -----------------------------------------------------------------
    rule!(Error Macro GlobalState, "thread_local!", ["std::thread_local", "thread_local"], [],
        "thread-local state is shared by every workflow run on the thread and lost on eviction", "keep state in fields of the workflow struct"),
    rule!(Error Macro GlobalState, "lazy_static!", ["lazy_static::lazy_static", "lazy_static"], [],
        "global state is shared by every workflow run and lost when a run replays on another worker", "keep state in fields of the workflow struct"),
    // ---- ordering ---------------------------------------------------------------------
    rule!(Warning Path Ordering, "HashMap::new()", ["std::collections::HashMap::new", "std::collections::HashMap::with_capacity", "std::collections::HashSet::new", "std::collections::HashSet::with_capacity"],
        ["HashMap::new", "HashMap::with_capacity", "HashSet::new", "HashSet::with_capacity"],
        "a HashMap or HashSet with the default hasher iterates in a random order, which differs on replay", "use `BTreeMap`/`BTreeSet` (or `IndexMap`), or sort the keys before iterating"),
    rule!(Warning Path Ordering, "DefaultHasher::new()", ["std::hash::DefaultHasher::new", "std::collections::hash_map::DefaultHasher::new"], ["DefaultHasher::new"],
        "its algorithm may change between Rust releases, so hashes persisted in history may not match on replay", "use a named stable hash, or `ctx.uuid4()` for ids"),
    // ---- logging ----------------------------------------------------------------------
    rule!(Warning Macro Logging, "println!", ["std::println", "std::print", "std::eprintln", "std::eprint", "std::dbg", "println", "print", "eprintln", "eprint", "dbg"], [],
        "the output is written again on every replay", "log with `tracing` (the worker mutes workflow logs while a run replays)"),
    rule!(Warning Path Logging, "std::io::stdout", ["std::io::stdout", "std::io::stderr"], ["io::stdout", "io::stderr"],
        "the output is written again on every replay", "log with `tracing` (the worker mutes workflow logs while a run replays)"),
];

/// The message of a finding: the first line is self-contained, the help names the
/// replacement.
pub(crate) fn message(what: &str, why: &str, help: &str) -> String {
    format!("{what} is non-deterministic in workflow code: {why}\n\nhelp: {help}")
}

/// Rules for iterating a `HashMap`/`HashSet` built in workflow code (found by tracking the
/// bindings that such constructors initialise).
pub(crate) const HASH_ITERATION: (&str, &str, &str) = (
    "iterating a HashMap or HashSet",
    "the default hasher's iteration order is random per process, so commands issued in that order differ on replay",
    "use `BTreeMap`/`BTreeSet` (or `IndexMap`), or sort the keys before iterating",
);

/// `static mut` declared in workflow code.
pub(crate) const STATIC_MUT: (&str, &str, &str) = (
    "static mut",
    "it is shared by every workflow run on the worker and lost when a run replays elsewhere",
    "keep state in fields of the workflow struct",
);

/// A static with interior mutability (`static COUNT: AtomicU64`, `Mutex`, `RwLock`...)
/// declared in workflow code, or a mutating call on a global (`COUNT.fetch_add(1)`).
pub(crate) const GLOBAL_MUTATION: (&str, &str, &str) = (
    "global mutable state",
    "a global is shared by every workflow run on the worker and starts over on another worker, so a replay sees a different value",
    "keep state in fields of the workflow struct (ctx.state_mut); read shared configuration through an activity",
);

#[cfg(test)]
mod tests {
    use super::*;

    fn level(rule_level: Level) -> &'static str {
        match rule_level {
            Level::Error => "error",
            Level::Warning => "warning",
        }
    }

    fn category(category: Category) -> &'static str {
        Category::ALL
            .iter()
            .find(|(_, c)| *c == category)
            .map_or("?", |(name, _)| name)
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
                category(rule.category),
                matches.join(", "),
                rule.why,
                rule.help
            ));
        }
        for ((what, why, help), rule_category, matches) in [
            (
                HASH_ITERATION,
                Category::Ordering,
                "a `for` loop or `.iter()`/`.keys()`/`.values()`/`.drain()`... over a binding built with `HashMap::new()`/`HashSet::new()` or typed `HashMap`/`HashSet`",
            ),
            (
                STATIC_MUT,
                Category::GlobalState,
                "a `static mut` declaration",
            ),
            (
                GLOBAL_MUTATION,
                Category::GlobalState,
                "a `static` whose type holds an `Atomic*`, `Mutex`, `RwLock`, `Cell` or `RefCell`; `.fetch_add()`/`.store()`/`.swap()`/`.lock()`/`.write()`... on a SCREAMING_CASE global",
            ),
        ] {
            table.push_str(&format!(
                "| {what} | error | {} | {matches} | {why} | {help} |\n",
                category(rule_category)
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
