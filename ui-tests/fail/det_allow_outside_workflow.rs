#![allow(unused)]
use std::time::Duration;

use workflow_runtime::prelude::*;

#[allow_nondeterminism(reason = "not in workflow code")]
fn helper() {}

fn main() {}
