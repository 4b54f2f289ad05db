use super::*;

/// The `#[workflow]` impl of a source file.
fn workflow_impl(source: &str) -> syn::ItemImpl {
    let file = syn::parse_file(source).expect("the source parses");
    file.items
        .into_iter()
        .find_map(|item| match item {
            syn::Item::Impl(item) if item.attrs.iter().any(|a| a.path().is_ident("workflow")) => {
                Some(item)
            }
            _ => None,
        })
        .expect("a #[workflow] impl")
}

fn patch_ids(fingerprint: &[String]) -> Vec<&str> {
    fingerprint
        .iter()
        .filter_map(|entry| entry.split_once(": patch `"))
        .map(|(_, rest)| rest.split('`').next().unwrap_or_default())
        .collect()
}

#[test]
fn commands_are_listed_in_source_order_with_their_targets() {
    let item: syn::ItemImpl = syn::parse_quote! {
        impl W {
            #[run]
            async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
                tracing::info!("not a command");
                let charged = ctx.activity(billing::charge, 5).options(o()).await?;
                if ctx.patched("cool-off") {
                    ctx.sleep(Duration::from_secs(5)).await?;
                }
                let (a, b) = ctx.join(ctx.activity(reserve, 1), ctx.child(Child::run, ()));
                ctx.external_workflow("other").signal(Other::approve, true).await?;
                ctx.activity_by_name("py_activity", args).await?;
                ctx.deprecate_patch(OLD_PATCH);
                Err(ctx.continue_as_new(W::run, ()))
            }

            #[signal]
            async fn nudge(ctx: WorkflowContext<Self>) {
                let _ = ctx.wait_condition_for(d, |s| s.done).await;
            }
        }
    };
    assert_eq!(
        fingerprint(&item),
        [
            "run: activity `billing::charge`",
            "run: patch `cool-off`",
            "run: timer",
            "run: activity `reserve`",
            "run: child workflow `Child`",
            "run: signal `Other::approve`",
            "run: activity `py_activity`",
            "run: patch `OLD_PATCH` (deprecated)",
            "run: continue as new",
            "nudge: timer (wait_condition_for)",
        ]
    );
}

/// What the versioning lock says of each edit of the order example (`examples/src/order_workflow.rs`):
/// `Some(true)` flagged (the commands changed with no new patch id), `Some(false)` let through
/// as patched, `None` unchanged. The closing note of the lock's issue shows this table.
#[test]
fn the_lock_s_verdict_on_edits_of_the_order_example() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/src/order_workflow.rs"
    );
    let original = std::fs::read_to_string(path).expect("the order example");
    let locked = fingerprint(&workflow_impl(&original));
    assert!(locked.len() >= 6, "{locked:#?}");
    let shipping = "        ctx.state_mut(|s| {\n            s.status = OrderStatus::Shipping;";
    let edits: Vec<(&str, String, Option<bool>)> = vec![
        (
            "reformat (one line per statement joined)",
            original.replace("\n            .", " ."),
            None,
        ),
        (
            "add a comment",
            original.replace(shipping, &format!("        // Ship it.\n{shipping}")),
            None,
        ),
        (
            "add a log line",
            original.replace(shipping, &format!("        tracing::info!(\"shipping\");\n{shipping}")),
            None,
        ),
        (
            "rename a local (`record` -> `created`)",
            original
                .replace("let record = ctx", "let created = ctx")
                .replace("record.total_cents", "created.total_cents"),
            None,
        ),
        (
            "change an activity's timeout",
            original.replacen("Duration::from_secs(10)", "Duration::from_secs(20)", 1),
            None,
        ),
        (
            "change state only (no command)",
            original.replace(shipping, &format!("        ctx.state_mut(|s| s.busy = false);\n{shipping}")),
            None,
        ),
        (
            "swap charge_payment and reserve_inventory",
            original
                .replace("OrderActivities::charge_payment", "SWAP")
                .replace("OrderActivities::reserve_inventory", "OrderActivities::charge_payment")
                .replace("SWAP", "OrderActivities::reserve_inventory"),
            Some(true),
        ),
        (
            "add a timer before shipping",
            original.replace(
                shipping,
                &format!("        ctx.sleep(Duration::from_secs(5)).await?;\n{shipping}"),
            ),
            Some(true),
        ),
        (
            "add the same timer behind ctx.patched(\"cool-off\")",
            original.replace(
                shipping,
                &format!(
                    "        if ctx.patched(\"cool-off\") {{ ctx.sleep(Duration::from_secs(5)).await?; }}\n{shipping}"
                ),
            ),
            Some(false),
        ),
        (
            "drop the complete_order activity",
            original.replace(
                "                ctx.activity(OrderActivities::complete_order, order.order_id.clone())\n                    .options(ActivityOptions::start_to_close(Duration::from_secs(10)))\n                    .await?;\n",
                "",
            ),
            Some(true),
        ),
        (
            "rename the ship_order activity",
            original.replace("OrderActivities::ship_order", "OrderActivities::ship_parcel"),
            Some(true),
        ),
        (
            "hold without a timeout (wait_condition_for -> wait_condition)",
            original.replace(
                ".wait_condition_for(hold, |s| s.cancel_requested.is_some())",
                ".wait_condition(|s| s.cancel_requested.is_some())",
            ),
            Some(true),
        ),
    ];
    let mut table = String::new();
    for (edit, source, expected) in edits {
        assert_ne!(source, original, "the edit `{edit}` applies");
        let edited = fingerprint(&workflow_impl(&source));
        let new_patch = patch_ids(&edited)
            .iter()
            .any(|id| !patch_ids(&locked).contains(id));
        let verdict = (edited != locked).then_some(!new_patch);
        table.push_str(&format!(
            "{:<68} {}\n",
            edit,
            match verdict {
                None => "unchanged",
                Some(true) => "FLAGGED",
                Some(false) => "changed, patched: let through",
            }
        ));
        assert_eq!(verdict, expected, "{edit}:\n{edited:#?}");
    }
    println!("{table}");
}
