//! The type-aware half of the determinism check: workflow code's iterating calls and `for`
//! loops are wrapped by the macros in [`OrderProbe`], which passes every iterator through
//! unchanged except those of `HashMap` and `HashSet`, whose order is random per process. Those
//! fail to compile at the call, whatever built the map: a state field, a helper, another crate.
//!
//! It works by autoref specialization: `OrderProbe(Some(it)).order_checked()` finds
//! [`RandomOrder::order_checked`] (by value) for a hash iterator and
//! [`AnyOrder::order_checked`] (by `&mut`) for anything else. The first carries a bound that
//! never holds, [`DeterministicOrder`], whose diagnostic is the error the user reads.

use std::collections::{hash_map, hash_set};

/// Wraps one iterator for the check; see the module documentation.
#[doc(hidden)]
#[derive(Debug)]
pub struct OrderProbe<I>(pub Option<I>);

/// The bound a hash iterator fails: its message is the determinism error.
#[diagnostic::on_unimplemented(
    message = "iterating a `HashMap` or `HashSet` visits its entries in a random order, which differs on replay",
    label = "iterated in a random order here",
    note = "use `BTreeMap`/`BTreeSet` (or `IndexMap`), or collect into an ordered collection, or collect into a `Vec` and sort it before use",
    note = "order-independent uses are allowed: `len`, `contains*`, `get*`, `retain`, and iterating straight into `sum`, `product`, `count`, `min`, `max`, `all`, `any` or a `collect` into a `BTreeMap`/`BTreeSet`",
    note = "if the order cannot change what the workflow does, mark the code `#[allow_nondeterminism(ordering, reason = \"..\")]`"
)]
pub trait DeterministicOrder {}

/// Picked for hash iterators (by value): fails on its bound.
#[doc(hidden)]
pub trait RandomOrder {
    /// The iterator.
    type Iter;
    /// Never compiles: the bound is never met.
    fn order_checked(self) -> Self::Iter
    where
        Self: DeterministicOrder;
}

/// Picked for every other iterator (through `&mut`): hands it back.
#[doc(hidden)]
pub trait AnyOrder {
    /// The iterator.
    type Iter;
    /// The iterator, unchanged.
    fn order_checked(&mut self) -> Self::Iter;
}

impl<I> AnyOrder for OrderProbe<I> {
    type Iter = I;

    fn order_checked(&mut self) -> I {
        match self.0.take() {
            Some(iterator) => iterator,
            // The macros build each probe with `Some` and call this once.
            None => unreachable!("an order probe is used once"),
        }
    }
}

macro_rules! random_order {
    ($($iterator:ty => [$($generic:tt)*];)*) => {$(
        impl<$($generic)*> RandomOrder for OrderProbe<$iterator> {
            type Iter = $iterator;

            fn order_checked(self) -> $iterator
            where
                Self: DeterministicOrder,
            {
                match self.0 {
                    Some(iterator) => iterator,
                    None => unreachable!("an order probe is used once"),
                }
            }
        }
    )*};
}

random_order! {
    hash_map::Iter<'a, K, V> => ['a, K, V];
    hash_map::IterMut<'a, K, V> => ['a, K, V];
    hash_map::Keys<'a, K, V> => ['a, K, V];
    hash_map::Values<'a, K, V> => ['a, K, V];
    hash_map::ValuesMut<'a, K, V> => ['a, K, V];
    hash_map::IntoIter<K, V> => [K, V];
    hash_map::IntoKeys<K, V> => [K, V];
    hash_map::IntoValues<K, V> => [K, V];
    hash_map::Drain<'a, K, V> => ['a, K, V];
    hash_set::Iter<'a, T> => ['a, T];
    hash_set::IntoIter<T> => [T];
    hash_set::Drain<'a, T> => ['a, T];
    hash_set::Union<'a, T, S> => ['a, T, S];
    hash_set::Intersection<'a, T, S> => ['a, T, S];
    hash_set::Difference<'a, T, S> => ['a, T, S];
    hash_set::SymmetricDifference<'a, T, S> => ['a, T, S];
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashMap};

    use super::{AnyOrder as _, OrderProbe};

    #[test]
    fn other_iterators_pass_through_unchanged() {
        let ordered = BTreeMap::from([(2, "b"), (1, "a")]);
        let keys: Vec<_> = OrderProbe(Some(ordered.keys())).order_checked().collect();
        assert_eq!(keys, [&1, &2]);
        let vector = vec![3, 1, 2];
        let items: Vec<_> = OrderProbe(Some(vector.into_iter()))
            .order_checked()
            .collect();
        assert_eq!(items, [3, 1, 2]);
        // A hash map's order-independent uses are not iterators and need no probe.
        let hashed = HashMap::from([(1, 10), (2, 20)]);
        assert_eq!(hashed.len(), 2);
    }
}
