//! The type-aware check of iteration behind a helper: when workflow code iterates what a call
//! returns (a `for` loop over it, an adapter or a `collect` on it) and the call was given a
//! `HashMap` or `HashSet`, the macros route the result through [`ReturnProbe`]. It fails to
//! compile when the result is an iterator whose type hides where its items come from (an
//! `impl Iterator`, a `Box<dyn Iterator>`, an iterator type of another crate): made from a
//! hash collection, such an iterator most likely yields in the collection's random order.
//! Results whose order shows in their type pass: a `Vec`, a `BTreeMap`, an `Option`, their
//! iterators, and a hash collection's own iterators (which the order probe refuses where they
//! are iterated).
//!
//! It works in two steps, each by autoref specialization:
//! - `ArgumentProbe(&arg).argument_kind()` gives [`HashedArgument`] (by value, for a hash
//!   collection or a reference to one) or [`OtherArgument`] (by `&mut`, for anything else);
//! - `ReturnProbe(kind, Some(result)).returned_checked()` finds [`VisibleReturn`] (by value)
//!   when the result's type shows its order, [`HiddenReturn`] (by `&`) when the argument was a
//!   hash collection and the result is an iterator, whose bound never holds
//!   ([`DeterministicHelper`], the error the user reads), and [`AnyReturn`] (by `&mut`) for
//!   the rest.

use std::{
    collections::{
        BTreeMap, BTreeSet, HashMap, HashSet, VecDeque, btree_map, btree_set, hash_map, hash_set,
        vec_deque,
    },
    ops::{Range, RangeInclusive},
    option, slice, vec,
};

/// Wraps a reference to one argument of a call whose result is iterated.
#[doc(hidden)]
#[derive(Debug)]
pub struct ArgumentProbe<'a, T: ?Sized>(pub &'a T);

/// `HashMap`, `HashSet` and references to them.
#[doc(hidden)]
pub trait HashCollection {}

impl<K, V, S> HashCollection for HashMap<K, V, S> {}
impl<T, S> HashCollection for HashSet<T, S> {}
impl<T: ?Sized + HashCollection> HashCollection for &T {}
impl<T: ?Sized + HashCollection> HashCollection for &mut T {}

/// The kind of an argument that is a hash collection.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct HashedArgument;

/// The kind of any other argument.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct OtherArgument;

/// Picked for a hash collection (by value).
#[doc(hidden)]
pub trait HashArgument {
    /// [`HashedArgument`].
    fn argument_kind(self) -> HashedArgument;
}

/// Picked for every other argument (through `&mut`).
#[doc(hidden)]
pub trait AnyArgument {
    /// [`OtherArgument`].
    fn argument_kind(&mut self) -> OtherArgument;
}

impl<T: ?Sized + HashCollection> HashArgument for ArgumentProbe<'_, T> {
    fn argument_kind(self) -> HashedArgument {
        HashedArgument
    }
}

impl<T: ?Sized> AnyArgument for ArgumentProbe<'_, T> {
    fn argument_kind(&mut self) -> OtherArgument {
        OtherArgument
    }
}

/// Wraps the result of a call, with the kind of one of its arguments.
#[doc(hidden)]
#[derive(Debug)]
pub struct ReturnProbe<K, R>(pub K, pub Option<R>);

/// Types whose order shows in the type: ordered collections and their iterators, values that
/// are not sequences, and a hash collection's own iterators (refused where they are iterated).
#[doc(hidden)]
pub trait OrderInType {}

macro_rules! order_in_type {
    ($($ty:ty => [$($generic:tt)*];)*) => {$(
        impl<$($generic)*> OrderInType for $ty {}
    )*};
}

order_in_type! {
    Vec<T> => [T];
    VecDeque<T> => [T];
    [T; N] => [T, const N: usize];
    Box<[T]> => [T];
    BTreeMap<K, V> => [K, V];
    BTreeSet<T> => [T];
    Option<T> => [T];
    Result<T, E> => [T, E];
    String => [];
    Range<T> => [T];
    RangeInclusive<T> => [T];
    vec::IntoIter<T> => [T];
    slice::Iter<'a, T> => ['a, T];
    slice::IterMut<'a, T> => ['a, T];
    vec_deque::Iter<'a, T> => ['a, T];
    vec_deque::IntoIter<T> => [T];
    option::IntoIter<T> => [T];
    btree_map::Iter<'a, K, V> => ['a, K, V];
    btree_map::Keys<'a, K, V> => ['a, K, V];
    btree_map::Values<'a, K, V> => ['a, K, V];
    btree_map::IntoIter<K, V> => [K, V];
    btree_set::Iter<'a, T> => ['a, T];
    btree_set::IntoIter<T> => [T];
    hash_map::Iter<'a, K, V> => ['a, K, V];
    hash_map::Keys<'a, K, V> => ['a, K, V];
    hash_map::Values<'a, K, V> => ['a, K, V];
    hash_map::IntoIter<K, V> => [K, V];
    hash_map::IntoKeys<K, V> => [K, V];
    hash_map::IntoValues<K, V> => [K, V];
    hash_set::Iter<'a, T> => ['a, T];
    hash_set::IntoIter<T> => [T];
}

impl<T: ?Sized + OrderInType> OrderInType for &T {}
impl<T: ?Sized + OrderInType> OrderInType for &mut T {}
impl<T> OrderInType for [T] {}

/// The bound an iterator a helper made from a hash collection fails: its message is the
/// determinism error.
#[diagnostic::on_unimplemented(
    message = "this iterator was made from a `HashMap` or `HashSet` by a function the check cannot see into: it may yield in the collection's random order, which differs on replay",
    label = "iterated in an order this function decides",
    note = "have the function return a type that shows its order instead of an `impl Iterator` or a `Box<dyn Iterator>`: a `Vec` it sorted, a `BTreeMap`/`BTreeSet`, or one of their iterators (`std::vec::IntoIter`, `btree_map::Iter`...)",
    note = "if the order cannot change what the workflow does, mark the code `#[allow_nondeterminism(ordering, reason = \"..\")]`"
)]
pub trait DeterministicHelper {}

/// Picked when the result's type shows its order (by value): hands it back.
#[doc(hidden)]
pub trait VisibleReturn {
    /// The result.
    type Result;
    /// The result, unchanged.
    fn returned_checked(self) -> Self::Result;
}

/// Picked for an iterator made from a hash collection whose type hides its order (by `&`):
/// fails on its bound.
#[doc(hidden)]
pub trait HiddenReturn {
    /// The result.
    type Result;
    /// Never compiles: the bound is never met.
    fn returned_checked(&self) -> Self::Result
    where
        Self: DeterministicHelper;
}

/// Picked for the rest (by `&mut`): hands the result back.
#[doc(hidden)]
pub trait AnyReturn {
    /// The result.
    type Result;
    /// The result, unchanged.
    fn returned_checked(&mut self) -> Self::Result;
}

impl<K, R: OrderInType> VisibleReturn for ReturnProbe<K, R> {
    type Result = R;

    fn returned_checked(self) -> R {
        match self.1 {
            Some(result) => result,
            None => unreachable!("a return probe is used once"),
        }
    }
}

impl<R: Iterator> HiddenReturn for ReturnProbe<HashedArgument, R> {
    type Result = R;

    fn returned_checked(&self) -> R
    where
        Self: DeterministicHelper,
    {
        unreachable!("the bound of a hidden return is never met")
    }
}

impl<K, R> AnyReturn for ReturnProbe<K, R> {
    type Result = R;

    fn returned_checked(&mut self) -> R {
        match self.1.take() {
            Some(result) => result,
            // The macros build each probe with `Some` and call this once.
            None => unreachable!("a return probe is used once"),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashMap};

    // Every trait is in scope, as in generated code; the failing ones go unused here
    // (`ui-tests/fail/det_hash_iteration_behind_helper.rs` has the refused helpers).
    #[allow(unused_imports)]
    use super::{
        AnyArgument as _, AnyReturn as _, ArgumentProbe, HashArgument as _, HiddenReturn as _,
        ReturnProbe, VisibleReturn as _,
    };

    fn sorted_keys(map: &HashMap<u32, u32>) -> Vec<u32> {
        let mut keys: Vec<u32> = map.keys().copied().collect();
        keys.sort_unstable();
        keys
    }

    fn ordered(map: &BTreeMap<u32, u32>) -> impl Iterator<Item = &u32> {
        map.keys()
    }

    #[test]
    fn visible_orders_and_other_arguments_pass_through_unchanged() {
        let hashed = HashMap::from([(2, 20), (1, 10)]);
        let keys = ReturnProbe(
            ArgumentProbe(&&hashed).argument_kind(),
            Some(sorted_keys(&hashed)),
        )
        .returned_checked();
        assert_eq!(keys, [1, 2]);
        let tree = BTreeMap::from([(2, 20), (1, 10)]);
        let walked: Vec<u32> =
            ReturnProbe(ArgumentProbe(&&tree).argument_kind(), Some(ordered(&tree)))
                .returned_checked()
                .copied()
                .collect();
        assert_eq!(walked, [1, 2]);
    }
}
