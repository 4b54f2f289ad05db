use workflow_runtime::prelude::*;
#[derive(Default)]
pub struct Countdown {
    remaining: u32,
}
impl Countdown {
    async fn run(ctx: WorkflowContext<Self>, from: u32) -> WorkflowResult<u32> {
        #[allow(unused_imports)]
        use ::workflow_runtime::__private::{
            AnyArgument as _, AnyGlobal as _, AnyHasherKind as _, AnyOrder as _,
            AnyReturn as _, AnySum as _, AnyTime as _, ClockTime as _,
            FixedHasherKind as _, FloatSum as _, HashArgument as _, HiddenReturn as _,
            RandomOrder as _, SharedBehindDeref as _, SharedGlobal as _,
            VisibleReturn as _,
        };
        for _ in ::workflow_runtime::__private::OrderProbe(
                ::workflow_runtime::__private::RandomHasher,
                ::core::option::Option::Some(
                    ::core::iter::IntoIterator::into_iter(0..from),
                ),
            )
            .order_checked()
        {
            ctx.sleep(std::time::Duration::from_secs(1)).await?;
            ctx.state_mut(|s| s.remaining += 1);
        }
        Ok(ctx.state(|s| s.remaining))
    }
}
const _: fn() = || {
    ::workflow_runtime::__private::assert_payload_type::<u32>();
    ::workflow_runtime::__private::assert_payload_type::<u32>();
};
#[automatically_derived]
impl ::workflow_runtime::__private::WorkflowDefinition for Countdown {
    const NAME: &'static str = "Countdown";
    const COMMANDS: &'static [&'static str] = &["run: timer"];
    type Input = u32;
    type Output = u32;
    fn initial_state(input: &Self::Input) -> Self {
        let _ = input;
        <Countdown as ::core::default::Default>::default()
    }
    fn encode_input(
        input: &Self::Input,
    ) -> ::workflow_runtime::__private::Result<
        ::workflow_runtime::__private::Vec<::workflow_runtime::__private::Payload>,
        ::workflow_runtime::__private::PayloadError,
    > {
        ::workflow_runtime::__private::Result::Ok(
            ::std::vec![::workflow_runtime::__private::encode(input) ?],
        )
    }
    fn decode_input(
        payloads: &[::workflow_runtime::__private::Payload],
    ) -> ::workflow_runtime::__private::Result<
        Self::Input,
        ::workflow_runtime::__private::PayloadError,
    > {
        ::workflow_runtime::__private::check_arg_count(
                payloads,
                1usize,
                "workflow `Countdown`",
            )
            .and_then(|()| ::workflow_runtime::__private::decode_arg::<
                u32,
            >(payloads, 0, "workflow `Countdown`"))
    }
    fn execute(
        ctx: ::workflow_runtime::__private::WorkflowContext<Self>,
        input: Self::Input,
    ) -> ::workflow_runtime::__private::LocalBoxFuture<
        'static,
        ::workflow_runtime::__private::WorkflowResult<Self::Output>,
    > {
        ::workflow_runtime::__private::Box::pin(Self::run(ctx, input))
    }
    fn handlers() -> &'static ::workflow_runtime::__private::Handlers<Self> {
        static HANDLERS: ::workflow_runtime::__private::OnceLock<
            ::workflow_runtime::__private::Handlers<Countdown>,
        > = ::workflow_runtime::__private::OnceLock::new();
        HANDLERS.get_or_init(|| ::workflow_runtime::__private::Handlers::default())
    }
}
const _: ::workflow_runtime::__private::Version<0, 1> = ::workflow_runtime::__private::VERSION;
