//! The type-aware half of the determinism check: workflow code's iterating calls and `for`
//! loops are wrapped by the macros in [`OrderProbe`], which passes every iterator through
//! unchanged except those of `HashMap` and `HashSet`, whose order is random per process. Those
//! fail to compile at the call, whatever built the map: a state field, a helper, another crate.
//! A map or set whose hasher is a `BuildHasherDefault` (an `FxHashMap`) hashes with fixed keys,
//! so it iterates in the same order whenever the same operations built it: its iterators pass.
//!
//! It works by autoref specialization, in two steps:
//! - when the iterated collection is a variable or a field, `HasherProbe(&map).hasher_kind()`
//!   gives [`FixedHasher`] (by value, for a `BuildHasherDefault` map or set) or
//!   [`RandomHasher`] (by `&mut`, for anything else); otherwise the macros pass
//!   [`RandomHasher`];
//! - `OrderProbe(kind, Some(it)).order_checked()` finds [`RandomOrder::order_checked`] (by
//!   value) for a hash iterator of a [`RandomHasher`] collection and
//!   [`AnyOrder::order_checked`] (by `&mut`) for anything else. The first carries a bound that
//!   never holds, [`DeterministicOrder`], whose diagnostic is the error the user reads.
//!
//! [`SumProbe`] does the same for the iterator a `sum` or `product` consumes, which the order
//! probe lets through: it fails for floats added up in a hash collection's order, seen through
//! the adapters between (`map`, `filter`, `cloned`...), since the result's last bits change
//! with the order.

use std::{
    collections::{HashMap, HashSet, hash_map, hash_set},
    hash::BuildHasherDefault,
    iter,
};

/// Wraps a reference to an iterated collection, to tell its hasher.
#[doc(hidden)]
#[derive(Debug)]
pub struct HasherProbe<'a, T: ?Sized>(pub &'a T);

/// Maps and sets whose hasher has fixed keys, and references to them.
#[doc(hidden)]
pub trait FixedHasherCollection {}

impl<K, V, H> FixedHasherCollection for HashMap<K, V, BuildHasherDefault<H>> {}
impl<T, H> FixedHasherCollection for HashSet<T, BuildHasherDefault<H>> {}
impl<T: ?Sized + FixedHasherCollection> FixedHasherCollection for &T {}
impl<T: ?Sized + FixedHasherCollection> FixedHasherCollection for &mut T {}

/// The kind of a collection hashed with fixed keys: its order is the same on every run.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct FixedHasher;

/// The kind of any other collection, or of one the macros cannot name twice.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct RandomHasher;

/// Picked for a fixed-hasher map or set (by value).
#[doc(hidden)]
pub trait FixedHasherKind {
    /// [`FixedHasher`].
    fn hasher_kind(self) -> FixedHasher;
}

/// Picked for everything else (through `&mut`).
#[doc(hidden)]
pub trait AnyHasherKind {
    /// [`RandomHasher`].
    fn hasher_kind(&mut self) -> RandomHasher;
}

impl<T: ?Sized + FixedHasherCollection> FixedHasherKind for HasherProbe<'_, T> {
    fn hasher_kind(self) -> FixedHasher {
        FixedHasher
    }
}

impl<T: ?Sized> AnyHasherKind for HasherProbe<'_, T> {
    fn hasher_kind(&mut self) -> RandomHasher {
        RandomHasher
    }
}

/// Wraps one iterator for the check, with the kind of the collection's hasher; see the module
/// documentation.
#[doc(hidden)]
#[derive(Debug)]
pub struct OrderProbe<K, I>(pub K, pub Option<I>);

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

impl<K, I> AnyOrder for OrderProbe<K, I> {
    type Iter = I;

    fn order_checked(&mut self) -> I {
        match self.1.take() {
            Some(iterator) => iterator,
            // The macros build each probe with `Some` and call this once.
            None => unreachable!("an order probe is used once"),
        }
    }
}

/// Each iterator of `HashMap` and `HashSet` fails the order probe (when its collection's
/// hasher is random) and starts a hash-ordered chain for the sum probe.
macro_rules! hash_iterators {
    ($($iterator:ty => [$($generic:tt)*];)*) => {$(
        impl<$($generic)*> HashOrdered for $iterator {}

        impl<$($generic)*> RandomOrder for OrderProbe<RandomHasher, $iterator> {
            type Iter = $iterator;

            fn order_checked(self) -> $iterator
            where
                Self: DeterministicOrder,
            {
                match self.1 {
                    Some(iterator) => iterator,
                    None => unreachable!("an order probe is used once"),
                }
            }
        }
    )*};
}

hash_iterators! {
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

/// Iterators whose items come in a hash collection's order: its iterators, and the adapters
/// over them that keep that order (the ones the macros let reach a `sum` or `product`).
#[doc(hidden)]
pub trait HashOrdered {}

/// The adapters that keep a hash-ordered iterator's order.
macro_rules! hash_ordered {
    ($($iterator:ty => [$($generic:tt)*];)*) => {$(
        impl<$($generic)*> HashOrdered for $iterator {}
    )*};
}

hash_ordered! {
    iter::Map<I, F> => [I: HashOrdered, F];
    iter::Filter<I, P> => [I: HashOrdered, P];
    iter::FilterMap<I, F> => [I: HashOrdered, F];
    iter::Cloned<I> => [I: HashOrdered];
    iter::Copied<I> => [I: HashOrdered];
    iter::FlatMap<I, U, F> => [I: HashOrdered, U: IntoIterator, F];
    iter::Flatten<I> => [I: HashOrdered + Iterator<Item: IntoIterator>];
    iter::Inspect<I, F> => [I: HashOrdered, F];
}

/// Floating-point numbers, and references to them: the items whose sum depends on the order.
#[doc(hidden)]
pub trait Float {}

impl Float for f32 {}
impl Float for f64 {}
impl<T: ?Sized + Float> Float for &T {}
impl<T: ?Sized + Float> Float for &mut T {}

/// Wraps the iterator a `sum` or `product` consumes, when it starts at a hash collection's
/// iteration: integers pass, floats fail to compile. Works like [`OrderProbe`], with
/// [`FloatSum`] (by value) for a hash-ordered iterator of floats and [`AnySum`] (by `&mut`)
/// for anything else.
#[doc(hidden)]
#[derive(Debug)]
pub struct SumProbe<I>(pub Option<I>);

/// The bound a float sum over hash order fails: its message is the determinism error.
#[diagnostic::on_unimplemented(
    message = "a floating-point `sum` or `product` over a `HashMap` or `HashSet` depends on the order of its entries, which differs on replay",
    label = "added up in a random order here",
    note = "floating-point addition and multiplication are not associative: the last bits of the result change with the order",
    note = "sum over a `BTreeMap`/`BTreeSet`, or collect the values into a `Vec` and sort it first; sums of integers are allowed",
    note = "if the last bits cannot change what the workflow does, mark the code `#[allow_nondeterminism(ordering, reason = \"..\")]`"
)]
pub trait OrderIndependentSum {}

/// Picked for a hash-ordered iterator of floats (by value): fails on its bound.
#[doc(hidden)]
pub trait FloatSum {
    /// The iterator.
    type Iter;
    /// Never compiles: the bound is never met.
    fn sum_checked(self) -> Self::Iter
    where
        Self: OrderIndependentSum;
}

/// Picked for every other iterator (through `&mut`): hands it back.
#[doc(hidden)]
pub trait AnySum {
    /// The iterator.
    type Iter;
    /// The iterator, unchanged.
    fn sum_checked(&mut self) -> Self::Iter;
}

impl<I> FloatSum for SumProbe<I>
where
    I: Iterator + HashOrdered,
    I::Item: Float,
{
    type Iter = I;

    fn sum_checked(self) -> I
    where
        Self: OrderIndependentSum,
    {
        match self.0 {
            Some(iterator) => iterator,
            None => unreachable!("a sum probe is used once"),
        }
    }
}

impl<I> AnySum for SumProbe<I> {
    type Iter = I;

    fn sum_checked(&mut self) -> I {
        match self.0.take() {
            Some(iterator) => iterator,
            // The macros build each probe with `Some` and call this once.
            None => unreachable!("a sum probe is used once"),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::{
        collections::{BTreeMap, HashMap},
        hash::{BuildHasherDefault, DefaultHasher},
    };

    #[allow(unused_imports)]
    use super::{
        AnyHasherKind as _, AnyOrder as _, AnySum as _, FixedHasherKind as _, FloatSum as _,
        HasherProbe, OrderProbe, RandomHasher, RandomOrder as _, SumProbe,
    };

    #[test]
    fn other_iterators_pass_through_unchanged() {
        let ordered = BTreeMap::from([(2, "b"), (1, "a")]);
        let keys: Vec<_> = OrderProbe(RandomHasher, Some(ordered.keys()))
            .order_checked()
            .collect();
        assert_eq!(keys, [&1, &2]);
        let vector = vec![3, 1, 2];
        let items: Vec<_> = OrderProbe(RandomHasher, Some(vector.into_iter()))
            .order_checked()
            .collect();
        assert_eq!(items, [3, 1, 2]);
        // A hash map's order-independent uses are not iterators and need no probe.
        let hashed = HashMap::from([(1, 10), (2, 20)]);
        assert_eq!(hashed.len(), 2);
    }

    #[test]
    fn a_fixed_hasher_map_iterates_through_the_probe() {
        let mut fixed: HashMap<u32, u32, BuildHasherDefault<DefaultHasher>> = HashMap::default();
        fixed.extend([(1, 10), (2, 20), (3, 30)]);
        let kind = HasherProbe(&&fixed).hasher_kind();
        let mut keys: Vec<u32> = OrderProbe(kind, Some(fixed.keys()))
            .order_checked()
            .copied()
            .collect();
        keys.sort_unstable();
        assert_eq!(keys, [1, 2, 3]);
    }

    #[test]
    fn integer_sums_over_hash_order_and_float_sums_over_other_orders_pass() {
        let hashed = HashMap::from([(1, 10u64), (2, 20)]);
        let total: u64 = SumProbe(Some(hashed.values().map(|v| v * 2)))
            .sum_checked()
            .sum();
        assert_eq!(total, 60);
        let prices = [0.1f64, 0.2, 0.3];
        let sum: f64 = SumProbe(Some(prices.iter())).sum_checked().sum();
        assert!((sum - 0.6).abs() < 1e-9);
    }
}
