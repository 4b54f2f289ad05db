//! The arguments of a call, decoded one by one: what generated code calls (through
//! `__private`) to read a workflow's, activity's or handler's payloads.

use serde::de::DeserializeOwned;

use super::{Payload, PayloadError, decode};

/// Decodes the argument at `index` of a call; `what` names the call in the error
/// (for example "workflow `OrderWorkflow`").
///
/// A missing argument decodes as JSON `null`, so `()` and `Option` parameters may be left out
/// by callers in other languages.
pub fn decode_arg<T: DeserializeOwned>(
    payloads: &[Payload],
    index: usize,
    what: &str,
) -> Result<T, PayloadError> {
    match payloads.get(index) {
        Some(payload) => decode(payload)
            .map_err(|e| PayloadError::caused_by(format!("argument {index} of {what}"), e)),
        None => serde_json::from_slice(b"null").map_err(|_| {
            PayloadError::new(format!(
                "{what} expects argument {index} of type `{}`, but only {} argument(s) were sent",
                std::any::type_name::<T>(),
                payloads.len()
            ))
        }),
    }
}

/// Fails when a call brought more arguments than its definition declares; `what` names the
/// call in the error (for example "signal `approve` of workflow `Approval`").
///
/// Extra arguments are a mistake of the caller (or a definition that fell behind its callers),
/// so they fail the call, as in the Python SDK, instead of being dropped unnoticed. Fewer
/// arguments are checked one by one by [`decode_arg`], where a missing `()` or `Option` is
/// allowed.
pub fn check_arg_count(
    payloads: &[Payload],
    declared: usize,
    what: &str,
) -> Result<(), PayloadError> {
    if payloads.len() <= declared {
        return Ok(());
    }
    Err(PayloadError::new(format!(
        "{what} declares {} but received {}; send {}, or declare a parameter for each extra one",
        count_arguments(declared),
        payloads.len(),
        count_arguments(declared),
    )))
}

/// "no arguments", "1 argument", "3 arguments".
fn count_arguments(n: usize) -> String {
    match n {
        0 => "no arguments".to_owned(),
        1 => "1 argument".to_owned(),
        n => format!("{n} arguments"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payload::encode;

    #[test]
    fn extra_arguments_fail_the_call_naming_both_counts() -> Result<(), PayloadError> {
        let two = [encode(&1)?, encode(&2)?];
        assert!(check_arg_count(&two, 2, "activity `add`").is_ok());
        let err = check_arg_count(&two, 1, "activity `double`").expect_err("one too many");
        assert_eq!(
            err.message(),
            "activity `double` declares 1 argument but received 2; \
             send 1 argument, or declare a parameter for each extra one"
        );
        Ok(())
    }

    #[test]
    fn missing_argument_names_the_expected_type() {
        let err = decode_arg::<u32>(&[], 0, "activity `charge`")
            .unwrap_err()
            .message()
            .to_owned();
        assert!(
            err.contains("activity `charge` expects argument 0 of type `u32`"),
            "{err}"
        );
        assert_eq!(decode_arg::<Option<u32>>(&[], 0, "x").unwrap(), None);
    }
}
