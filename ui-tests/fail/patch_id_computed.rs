use std::time::Duration;

use workflow_runtime::prelude::*;

const CHECKOUT_V2: &str = "checkout-v2";

#[derive(Default)]
pub struct Checkout;

#[workflow]
impl Checkout {
    #[run]
    async fn run(ctx: WorkflowContext<Self>, release: u32) -> WorkflowResult<()> {
        // Fixed ids: a literal and a constant.
        if ctx.patched("checkout-v1") && ctx.patched(CHECKOUT_V2) {
            ctx.sleep(Duration::from_secs(1)).await?;
        }
        // Computed ids: another release of the code would ask for another id.
        let id = format!("checkout-v{release}");
        if ctx.patched(&id) {
            ctx.sleep(Duration::from_secs(2)).await?;
        }
        ctx.deprecate_patch(&format!("retired-{release}"));
        Ok(())
    }
}

fn main() {}
