//! The type-aware half of the `.elapsed()` rule: the macros route the receiver of every
//! `.elapsed()` in workflow code through [`ClockProbe`], which hands it back unchanged unless
//! it is a point in time whose `elapsed` reads the clock (`std::time::Instant`,
//! `std::time::SystemTime`, `tokio::time::Instant`, or a reference to one). Those fail to
//! compile at the call, whether the value comes from a field, a parameter or a function's
//! result; a type of the user's that has its own `elapsed` passes.
//!
//! It works like the global probe, by autoref specialization:
//! `ClockProbe(&x).clock_checked()` finds [`ClockTime::clock_checked`] (by value) when `x`'s
//! type is [`ReadsClock`], and [`AnyTime::clock_checked`] (by `&mut`) otherwise. The first
//! carries a bound that never holds, [`ElapsedWithoutClock`], whose diagnostic is the error
//! the user reads.

use std::time::{Instant, SystemTime};

/// Wraps a reference to the receiver of one `.elapsed()` for the check.
#[doc(hidden)]
#[derive(Debug)]
pub struct ClockProbe<'a, T: ?Sized>(pub &'a T);

/// Points in time whose `elapsed()` reads the clock.
#[doc(hidden)]
pub trait ReadsClock {}

impl ReadsClock for Instant {}
impl ReadsClock for SystemTime {}
impl ReadsClock for tokio::time::Instant {}
impl<T: ?Sized + ReadsClock> ReadsClock for &T {}
impl<T: ?Sized + ReadsClock> ReadsClock for &mut T {}

/// The bound a clock reading fails: its message is the determinism error.
#[diagnostic::on_unimplemented(
    message = "`.elapsed()` on an `Instant` or a `SystemTime` is non-deterministic in workflow code: it reads the clock, so a replay measures another duration",
    label = "the clock is read here",
    note = "use `ctx.now()` and subtract: keep the start as a `SystemTime` from `ctx.now()` (in the workflow's state if it must last), then `ctx.now().duration_since(start)`",
    note = "if the duration cannot change what the workflow does, mark the code `#[allow_nondeterminism(time, reason = \"..\")]`"
)]
pub trait ElapsedWithoutClock {}

/// Picked for points in time (by value): fails on its bound.
#[doc(hidden)]
pub trait ClockTime<'a> {
    /// The receiver's type.
    type Target: ?Sized;
    /// Never compiles: the bound is never met.
    fn clock_checked(self) -> &'a Self::Target
    where
        Self: ElapsedWithoutClock;
}

/// Picked for every other receiver (through `&mut`): hands it back.
#[doc(hidden)]
pub trait AnyTime<'a> {
    /// The receiver's type.
    type Target: ?Sized;
    /// The receiver, unchanged.
    fn clock_checked(&mut self) -> &'a Self::Target;
}

impl<'a, T: ?Sized + ReadsClock> ClockTime<'a> for ClockProbe<'a, T> {
    type Target = T;

    fn clock_checked(self) -> &'a T
    where
        Self: ElapsedWithoutClock,
    {
        self.0
    }
}

impl<'a, T: ?Sized> AnyTime<'a> for ClockProbe<'a, T> {
    type Target = T;

    fn clock_checked(&mut self) -> &'a T {
        self.0
    }
}

#[cfg(test)]
mod tests {
    // Both traits are in scope, as in generated code; the failing one goes unused here
    // (`ui-tests/fail/det_elapsed_by_type.rs` has the clock readings).
    #[allow(unused_imports)]
    use super::{AnyTime as _, ClockProbe, ClockTime as _};

    /// A type of the user's with an `elapsed` of its own.
    struct Stopwatch(u32);

    impl Stopwatch {
        fn elapsed(&self) -> u32 {
            self.0
        }
    }

    #[test]
    fn other_types_pass_through_unchanged() {
        let watch = Stopwatch(7);
        assert_eq!((*ClockProbe(&watch).clock_checked()).elapsed(), 7);
        let by_ref = &watch;
        assert_eq!((*ClockProbe(&by_ref).clock_checked()).elapsed(), 7);
    }
}
