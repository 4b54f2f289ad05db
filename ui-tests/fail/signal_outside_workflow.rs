use workflow_runtime::prelude::*;

pub struct Approval {
    approved: Option<bool>,
}

impl Approval {
    #[signal]
    pub fn approve(&mut self, approved: bool) {
        self.approved = Some(approved);
    }
}

fn main() {}
