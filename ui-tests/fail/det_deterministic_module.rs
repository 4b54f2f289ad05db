#![allow(unused)]
use workflow_runtime::prelude::*;

/// Every function and method of the module is checked, nested modules too, each against its
/// own module's `use` items.
#[deterministic]
mod pricing {
    use std::collections::HashMap;

    pub struct Quote {
        pub lines: HashMap<String, u32>,
    }

    pub fn reference(order: u32) -> String {
        format!("{order}-{}", std::process::id())
    }

    impl Quote {
        pub fn first_line(&self) -> Option<&String> {
            self.lines.keys().next()
        }
    }

    mod clock {
        use std::time::SystemTime as Clock;

        pub fn stamp() -> Clock {
            Clock::now()
        }
    }
}

#[deterministic]
mod elsewhere;

fn main() {}
