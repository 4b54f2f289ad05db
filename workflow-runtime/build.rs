//! Keeps the descriptors of the protos a workflow history is made of, from the full set that
//! `temporalio-protos` publishes through its `links` metadata, so the replayer can read
//! histories saved as proto JSON.

use std::collections::{BTreeSet, HashMap};

use prost::Message;
use prost_types::{FileDescriptorProto, FileDescriptorSet};

const HISTORY_FILE: &str = "temporal/api/history/v1/message.proto";

fn main() {
    println!("cargo:rerun-if-env-changed=DEP_TEMPORALIO_PROTOS_DESCRIPTOR_PATH");
    let source = std::env::var("DEP_TEMPORALIO_PROTOS_DESCRIPTOR_PATH")
        .expect("temporalio-protos publishes its descriptor path");
    println!("cargo:rerun-if-changed={source}");
    let bytes = std::fs::read(&source).expect("read the proto descriptors");
    let all = FileDescriptorSet::decode(bytes.as_slice()).expect("decode the proto descriptors");
    let by_name: HashMap<&str, &FileDescriptorProto> =
        all.file.iter().map(|f| (f.name(), f)).collect();
    let mut needed = BTreeSet::new();
    let mut pending = vec![HISTORY_FILE];
    while let Some(name) = pending.pop() {
        if needed.insert(name) {
            let file = by_name
                .get(name)
                .unwrap_or_else(|| panic!("{name} is not among the descriptors"));
            pending.extend(file.dependency.iter().map(String::as_str));
        }
    }
    let kept = FileDescriptorSet {
        file: all
            .file
            .iter()
            .filter(|f| needed.contains(f.name()))
            // Comments and source positions are not needed to read JSON.
            .map(|f| FileDescriptorProto {
                source_code_info: None,
                ..f.clone()
            })
            .collect(),
    };
    let target = std::path::Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"))
        .join("history_descriptors.bin");
    std::fs::write(&target, kept.encode_to_vec()).expect("write the history descriptors");
}
