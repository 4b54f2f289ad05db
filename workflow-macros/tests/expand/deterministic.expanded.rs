use std::collections::HashMap;
use workflow_runtime::prelude::*;
mod pricing {
    use std::collections::HashMap;
    pub static RATES: std::sync::OnceLock<HashMap<String, u32>> = std::sync::OnceLock::new();
    pub fn first_rate(rates: &HashMap<String, u32>) -> Option<&u32> {
        #[allow(unused_imports)]
        use ::workflow_runtime::__private::{
            AnyArgument as _, AnyGlobal as _, AnyHasherKind as _, AnyOrder as _,
            AnyReturn as _, AnySum as _, AnyTime as _, ClockTime as _,
            FixedHasherKind as _, FloatSum as _, HashArgument as _, HiddenReturn as _,
            RandomOrder as _, SharedBehindDeref as _, SharedGlobal as _,
            VisibleReturn as _,
        };
        ::workflow_runtime::__private::OrderProbe(
                ::workflow_runtime::__private::HasherProbe(&(rates)).hasher_kind(),
                ::core::option::Option::Some(rates.values()),
            )
            .order_checked()
            .next()
    }
    pub fn total(rates: &HashMap<String, u32>) -> u32 {
        #[allow(unused_imports)]
        use ::workflow_runtime::__private::{
            AnyArgument as _, AnyGlobal as _, AnyHasherKind as _, AnyOrder as _,
            AnyReturn as _, AnySum as _, AnyTime as _, ClockTime as _,
            FixedHasherKind as _, FloatSum as _, HashArgument as _, HiddenReturn as _,
            RandomOrder as _, SharedBehindDeref as _, SharedGlobal as _,
            VisibleReturn as _,
        };
        ::workflow_runtime::__private::SumProbe(
                ::core::option::Option::Some(rates.values()),
            )
            .sum_checked()
            .sum::<u32>()
            + (*::workflow_runtime::__private::GlobalProbe(&RATES).global_checked())
                .get()
                .map_or(0, |r| r.len() as u32)
    }
}
const _: ::workflow_runtime::__private::Version<0, 1> = ::workflow_runtime::__private::VERSION;
