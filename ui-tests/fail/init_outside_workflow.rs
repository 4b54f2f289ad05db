use workflow_runtime::prelude::*;

pub struct Plain;

impl Plain {
    #[init]
    pub fn new() -> Self {
        Self
    }
}

fn main() {}
