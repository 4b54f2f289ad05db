use workflow_runtime::prelude::*;

pub struct Plain;

impl Plain {
    #[run]
    pub async fn run() {}
}

fn main() {}
