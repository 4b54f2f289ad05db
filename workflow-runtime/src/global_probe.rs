//! The type-aware half of the global-state rule: when workflow code reads a global through a
//! method (`CONFIG.get()`, `FLAG.load(..)`, `CACHE.read()`, `COUNTER.with(..)`), the macros
//! route the global through [`GlobalProbe`], which hands it back unchanged unless its type can
//! change behind a shared reference: an atomic, a lock, a cell, a `OnceLock`, a thread-local.
//! Those fail to compile at the call. A constant-initialised immutable static (a table, a
//! string) passes.
//!
//! It works like the order probe, by autoref specialization:
//! `GlobalProbe(&X).global_checked()` finds [`SharedGlobal::global_checked`] (by value) when
//! `X` is [`InteriorMutable`], [`SharedBehindDeref::global_checked`] (by `&`) when `X`
//! dereferences to such a type, and [`AnyGlobal::global_checked`] (by `&mut`) otherwise. The
//! first two carry a bound that never holds, [`ImmutableGlobal`], whose diagnostic is the
//! error the user reads.
//!
//! The `Deref` step decides other crates' lazy wrappers by their target, with no list of
//! crates: a `once_cell::sync::Lazy<RwLock<..>>` or a `lazy_static!` static holding a lock is
//! shared state, the same wrappers holding a table are not. Lock and cell types outside std
//! have no trait that tells them apart from plain values, so the common ones are named below:
//! `lock_api`'s (what `parking_lot` and `spin` export) and `once_cell`'s cells.

use std::{
    cell::{Cell, LazyCell, OnceCell, RefCell, UnsafeCell},
    ops::Deref,
    sync::{
        Arc, LazyLock, Mutex, OnceLock, RwLock,
        atomic::{
            AtomicBool, AtomicI8, AtomicI16, AtomicI32, AtomicI64, AtomicIsize, AtomicPtr,
            AtomicU8, AtomicU16, AtomicU32, AtomicU64, AtomicUsize,
        },
    },
    thread::LocalKey,
};

/// Wraps a reference to one global for the check; see the module documentation.
#[doc(hidden)]
#[derive(Debug)]
pub struct GlobalProbe<'a, T: ?Sized>(pub &'a T);

/// Types whose value can change behind a shared reference, so that two reads of the same
/// global may differ.
#[doc(hidden)]
pub trait InteriorMutable {}

/// The bound a global with interior mutability fails: its message is the determinism error.
#[diagnostic::on_unimplemented(
    message = "a global that can change (an atomic, a lock, a cell, a `OnceLock`, a thread-local) is non-deterministic in workflow code: its value is shared by every workflow run on the worker and starts over on another worker, so a replay can read a different value",
    label = "global state used here",
    note = "keep state in fields of the workflow struct (`ctx.state(..)`); pass configuration in the workflow input, or read it in an activity",
    note = "a `const`, or a `static` initialised with a constant and without interior mutability (a table, a string), can be read freely",
    note = "if the value cannot change what the workflow does, mark the code `#[allow_nondeterminism(global_state, reason = \"..\")]`"
)]
pub trait ImmutableGlobal {}

/// Picked for globals with interior mutability (by value): fails on its bound.
#[doc(hidden)]
pub trait SharedGlobal<'a> {
    /// The global's type.
    type Target: ?Sized;
    /// Never compiles: the bound is never met.
    fn global_checked(self) -> &'a Self::Target
    where
        Self: ImmutableGlobal;
}

/// Picked for every other global (through `&mut`): hands it back.
#[doc(hidden)]
pub trait AnyGlobal<'a> {
    /// The global's type.
    type Target: ?Sized;
    /// The global, unchanged.
    fn global_checked(&mut self) -> &'a Self::Target;
}

impl<'a, T: ?Sized + InteriorMutable> SharedGlobal<'a> for GlobalProbe<'a, T> {
    type Target = T;

    fn global_checked(self) -> &'a T
    where
        Self: ImmutableGlobal,
    {
        self.0
    }
}

/// Picked for globals that dereference to a type with interior mutability (through `&`):
/// fails on its bound.
#[doc(hidden)]
pub trait SharedBehindDeref<'a> {
    /// The global's type.
    type Target: ?Sized;
    /// Never compiles: the bound is never met.
    fn global_checked(&self) -> &'a Self::Target
    where
        Self: ImmutableGlobal;
}

impl<'a, T> SharedBehindDeref<'a> for GlobalProbe<'a, T>
where
    T: ?Sized + Deref,
    T::Target: InteriorMutable,
{
    type Target = T;

    fn global_checked(&self) -> &'a T
    where
        Self: ImmutableGlobal,
    {
        self.0
    }
}

impl<'a, T: ?Sized> AnyGlobal<'a> for GlobalProbe<'a, T> {
    type Target = T;

    fn global_checked(&mut self) -> &'a T {
        self.0
    }
}

macro_rules! interior_mutable {
    ($($ty:ty => [$($generic:tt)*];)*) => {$(
        impl<$($generic)*> InteriorMutable for $ty {}
    )*};
}

interior_mutable! {
    AtomicBool => [];
    AtomicI8 => [];
    AtomicI16 => [];
    AtomicI32 => [];
    AtomicI64 => [];
    AtomicIsize => [];
    AtomicU8 => [];
    AtomicU16 => [];
    AtomicU32 => [];
    AtomicU64 => [];
    AtomicUsize => [];
    AtomicPtr<T> => [T];
    Mutex<T> => [T: ?Sized];
    RwLock<T> => [T: ?Sized];
    OnceLock<T> => [T];
    Cell<T> => [T: ?Sized];
    RefCell<T> => [T: ?Sized];
    UnsafeCell<T> => [T: ?Sized];
    OnceCell<T> => [T];
    LocalKey<T> => [T: 'static];
    tokio::sync::Mutex<T> => [T: ?Sized];
    tokio::sync::RwLock<T> => [T: ?Sized];
    tokio::sync::OnceCell<T> => [T];
    lock_api::Mutex<R, T> => [R, T: ?Sized];
    lock_api::RwLock<R, T> => [R, T: ?Sized];
    lock_api::ReentrantMutex<R, G, T> => [R, G, T: ?Sized];
    once_cell::sync::OnceCell<T> => [T];
    once_cell::unsync::OnceCell<T> => [T];
}

// Wrappers are as mutable as what they hold: a `LazyLock<HashMap<..>>` initialised once from
// constants is a table, a `LazyLock<Mutex<..>>` is shared state.
impl<T: InteriorMutable, F> InteriorMutable for LazyLock<T, F> {}
impl<T: InteriorMutable, F> InteriorMutable for LazyCell<T, F> {}
impl<T: ?Sized + InteriorMutable> InteriorMutable for Arc<T> {}
impl<T: ?Sized + InteriorMutable> InteriorMutable for Box<T> {}
impl<T: ?Sized + InteriorMutable> InteriorMutable for &T {}

#[cfg(test)]
mod tests {
    use std::{collections::HashMap, sync::LazyLock};

    // Both traits are in scope, as in generated code; the failing one goes unused here
    // because no global of this test can change (`ui-tests/fail/det_global_reads.rs` has those).
    #[allow(unused_imports)]
    use super::{AnyGlobal as _, GlobalProbe, SharedGlobal as _};

    static LIMITS: [u32; 3] = [10, 20, 30];
    static GREETING: &str = "hello";
    static TABLE: LazyLock<HashMap<&str, u32>> = LazyLock::new(|| HashMap::from([("a", 1)]));

    #[test]
    fn immutable_globals_pass_through_unchanged() {
        assert_eq!((*GlobalProbe(&LIMITS).global_checked()).get(1), Some(&20));
        assert_eq!((*GlobalProbe(&GREETING).global_checked()).len(), 5);
        assert_eq!((*GlobalProbe(&TABLE).global_checked()).get("a"), Some(&1));
    }
}
